import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type {
  ActionResult,
  Assignment,
  AssignmentList,
  AssignmentWrite,
  AutogradeEntry,
  AutogradeProgress,
  ClassDashboard,
  Course,
  CourseList,
  GradeWrite,
  Gradebook,
  GradingSubmission,
  Job,
  JobSubmit,
  StudentAssignment,
  StudentAssignmentList,
  Submission,
  SubmissionList,
  SubmitResult,
  ValidationResult
} from '@hotstepper/api';
import { FINISHED_JOB_STATUSES } from '@hotstepper/api';
import { HttpError } from '../../errors';
import { Nbgrader } from '../../platform/nbgrader';
import { BRIDGE_PY } from '../../platform/nbgrader-bridge';
import type { CourseDeps } from './deps';
import { readGradebook, utcMs } from './gradebook';

type SubmissionKey = { course: string; assignment: string; student: string; notebook: string };

/** The jobs feature, reached through its own routes (a feature never imports another's service). */
export interface JobsClient {
  submit(body: JobSubmit): Promise<Job>;
  /** The job's standard output. */
  stdout(id: string): Promise<string>;
}

/** What the bridge says about the course's nbgrader set-up. */
interface CourseInfo {
  courseId: string;
  courseRoot: string;
  exchangeRoot: string;
  db: string;
}

interface BridgeAssignment {
  name: string;
  duedate: string | null;
  status: string;
  generated: boolean;
  collected: number;
  maxPoints: number;
  notebooks: Assignment['notebooks'];
  inbound: number;
  autograded: number;
}

/** One exchange inbound entry's name: `student+assignment+timestamp+random`. */
function parseInbound(name: string) {
  const parts = name.split('+');
  if (parts.length < 3) {
    return undefined;
  }
  // nbgrader's "%Y-%m-%d %H:%M:%S.%f %Z" in UTC.
  const ms = utcMs(parts[2].replace(/ UTC$/, ''));
  return Number.isNaN(ms) ? undefined : { student: parts[0], assignment: parts[1], ms };
}

/** The notebook's score as nbgrader's feedback states it: "problem (Score: 3.0 / 5.0)". */
async function feedbackScore(file: string) {
  const match = /\(Score: ([\d.]+) \/ ([\d.]+)\)<\/h4>/.exec(await readFile(file, 'utf8'));
  return match ? { score: Number(match[1]), max: Number(match[2]) } : undefined;
}

