/**
 * A course with real nbgrader through real Jupyter servers (token and XSRF on): an instructor's
 * server and a student's, each the server of one hub user (a stand-in for the hub's REST API
 * gives their groups), over one exchange. The generated course has 30 students who fetched and
 * submitted 3 assignments with nbgrader's own exchange code. The student's server fetches,
 * validates and submits a new assignment; the instructor's collects, autogrades as jobs,
 * grades by hand and releases feedback, which the student then reads.
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { courseFixture, VENV_PYTHON, type CourseFixture } from './course-fixture';
import { JupyterServer, request } from './jupyter';

const USERS: Record<string, string[]> = {
  'tok-teacher': ['formgrade-intro', 'staff'],
  'tok-s01': ['nbgrader-intro'],
  'tok-outsider': ['nbgrader-other']
};

/** Polls `check` until it returns a value (a condition to wait for, not a fixed delay). */
async function until<T>(check: () => Promise<T | undefined>, what: string, ms = 240_000) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise(resolve => setTimeout(resolve, 300));
  }
}

// nbgrader's first call imports a great deal; on a busy machine it takes longer than the default.
jest.setTimeout(180_000);

describe('a course through real Jupyter servers and nbgrader', () => {
  let base: string;
  let fx: CourseFixture;
  let hub: Server;
  let teacher: JupyterServer;
  let student: JupyterServer;
  let outsider: JupyterServer;
  const lab = new Map<JupyterServer, Record<string, string>>();

  const call = async (server: JupyterServer, method: string, path: string, body?: unknown) => {
    const headers = method === 'GET' ? server.auth : lab.get(server)!;
    const res = await request(`${server.url}hotstepper/api/v1/course${path}`, method, {
      headers,
      ...(body !== undefined
        ? { body: JSON.stringify(body) }
        : method !== 'GET'
          ? { body: '{}' }
          : {})
    });
    return { status: res.status, json: res.body ? JSON.parse(res.body) : undefined };
  };
  const ok = async (server: JupyterServer, method: string, path: string, body?: unknown) => {
    const res = await call(server, method, path, body);
    if (res.status >= 300) {
      throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.json)}`);
    }
    return res.json;
  };

  const serverFor = (hubUrl: string, token: string, user: string, config: string) =>
    new JupyterServer({
      env: {
        JUPYTERHUB_API_URL: hubUrl,
        JUPYTERHUB_API_TOKEN: token,
        JUPYTERHUB_USER: user,
        HOTSTEPPER_CONFIG: config
      }
    });

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'hotstepper-course-'));
    fx = courseFixture(join(base, 'fx'));
    hub = createServer((req, res) => {
      const token = String(req.headers.authorization ?? '').replace(/^token /, '');
      if (req.url !== '/hub/api/user' || !USERS[token]) {
        res.statusCode = 403;
        res.end('{}');
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ name: token.slice(4), groups: USERS[token] }));
    });
    await new Promise<void>(resolve => hub.listen(0, '127.0.0.1', resolve));
    const hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}/hub/api`;
    const config = join(base, 'hotstepper.json');
    writeFileSync(config, JSON.stringify({ course: { python: VENV_PYTHON } }));

    teacher = serverFor(hubUrl, 'tok-teacher', 'teacher', config);
    student = serverFor(hubUrl, 'tok-s01', 's01', config);
    outsider = serverFor(hubUrl, 'tok-outsider', 'outsider', config);
    cpSync(join(fx.dir, 'instructor', 'intro'), join(teacher.dir, 'root', 'intro'), {
      recursive: true
    });
    mkdirSync(join(student.dir, 'root', 'intro'), { recursive: true });
    cpSync(
      join(fx.dir, 'students', 's01', 'intro', 'nbgrader_config.py'),
      join(student.dir, 'root', 'intro', 'nbgrader_config.py')
    );
    await Promise.all([teacher.start(), student.start(), outsider.start()]);
    for (const s of [teacher, student, outsider]) {
      lab.set(s, await s.labHeaders());
    }
  }, 180_000);

  afterAll(async () => {
    await Promise.all([teacher?.stop(), student?.stop(), outsider?.stop()]);
    await new Promise(resolve => hub?.close(resolve));
    if (base) {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('gives each user their courses and role from the hub groups', async () => {
    expect((await ok(teacher, 'GET', '')).courses).toEqual([
      { id: 'intro', title: 'intro', role: 'instructor', source: 'hub', group: 'formgrade-intro' }
    ]);
    expect((await ok(student, 'GET', '')).courses).toEqual([
      { id: 'intro', title: 'intro', role: 'student', source: 'hub', group: 'nbgrader-intro' }
    ]);
    expect((await ok(outsider, 'GET', '')).courses.map((c: { id: string }) => c.id)).toEqual([
      'other'
    ]);
  });

  it('refuses a student every instructor route with 403, and hides other courses (404)', async () => {
    const instructorRoutes: Array<[string, string]> = [
      ['GET', '/intro/assignments'],
      ['POST', '/intro/assignments'],
      ['PUT', '/intro/assignments/ps1'],
      ['POST', '/intro/assignments/ps1/validate'],
      ['POST', '/intro/assignments/ps1/generate'],
      ['POST', '/intro/assignments/ps1/release'],
      ['POST', '/intro/assignments/ps1/unrelease'],
      ['POST', '/intro/assignments/ps1/collect'],
      ['GET', '/intro/assignments/ps1/submissions'],
      ['GET', '/intro/assignments/ps1/submissions/s03/problem'],
      ['PUT', '/intro/assignments/ps1/submissions/s03/problem/grades'],
      ['POST', '/intro/assignments/ps1/autograde'],
      ['GET', '/intro/assignments/ps1/autograde'],
      ['POST', '/intro/assignments/ps1/feedback'],
      ['POST', '/intro/assignments/ps1/feedback/release'],
      ['GET', '/intro/gradebook'],
      ['GET', '/intro/dashboard']
    ];
    for (const [method, path] of instructorRoutes) {
      const body = path.endsWith('/grades')
        ? { cells: [{ id: 'explain', manualPoints: 2 }] }
        : path === '/intro/assignments' && method === 'POST'
          ? { name: 'x' }
          : method === 'PUT'
            ? { dueDate: null }
            : undefined;
      const res = await call(student, method, path, body);
      expect([method, path, res.status, res.json.message]).toEqual([
        method,
        path,
        403,
        'Only the instructors of "intro" may do this'
      ]);
    }
    // Not the outsider's course, whichever route.
    for (const path of ['/intro/gradebook', '/intro/student/assignments']) {
      const res = await call(outsider, 'GET', path);
      expect([path, res.status, res.json.message]).toEqual([
        path,
        404,
        'No course "intro" among yours'
      ]);
    }
    expect((await call(teacher, 'GET', '/other/dashboard')).status).toBe(404);
    // XSRF is required on the course's writes like everywhere.
    const noXsrf = await request(
      `${student.url}hotstepper/api/v1/course/intro/student/assignments/ps1/fetch`,
      'POST',
      { headers: { ...student.auth, 'content-type': 'application/json' }, body: '{}' }
    );
    expect(noXsrf.status).toBe(403);
  });

  it('shows the class dashboard from the exchange: 30 submitted, one late', async () => {
    const dash = await ok(teacher, 'GET', '/intro/dashboard');
    expect(dash.students).toBe(30);
    expect(dash.assignments.map((a: { name: string }) => a.name)).toEqual(['ps1', 'ps2', 'ps3']);
    const ps1 = dash.assignments[0];
    expect(ps1.counts).toEqual({ notStarted: 0, fetched: 0, submitted: 29, late: 1 });
    expect(ps1.students.find((s: { student: string }) => s.student === fx.late).state).toBe('late');
    expect(dash.assignments[1].counts).toEqual({
      notStarted: 0,
      fetched: 0,
      submitted: 30,
      late: 0
    });
  });

  it('runs release → fetch → submit → collect → autograde (jobs) → grade → feedback → the student reads it', async () => {
    // The instructor makes ps4 from a source notebook, with a due date in a time zone.
    const due = new Date(Date.now() + 86_400_000).toISOString();
    const created = await ok(teacher, 'POST', '/intro/assignments', {
      name: 'ps4',
      dueDate: due,
      timeZone: 'Europe/Prague'
    });
    expect(created).toMatchObject({
      name: 'ps4',
      status: 'draft',
      dueDate: due,
      timeZone: 'Europe/Prague'
    });
    const src = join(teacher.dir, 'root', 'intro', 'source');
    cpSync(join(src, 'ps1', 'problem.ipynb'), join(src, 'ps4', 'problem.ipynb'));
    expect(await ok(teacher, 'POST', '/intro/assignments/ps4/validate')).toMatchObject({
      ok: true
    });
    expect(await ok(teacher, 'POST', '/intro/assignments/ps4/generate')).toMatchObject({
      ok: true
    });
    expect(await ok(teacher, 'POST', '/intro/assignments/ps4/release')).toMatchObject({ ok: true });
    const listed = await ok(teacher, 'GET', '/intro/assignments');
    expect(listed.assignments.find((a: { name: string }) => a.name === 'ps4')).toMatchObject({
      status: 'released',
      maxPoints: 5,
      notebooks: [{ name: 'problem', maxPoints: 5, autogradedCells: 1, manualCells: 1 }]
    });

    // The student sees it, fetches it (the dashboard sees that), answers and validates.
    let mine = await ok(student, 'GET', '/intro/student/assignments');
    expect(mine.assignments.find((a: { name: string }) => a.name === 'ps4')).toMatchObject({
      fetched: false,
      dueDate: due
    });
    expect(await ok(student, 'POST', '/intro/student/assignments/ps4/fetch')).toMatchObject({
      ok: true
    });
    const nbPath = join(student.dir, 'root', 'intro', 'ps4', 'problem.ipynb');
    const dash = await ok(teacher, 'GET', '/intro/dashboard');
    const ps4 = dash.assignments.find((a: { name: string }) => a.name === 'ps4');
    expect(ps4.students.find((s: { student: string }) => s.student === 's01').state).toBe(
      'fetched'
    );

    const nb = JSON.parse(readFileSync(nbPath, 'utf8'));
    const byId = (id: string) =>
      nb.cells.find(
        (c: { metadata: { nbgrader?: { grade_id?: string } } }) =>
          c.metadata.nbgrader?.grade_id === id
      );
    byId('squares').source = 'def squares(n):\n    return [i + i for i in range(1, n + 1)]';
    byId('explain').source = 'A number times itself.';
    writeFileSync(nbPath, JSON.stringify(nb));
    const checked = await ok(student, 'POST', '/intro/student/assignments/ps4/validate');
    expect(checked.ok).toBe(false);
    expect(checked.messages[0]).toMatchObject({
      notebook: 'problem',
      kind: 'failed'
    });
    expect(checked.messages[0].message).toContain('AssertionError');
    byId('squares').source = 'def squares(n):\n    return [i * i for i in range(1, n + 1)]';
    writeFileSync(nbPath, JSON.stringify(nb));
    expect((await ok(student, 'POST', '/intro/student/assignments/ps4/validate')).ok).toBe(true);
    const sent = await ok(student, 'POST', '/intro/student/assignments/ps4/submit');
    expect(sent).toMatchObject({ ok: true, late: false });
    expect(sent.warning).toBeUndefined();

    // The instructor collects and autogrades s01's ps4 and four ps1 submissions as jobs.
    expect(await ok(teacher, 'POST', '/intro/assignments/ps4/collect')).toMatchObject({ ok: true });
    expect(await ok(teacher, 'POST', '/intro/assignments/ps1/collect')).toMatchObject({ ok: true });
    const early = await call(teacher, 'POST', '/intro/assignments/ps2/autograde', {
      students: ['s01']
    });
    expect([early.status, early.json.message]).toEqual([
      409,
      'No collected submission of "ps2" from s01: collect first'
    ]);
    const started = await call(teacher, 'POST', '/intro/assignments/ps4/autograde', {});
    expect(started.status).toBe(202);
    expect(started.json.entries.map((e: { student: string }) => e.student)).toEqual(['s01']);
    const ps1Students = ['s01', fx.late, 's03', 's07', 's30'];
    await ok(teacher, 'POST', '/intro/assignments/ps1/autograde', { students: ps1Students });
    for (const a of ['ps4', 'ps1']) {
      const done = await until(async () => {
        const p = await ok(teacher, 'GET', `/intro/assignments/${a}/autograde`);
        return p.done + p.failed === p.total ? p : undefined;
      }, `the autograde jobs of ${a}`);
      expect([
        a,
        done.failed,
        done.entries.every((e: { job?: string }) => /^j/.test(e.job ?? ''))
      ]).toEqual([a, 0, true]);
    }
    // Each autograde ran as a job of the jobs feature.
    const jobs = await request(`${teacher.url}hotstepper/api/v1/jobs`, 'GET', {
      headers: teacher.auth
    });
    expect(
      JSON.parse(jobs.body).jobs.filter((j: { name: string }) => j.name.startsWith('Autograde '))
        .length
    ).toBe(6);
    // The progress streams through the proxy as events (which streams, unbuffered, only what
    // is asked for as text/event-stream).
    const stream = await request(
      `${teacher.url}hotstepper/api/v1/course/intro/assignments/ps1/autograde/events`,
      'GET',
      { headers: { ...teacher.auth, Accept: 'text/event-stream' } }
    );
    expect(stream.headers['content-type']).toMatch(/text\/event-stream/);
    const first = JSON.parse(/data: (.*)/.exec(stream.body)![1]);
    expect(first).toMatchObject({ assignment: 'ps1', done: 5, failed: 0, total: 5 });

    // A submission nbgrader cannot read fails with nbgrader's reason; mended, it is re-run alone.
    const broken = join(teacher.dir, 'root', 'intro', 'submitted', 's05', 'ps1', 'problem.ipynb');
    const good = readFileSync(broken, 'utf8');
    writeFileSync(broken, 'not a notebook');
    const settled = async (who: string) =>
      until(async () => {
        const p = await ok(teacher, 'GET', '/intro/assignments/ps1/autograde');
        const e = p.entries.find((x: { student: string }) => x.student === who);
        return ['succeeded', 'failed'].includes(e.status) && (e.status !== 'failed' || e.reason)
          ? e
          : undefined;
      }, `the autograde of ${who}`);
    await ok(teacher, 'POST', '/intro/assignments/ps1/autograde', { students: ['s05'] });
    const failed = await until(async () => {
      const e = await settled('s05');
      return /notebook|json/i.test(e.reason) ? e : undefined;
    }, "nbgrader's reason for s05");
    expect(failed.status).toBe('failed');
    writeFileSync(broken, good);
    await ok(teacher, 'POST', '/intro/assignments/ps1/autograde', { students: ['s05'] });
    expect((await settled('s05')).status).toBe('succeeded');

    // The instructor's list: statuses, late flag and the job of each.
    const subs = (await ok(teacher, 'GET', '/intro/assignments/ps1/submissions')).submissions;
    const of = (who: string) => subs.find((x: { student: string }) => x.student === who);
    expect(of('s03')).toMatchObject({ status: 'autograded', score: 0, late: false, maxPoints: 5 });
    expect(of('s03').job).toMatch(/^j/);
    expect(of(fx.late)).toMatchObject({ late: true, score: 3 });
    expect(of('s04')).toMatchObject({ status: 'collected', score: null });

    // Manual grading: the written answer, with the autograder's output beside it.
    const path = '/intro/assignments/ps4/submissions/s01/problem';
    const sub = await ok(teacher, 'GET', path);
    expect(sub.cells.find((c: { id?: string }) => c.id === 'test_squares')).toMatchObject({
      kind: 'tests',
      autoPoints: 3,
      maxPoints: 3
    });
    expect(sub.cells.find((c: { id?: string }) => c.id === 'explain')).toMatchObject({
      kind: 'manual',
      source: 'A number times itself.',
      needsManualGrade: true,
      maxPoints: 2
    });
    const tooMany = await call(teacher, 'PUT', `${path}/grades`, {
      cells: [{ id: 'explain', manualPoints: 5 }]
    });
    expect([tooMany.status, tooMany.json.message]).toEqual([
      409,
      'nbgrader: explain is worth at most 2.0 points, not 5'
    ]);
    const graded = await ok(teacher, 'PUT', `${path}/grades`, {
      cells: [{ id: 'explain', manualPoints: 1.5, comment: 'Say why, next time.' }]
    });
    expect(graded.cells.find((c: { id?: string }) => c.id === 'explain')).toMatchObject({
      manualPoints: 1.5,
      comment: 'Say why, next time.',
      needsManualGrade: false
    });
    expect(graded.score).toBe(4.5);

    // Feedback for s01, released; the student's list brings it and shows where it is.
    expect(
      await ok(teacher, 'POST', '/intro/assignments/ps4/feedback', { students: ['s01'] })
    ).toMatchObject({
      ok: true
    });
    expect(
      await ok(teacher, 'POST', '/intro/assignments/ps4/feedback/release', { students: ['s01'] })
    ).toMatchObject({ ok: true });
    mine = await ok(student, 'GET', '/intro/student/assignments');
    const ps4Mine = mine.assignments.find((a: { name: string }) => a.name === 'ps4');
    expect(ps4Mine).toMatchObject({
      fetched: true,
      submissions: 1,
      late: false,
      score: 4.5,
      maxPoints: 5
    });
    expect(ps4Mine.feedback).toHaveLength(1);
    const html = readFileSync(join(student.dir, 'root', ps4Mine.feedback[0].path), 'utf8');
    expect(html).toContain('Say why, next time.');
  }, 600_000);

  it('gives the same scores as nbgrader export for every student and assignment', async () => {
    const book = await ok(teacher, 'GET', '/intro/gradebook');
    const csv = join(base, 'export.csv');
    execFileSync(VENV_PYTHON, ['-m', 'nbgrader', 'export', '--to', csv], {
      cwd: join(teacher.dir, 'root', 'intro'),
      stdio: 'ignore',
      env: { ...process.env, PATH: `${join(VENV_PYTHON, '..')}:${process.env.PATH}` }
    });
    const [head, ...lines] = readFileSync(csv, 'utf8').trim().split('\n');
    const cols = head.split(',');
    const exported = new Map<string, { score: number; max: number }>();
    for (const line of lines) {
      const v = line.split(',');
      const get = (c: string) => v[cols.indexOf(c)];
      exported.set(`${get('student_id')}/${get('assignment')}`, {
        score: Number(get('score')),
        max: Number(get('max_score'))
      });
    }
    const ours = new Map<string, { score: number; max: number }>();
    book.rows.forEach((row: { student: string; scores: Array<{ score: number | null }> }) =>
      row.scores.forEach((cell, j) =>
        ours.set(`${row.student}/${book.assignments[j].name}`, {
          score: cell.score ?? 0,
          max: book.assignments[j].maxPoints
        })
      )
    );
    expect(ours.size).toBe(30 * 4);
    expect(Object.fromEntries(ours)).toEqual(Object.fromEntries(exported));
    // What the graded ps1 submissions were worth: right, late (right), wrong, exception, empty.
    const ps1 = (s: string) => ours.get(`${s}/ps1`)!.score;
    expect([ps1('s01'), ps1(fx.late), ps1('s03'), ps1('s07'), ps1('s30')]).toEqual([3, 3, 0, 0, 0]);
    const late = book.rows.find((r: { student: string }) => r.student === fx.late).scores[0];
    expect(late.late).toBe(true);
    expect(existsSync(csv)).toBe(true);
  });
});