/** "2 h 5 min" */
function duration(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) {
    return `${minutes} min`;
  }
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ${minutes % 60} min` : `${Math.round(hours / 24)} days`;
}

/** The autograding of one assignment: a queue of students, at most `concurrency` jobs at once. */
interface AutogradeRun {
  entries: Map<string, AutogradeEntry>;
  queue: string[];
}

/** The course policy: who may do what in which course, and nbgrader underneath. */
export class CourseService {
  private readonly nbgrader: Nbgrader;
  private readonly infos = new Map<string, Promise<CourseInfo>>();
  private readonly runs = new Map<string, AutogradeRun>();
  private readonly jobIndex = new Map<string, { key: string; student: string }>();
  private readonly listeners = new Map<string, Set<(p: AutogradeProgress) => void>>();
  private readonly unsubscribe: () => void;
  private bridgeFile?: Promise<string>;
  private jobsClient?: JobsClient;

  constructor(readonly deps: CourseDeps) {
    this.nbgrader = new Nbgrader(deps.config.course.python);
    this.unsubscribe = deps.bus.subscribe('job', job => this.jobChanged(job));
  }

  /** The jobs feature's client (set by the routes, which reach it over HTTP in process). */
  useJobs(client: JobsClient): void {
    this.jobsClient = client;
  }

  stop(): void {
    this.unsubscribe();
  }

  private nbgraderChecked?: Promise<string | undefined>;

  /** Why the course tools cannot run here (nbgrader missing), once per server; none: they can. */
  private nbgraderProblem(): Promise<string | undefined> {
    const python = this.deps.config.course.python;
    this.nbgraderChecked ??= new Promise(done => {
      execFile(python, ['-c', 'import nbgrader'], { timeout: 60_000 }, err =>
        done(
          err
            ? (err as NodeJS.ErrnoException).code === 'ENOENT'
              ? `The course tools need Python with nbgrader: ${python} was not found`
              : `nbgrader is not installed in ${python}: pip install nbgrader`
            : undefined
        )
      );
    });
    return this.nbgraderChecked;
  }

  // ——— Roles and courses ———

  async courses(): Promise<CourseList> {
    const identity = await this.deps.host.identity();
    const found = new Map<string, Course>();
    const { instructorGroups, studentGroups, courses } = this.deps.config.course;
    const match = (pattern: string, group: string) => {
      const [before, after] = pattern.split('{course}');
      if (!group.startsWith(before) || !group.endsWith(after)) {
        return undefined;
      }
      const id = group.slice(before.length, group.length - after.length);
      return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/.test(id) ? id : undefined;
    };
    const add = (course: Course) => {
      const had = found.get(course.id);
      if (!had || (had.role === 'student' && course.role === 'instructor')) {
        found.set(course.id, course);
      }
    };
    for (const group of identity.groups) {
      for (const [role, patterns] of [
        ['instructor', instructorGroups],
        ['student', studentGroups]
      ] as const) {
        for (const pattern of patterns) {
          const id = match(pattern, group);
          if (id) {
            add({ id, title: id, role, source: 'hub', group });
          }
        }
      }
    }
    for (const course of courses) {
      const role = course.instructors.includes(identity.user)
        ? 'instructor'
        : course.students.includes(identity.user)
          ? 'student'
          : undefined;
      if (role) {
        add({ id: course.id, title: course.title ?? course.id, role, source: 'config' });
      } else if (found.has(course.id) && course.title) {
        found.get(course.id)!.title = course.title;
      }
    }
    const problem = await this.nbgraderProblem();
    return {
      user: identity.user,
      courses: [...found.values()].sort((a, b) => a.id.localeCompare(b.id)),
      available: !problem,
      ...(problem ? { problem } : {})
    };
  }

  /** The user's course, or 404: a course the user is not in does not exist for them. */
  private async course(id: string): Promise<Course & { user: string }> {
    const list = await this.courses();
    const course = list.courses.find(c => c.id === id);
    if (!course) {
      throw new HttpError(404, `No course "${id}" among yours`);
    }
    return { ...course, user: list.user };
  }

  private async instructor(id: string): Promise<CourseInfo & { dir: string }> {
    const course = await this.course(id);
    if (course.role !== 'instructor') {
      throw new HttpError(403, `Only the instructors of "${id}" may do this`);
    }
    const dir = this.courseDir(id);
    if (!existsSync(dir)) {
      throw new HttpError(
        409,
        `The course folder ${dir} does not exist: create it with an nbgrader_config.py (the admin config's course.directory says where)`
      );
    }
    return { ...(await this.info(id, dir)), dir };
  }

  private courseDir(id: string): string {
    const dir = this.deps.config.course.directory.replaceAll('{course}', id);
    return isAbsolute(dir) ? dir : resolve(this.deps.rootDir, dir);
  }

  private info(id: string, dir: string): Promise<CourseInfo> {
    let info = this.infos.get(id);
    if (!info) {
      info = this.nbgrader.call<CourseInfo>('info', { course: id }, { cwd: dir });
      info.catch(() => this.infos.delete(id));
      this.infos.set(id, info);
    }
    return info;
  }

  private dbFile(info: CourseInfo): string {
    const url = info.db;
    if (!url.startsWith('sqlite:///')) {
      throw new HttpError(
        501,
        `The gradebook is not SQLite (${url.split(':')[0]}); only SQLite is read`
      );
    }
    return resolve(info.courseRoot, url.slice('sqlite:///'.length));
  }

  // ——— Instructor: assignments ———

  async assignments(id: string): Promise<AssignmentList> {
    const course = await this.instructor(id);
    const listed = await this.nbgrader.call<BridgeAssignment[]>(
      'assignments',
      { course: id },
      { cwd: course.dir }
    );
    const zones = await this.zones(id);
    const book = readGradebook(this.dbFile(course), id, this.deps.nativeBinding);
    const needs = new Map<string, number>();
    book.assignments.forEach((a, j) =>
      needs.set(a.name, book.rows.filter(r => r.scores[j].needsManualGrade).length)
    );
    return {
      course: id,
      assignments: listed.map(a => this.assignment(a, zones[a.name], needs.get(a.name) ?? 0))
    };
  }

  private assignment(a: BridgeAssignment, timeZone: string | undefined, needs: number): Assignment {
    const due = a.duedate
      ? new Date(`${a.duedate.replace(/([+-]\d\d:\d\d|Z)?$/, '')}Z`)
      : undefined;
    const released = a.status === 'released';
    return {
      name: a.name,
      status:
        released && due && due.getTime() < Date.now()
          ? 'closed'
          : released
            ? 'released'
            : a.generated
              ? 'generated'
              : 'draft',
      ...(due ? { dueDate: due.toISOString() } : {}),
      ...(timeZone ? { timeZone } : {}),
      notebooks: a.notebooks,
      maxPoints: a.maxPoints,
      collected: a.collected,
      autograded: a.autograded,
      needsManualGrade: needs,
      inbound: a.inbound
    };
  }

  private zonesFile(id: string) {
    return join(this.deps.dataDir, 'course', `${id}.json`);
  }

  private async zones(id: string): Promise<Record<string, string>> {
    try {
      return JSON.parse(await readFile(this.zonesFile(id), 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  }

  async createAssignment(id: string, body: AssignmentWrite): Promise<Assignment> {
    const course = await this.instructor(id);
    if (!body.name) {
      throw new HttpError(400, 'Name the new assignment ("name": e.g. "ps1")');
    }
    await mkdir(join(course.courseRoot, 'source', body.name), { recursive: true });
    return this.updateAssignment(id, body.name, body);
  }

  async updateAssignment(id: string, name: string, body: AssignmentWrite): Promise<Assignment> {
    const course = await this.instructor(id);
    if (body.timeZone) {
      try {
        new Intl.DateTimeFormat('en', { timeZone: body.timeZone });
      } catch {
        throw new HttpError(
          400,
          `"${body.timeZone}" is not a time zone; use an IANA name such as "Europe/Prague"`
        );
      }
    }
    if (!existsSync(join(course.courseRoot, 'source', name))) {
      throw new HttpError(404, `No assignment "${name}" in ${join(course.courseRoot, 'source')}`);
    }
    if (body.dueDate !== undefined) {
      await this.nbgrader.call(
        'duedate',
        { course: id, assignment: name, duedate: body.dueDate },
        { cwd: course.dir }
      );
    }
    if (body.timeZone) {
      const zones = await this.zones(id);
      zones[name] = body.timeZone;
      await mkdir(join(this.deps.dataDir, 'course'), { recursive: true });
      await writeFile(this.zonesFile(id), JSON.stringify(zones));
    }
    await this.publishDueDates(id, course);
    const list = await this.assignments(id);
    return list.assignments.find(a => a.name === name)!;
  }

  /**
   * The students' side learns the due dates (for the late warning) from a file beside the
   * released assignments; nbgrader's exchange has no place for them. A dot file: nbgrader's
   * listing takes only the assignment folders.
   */
  private async publishDueDates(id: string, course: CourseInfo): Promise<void> {
    const outbound = join(course.exchangeRoot, id, 'outbound');
    if (!existsSync(outbound)) {
      return;
    }
    const book = readGradebook(this.dbFile(course), id, this.deps.nativeBinding);
    const due = Object.fromEntries(
      book.assignments.filter(a => a.dueDate).map(a => [a.name, a.dueDate])
    );
    await writeFile(join(outbound, '.hotstepper-due.json'), JSON.stringify(due));
  }

  /** Where students leave a mark when they fetch (the exchange records only submissions). */
  private fetchedDir(course: CourseInfo, id: string) {
    return join(course.exchangeRoot, id, '.hotstepper-fetched');
  }

  async validateSource(id: string, name: string): Promise<ValidationResult> {
    const course = await this.instructor(id);
    return this.nbgrader.call(
      'validate_source',
      { course: id, assignment: name },
      { cwd: course.dir }
    );
  }

  async action(
    id: string,
    name: string,
    action: 'generate' | 'release' | 'unrelease' | 'collect'
  ): Promise<ActionResult> {
    const course = await this.instructor(id);
    const result = await this.nbgrader.call<ActionResult>(
      action,
      { course: id, assignment: name },
      { cwd: course.dir }
    );
    if (result.ok && action === 'release') {
      const fetched = this.fetchedDir(course, id);
      await mkdir(fetched, { recursive: true });
      // Like nbgrader's inbound: anyone may add a name, nobody may list or remove another's.
      await chmod(fetched, 0o1733).catch(() => undefined);
      await this.publishDueDates(id, course);
    }
    return result;
  }

  // ——— Instructor: submissions ———

  async submissions(id: string, name: string): Promise<SubmissionList> {
    const course = await this.instructor(id);
    const book = readGradebook(this.dbFile(course), id, this.deps.nativeBinding);
    const j = book.assignments.findIndex(a => a.name === name);
    if (j < 0) {
      throw new HttpError(404, `No assignment "${name}" in the gradebook of "${id}"`);
    }
    const inbound = await this.inbound(course, id);
    const run = this.runs.get(`${id}/${name}`);
    const autograded = join(course.courseRoot, 'autograded');
    const feedbackDir = join(course.courseRoot, 'feedback');
    const submissions: Submission[] = [];
    for (const row of book.rows) {
      const cell = row.scores[j];
      const last = inbound.get(`${row.student}+${name}`);
      const due = book.assignments[j].dueDate;
      const lateSeconds = last && due ? Math.max(0, (last - Date.parse(due)) / 1000) : 0;
      const graded = existsSync(join(autograded, row.student, name));
      const status: Submission['status'] =
        cell.score === null
          ? existsSync(join(course.courseRoot, 'submitted', row.student, name))
            ? 'collected'
            : last
              ? 'inbound'
              : 'missing'
          : !graded
            ? 'collected'
            : existsSync(join(feedbackDir, row.student, name))
              ? 'feedback-released'
              : cell.needsManualGrade
                ? 'autograded'
                : 'graded';
      const job = run?.entries.get(row.student)?.job;
      submissions.push({
        student: row.student,
        ...(row.firstName || row.lastName
          ? { name: [row.firstName, row.lastName].filter(Boolean).join(' ') }
          : {}),
        ...(last ? { submittedAt: new Date(last).toISOString() } : {}),
        late: cell.late || lateSeconds > 0,
        lateSeconds,
        status,
        score: cell.score,
        maxPoints: book.assignments[j].maxPoints,
        needsManualGrade: cell.needsManualGrade,
        ...(job ? { job } : {})
      });
    }
    return { course: id, assignment: name, submissions };
  }

  /**
   * The newest inbound submission time per `student+assignment`. Both layouts: nbgrader's own
   * (every submission in inbound/) and the per-student mounted one (inbound/<student>/…, each
   * student's pod seeing only their own folder as inbound/).
   */
  private async inbound(course: CourseInfo, id: string): Promise<Map<string, number>> {
    const latest = new Map<string, number>();
    const dir = join(course.exchangeRoot, id, 'inbound');
    const names: string[] = [];
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory() && !entry.name.includes('+')) {
        names.push(...(await readdir(join(dir, entry.name)).catch(() => [])));
      } else {
        names.push(entry.name);
      }
    }
    for (const name of names) {
      const entry = parseInbound(name);
      if (entry) {
        const key = `${entry.student}+${entry.assignment}`;
        latest.set(key, Math.max(latest.get(key) ?? 0, entry.ms));
      }
    }
    return latest;
  }

  async submission(key: SubmissionKey): Promise<GradingSubmission> {
    const course = await this.instructor(key.course);
    const found = await this.nbgrader.call<{
      cells: GradingSubmission['cells'];
      late: boolean;
      score: number;
      maxPoints: number;
    }>(
      'submission',
      {
        course: key.course,
        assignment: key.assignment,
        student: key.student,
        notebook: key.notebook
      },
      { cwd: course.dir }
    );
    // Neighbours: the autograded students in order, each notebook in turn.
    const base = join(course.courseRoot, 'autograded');
    const students = (await readdir(base).catch(() => []))
      .filter(s => existsSync(join(base, s, key.assignment)))
      .sort();
    const order: { student: string; notebook: string }[] = [];
    for (const student of students) {
      const files = (await readdir(join(base, student, key.assignment)))
        .filter(f => f.endsWith('.ipynb'))
        .sort();
      for (const f of files) {
        order.push({ student, notebook: f.slice(0, -'.ipynb'.length) });
      }
    }
    const at = order.findIndex(o => o.student === key.student && o.notebook === key.notebook);
    return {
      ...key,
      ...found,
      ...(at >= 0 && at + 1 < order.length ? { next: order[at + 1] } : {}),
      ...(at > 0 ? { previous: order[at - 1] } : {})
    };
  }

  async grade(key: SubmissionKey, body: GradeWrite): Promise<GradingSubmission> {
    const course = await this.instructor(key.course);
    await this.nbgrader.call('grade', { ...key, cells: body.cells }, { cwd: course.dir });
    return this.submission(key);
  }

  // ——— Instructor: autograding as jobs ———

  async autograde(id: string, name: string, students?: string[]): Promise<AutogradeProgress> {
    const course = await this.instructor(id);
    if (!this.jobsClient) {
      throw new HttpError(503, 'The jobs feature is not running: autograding needs it');
    }
    const submitted = join(course.courseRoot, 'submitted');
    const collected = (await readdir(submitted).catch(() => [])).filter(s =>
      existsSync(join(submitted, s, name))
    );
    const wanted = students?.length ? students : collected;
    const missing = wanted.filter(s => !collected.includes(s));
    if (missing.length) {
      throw new HttpError(
        409,
        `No collected submission of "${name}" from ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}: collect first`
      );
    }
    if (!wanted.length) {
      throw new HttpError(
        409,
        `Nothing collected for "${name}" yet: collect the submissions first`
      );
    }
    const key = `${id}/${name}`;
    const run: AutogradeRun = this.runs.get(key) ?? { entries: new Map(), queue: [] };
    this.runs.set(key, run);
    for (const student of wanted) {
      const entry = run.entries.get(student);
      if (
        entry &&
        (entry.status === 'pending' || !FINISHED_JOB_STATUSES.includes(entry.status as never))
      ) {
        continue; // already on its way
      }
      run.entries.set(student, { student, status: 'pending' });
      run.queue.push(student);
    }
    this.changed(id, name);
    await this.pump(id, name, course);
    return this.progress(id, name);
  }

  /** Starts queued autogrades while fewer than the limit run: nbgrader's SQLite has one writer. */
  private async pump(id: string, name: string, course: CourseInfo & { dir: string }) {
    const run = this.runs.get(`${id}/${name}`)!;
    const active = () =>
      [...run.entries.values()].filter(
        e => e.job && !FINISHED_JOB_STATUSES.includes(e.status as never)
      ).length;
    while (run.queue.length && active() < this.deps.config.course.autogradeConcurrency) {
      const student = run.queue.shift()!;
      const entry = run.entries.get(student)!;
      try {
        const bridge = await this.bridge();
        const job = await this.jobsClient!.submit({
          name: `Autograde ${name} of ${student} (${id})`.slice(0, 100),
          kind: 'command',
          command: [
            this.deps.config.course.python,
            bridge,
            JSON.stringify({ op: 'autograde', args: { course: id, assignment: name, student } })
          ],
          cwd: relative(this.deps.rootDir, course.dir) || '.'
        });
        entry.job = job.id;
        entry.status = job.status;
        entry.startedAt = job.createdAt;
        this.jobIndex.set(job.id, { key: `${id}/${name}`, student });
      } catch (err) {
        entry.status = 'failed';
        entry.reason = `The job could not be started: ${(err as Error).message}`;
      }
      this.changed(id, name);
    }
  }

  /** The bridge as a file, for jobs (whose command line must name a program and its file). */
  private bridge(): Promise<string> {
    this.bridgeFile ??= (async () => {
      const dir = join(this.deps.dataDir, 'course');
      await mkdir(dir, { recursive: true });
      const file = join(dir, 'nbgrader-bridge.py');
      await writeFile(file, BRIDGE_PY);
      return file;
    })();
    return this.bridgeFile;
  }

  private jobChanged(job: Job): void {
    const known = this.jobIndex.get(job.id);
    if (!known) {
      return;
    }
    const run = this.runs.get(known.key);
    const entry = run?.entries.get(known.student);
    if (!run || !entry || entry.job !== job.id) {
      return;
    }
    entry.status = job.status;
    if (job.startedAt) {
      entry.startedAt = job.startedAt;
    }
    const [id, name] = known.key.split('/');
    if (FINISHED_JOB_STATUSES.includes(job.status)) {
      entry.finishedAt = job.finishedAt;
      if (job.status !== 'succeeded') {
        entry.reason = job.reason ?? job.status;
        // nbgrader's own words: the bridge's answer is the job's last line of output.
        void this.jobsClient
          ?.stdout(job.id)
          .then(text => {
            const last = text.trimEnd().split('\n').pop() ?? '';
            const answer = JSON.parse(last) as { message?: string; error?: string };
            entry.reason = answer.error ?? answer.message ?? entry.reason;
            this.changed(id, name);
          })
          .catch(() => undefined);
      }
      void this.instructor(id)
        .then(course => this.pump(id, name, course))
        .catch(() => undefined);
    }
    this.changed(id, name);
  }

  async autogradeProgress(id: string, name: string): Promise<AutogradeProgress> {
    await this.instructor(id);
    return this.progress(id, name);
  }

  private progress(id: string, name: string): AutogradeProgress {
    const entries = [...(this.runs.get(`${id}/${name}`)?.entries.values() ?? [])].sort((a, b) =>
      a.student.localeCompare(b.student)
    );
    return {
      course: id,
      assignment: name,
      entries: entries.map(e => ({ ...e })),
      done: entries.filter(e => e.status === 'succeeded').length,
      failed: entries.filter(
        e => FINISHED_JOB_STATUSES.includes(e.status as never) && e.status !== 'succeeded'
      ).length,
      total: entries.length
    };
  }

  private changed(id: string, name: string) {
    const set = this.listeners.get(`${id}/${name}`);
    if (set?.size) {
      const progress = this.progress(id, name);
      for (const fn of set) {
        fn(progress);
      }
    }
  }

  onAutograde(id: string, name: string, listener: (p: AutogradeProgress) => void): () => void {
    const key = `${id}/${name}`;
    const set = this.listeners.get(key) ?? new Set();
    this.listeners.set(key, set);
    set.add(listener);
    return () => set.delete(listener);
  }

  // ——— Instructor: feedback ———

  async feedback(id: string, name: string, students?: string[]): Promise<ActionResult> {
    const course = await this.instructor(id);
    return this.nbgrader.call(
      'feedback',
      { course: id, assignment: name, students },
      { cwd: course.dir }
    );
  }

  async releaseFeedback(id: string, name: string, students?: string[]): Promise<ActionResult> {
    const course = await this.instructor(id);
    return this.nbgrader.call(
      'release_feedback',
      { course: id, assignment: name, students },
      { cwd: course.dir }
    );
  }

  // ——— Instructor: the class ———

  async gradebook(id: string): Promise<Gradebook> {
    const course = await this.instructor(id);
    return readGradebook(this.dbFile(course), id, this.deps.nativeBinding);
  }

  async dashboard(id: string): Promise<ClassDashboard> {
    const course = await this.instructor(id);
    const book = readGradebook(this.dbFile(course), id, this.deps.nativeBinding);
    const outbound = join(course.exchangeRoot, id, 'outbound');
    const released = new Set(
      (await readdir(outbound, { withFileTypes: true }).catch(() => []))
        .filter(d => d.isDirectory())
        .map(d => d.name)
    );
    const inbound = await this.inbound(course, id);
    const fetched = new Set(await readdir(this.fetchedDir(course, id)).catch(() => []));
    return {
      course: id,
      students: book.rows.length,
      assignments: book.assignments
        .map((a, j) => ({ a, j }))
        .filter(({ a }) => released.has(a.name))
        .map(({ a, j }) => {
          const due = a.dueDate ? Date.parse(a.dueDate) : undefined;
          const counts = { notStarted: 0, fetched: 0, submitted: 0, late: 0 };
          const students = book.rows.map(row => {
            const last = inbound.get(`${row.student}+${a.name}`);
            const cell = row.scores[j];
            const state =
              (last !== undefined && due !== undefined && last > due) || cell.late
                ? 'late'
                : last !== undefined || cell.score !== null
                  ? 'submitted'
                  : fetched.has(`${row.student}+${a.name}`)
                    ? 'fetched'
                    : 'not-started';
            counts[
              state === 'not-started' ? 'notStarted' : (state as 'fetched' | 'submitted' | 'late')
            ]++;
            return { student: row.student, state } as const;
          });
          return { name: a.name, ...(a.dueDate ? { dueDate: a.dueDate } : {}), counts, students };
        })
    };
  }

  // ——— Student ———

  private async student(id: string) {
    const course = await this.course(id);
    const dir = this.courseDir(id);
    await mkdir(dir, { recursive: true });
    return { ...course, dir };
  }

  async studentAssignments(id: string): Promise<StudentAssignmentList> {
    const course = await this.student(id);
    type Listing = {
      released: Array<Record<string, unknown>>;
      submitted: Array<Record<string, unknown>>;
    };
    const list = () =>
      this.nbgrader.call<Listing>(
        'student_list',
        { course: id },
        { cwd: course.dir, user: course.user }
      );
    let listed = await list();
    // Feedback released in the exchange is brought beside the student's submission to be read.
    const newFeedback = listed.submitted.filter(item =>
      ((item.submissions as Array<Record<string, unknown>>) ?? []).some(s =>
        ((s.notebooks as Array<Record<string, unknown>>) ?? []).some(
          nb => nb.has_exchange_feedback && (!nb.has_local_feedback || nb.feedback_updated)
        )
      )
    );
    for (const item of newFeedback) {
      await this.nbgrader.call(
        'fetch_feedback',
        { course: id, assignment: String(item.assignment_id) },
        { cwd: course.dir, user: course.user }
      );
    }
    if (newFeedback.length) {
      listed = await list();
    }
    const info = await this.info(id, course.dir);
    const due = await this.dueDates(info, id);
    const byName = new Map<string, StudentAssignment>();
    for (const item of listed.released) {
      const name = String(item.assignment_id);
      const path = join(course.dir, name);
      byName.set(name, {
        name,
        ...(due[name] ? { dueDate: due[name] } : {}),
        fetched: existsSync(path),
        ...(existsSync(path) ? { path: relative(this.deps.rootDir, path) } : {}),
        submissions: 0,
        late: false,
        feedback: []
      });
    }
    for (const item of listed.submitted) {
      const name = String(item.assignment_id);
      const entry = byName.get(name);
      if (!entry) {
        continue;
      }
      const submissions = (item.submissions as Array<Record<string, unknown>>) ?? [];
      entry.submissions = submissions.length;
      const times = submissions
        .map(s => Date.parse(String(s.timestamp).replace(' UTC', 'Z').replace(' ', 'T')))
        .filter(t => !Number.isNaN(t))
        .sort();
      const last = times[times.length - 1];
      if (last !== undefined) {
        entry.submittedAt = new Date(last).toISOString();
        entry.late = entry.dueDate !== undefined && last > Date.parse(entry.dueDate);
      }
      // nbgrader's feedback, once fetched: an HTML file per notebook of a submission.
      const scores = new Map<string, { score: number; max: number } | undefined>();
      for (const s of submissions) {
        for (const nb of (s.notebooks as Array<Record<string, unknown>>) ?? []) {
          // nbgrader gives it relative to the course folder.
          const file = nb.local_feedback_path
            ? resolve(course.dir, String(nb.local_feedback_path))
            : undefined;
          if (nb.has_local_feedback && file && existsSync(file)) {
            const notebook = String(nb.notebook_id);
            entry.feedback = entry.feedback.filter(f => f.notebook !== notebook);
            entry.feedback.push({ notebook, path: relative(this.deps.rootDir, file) });
            scores.set(notebook, await feedbackScore(file));
          }
        }
      }
      const known = [...scores.values()];
      if (known.length && known.every(Boolean)) {
        entry.score = known.reduce((sum, k) => sum + k!.score, 0);
        entry.maxPoints = known.reduce((sum, k) => sum + k!.max, 0);
      }
    }
    return { course: id, assignments: [...byName.values()] };
  }

  private async dueDates(info: CourseInfo, id: string): Promise<Record<string, string>> {
    try {
      return JSON.parse(
        await readFile(join(info.exchangeRoot, id, 'outbound', '.hotstepper-due.json'), 'utf8')
      ) as Record<string, string>;
    } catch {
      return {};
    }
  }

  async fetch(id: string, name: string): Promise<ActionResult> {
    const course = await this.student(id);
    const result = await this.nbgrader.call<ActionResult>(
      'fetch',
      { course: id, assignment: name },
      { cwd: course.dir, user: course.user }
    );
    if (result.ok) {
      const info = await this.info(id, course.dir);
      // The mark the class dashboard reads; a missing folder only costs the dashboard a state.
      await writeFile(join(this.fetchedDir(info, id), `${course.user}+${name}`), '').catch(
        () => undefined
      );
    }
    return result;
  }

  async validateStudent(id: string, name: string): Promise<ValidationResult> {
    const course = await this.student(id);
    if (!existsSync(join(course.dir, name))) {
      throw new HttpError(404, `"${name}" is not fetched yet: fetch it first`);
    }
    return this.nbgrader.call(
      'validate_student',
      { course: id, assignment: name },
      { cwd: course.dir, user: course.user }
    );
  }

  async submit(id: string, name: string): Promise<SubmitResult> {
    const course = await this.student(id);
    if (!existsSync(join(course.dir, name))) {
      throw new HttpError(404, `"${name}" is not fetched yet: fetch it first`);
    }
    const result = await this.nbgrader.call<ActionResult>(
      'submit',
      { course: id, assignment: name },
      { cwd: course.dir, user: course.user }
    );
    if (!result.ok) {
      throw new HttpError(409, result.message);
    }
    const info = await this.info(id, course.dir);
    const due = (await this.dueDates(info, id))[name];
    const now = Date.now();
    const late = due !== undefined && now > Date.parse(due);
    return {
      ok: true,
      submittedAt: new Date(now).toISOString(),
      late,
      ...(late
        ? {
            warning: `Submitted ${duration((now - Date.parse(due)) / 1000)} after the due date (${due}): it counts as late`
          }
        : {}),
      message: result.message
    };
  }
}
