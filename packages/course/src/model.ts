import type {
  ActionResult,
  Assignment,
  AssignmentList,
  AssignmentWrite,
  ClassDashboard,
  Course,
  CourseList,
  StudentAssignment,
  StudentAssignmentList,
  StudentsRequest,
  SubmitResult,
  ValidationMessage,
  ValidationResult
} from '@hotstepper/api';
import { COURSE_PATHS } from '@hotstepper/api/constants';
import {
  type IPanelModel,
  type IResourceState,
  ResourcePolls,
  requestBackend
} from '@hotstepper/core';
import { ServerConnection } from '@jupyterlab/services';
import { type ISignal, Signal } from '@lumino/signaling';
import { AutogradeModel } from './autograde';

/** The user's settings (schema/panel.json). */
export interface ICourseSettings {
  /** Milliseconds between asks for the assignments while the panel is shown. */
  refreshRate: number;
  /** Milliseconds between asks for the class dashboard while the panel is shown. */
  dashboardRefreshRate: number;
  /** Manual grading loads the next submission while the current one is graded. */
  preloadNext: boolean;
  /** Bars of the gradebook's score distribution. */
  histogramBins: number;
  /** Ask before a submission after the due date. */
  confirmLateSubmit: boolean;
}

export const DEFAULT_SETTINGS: ICourseSettings = {
  refreshRate: 30_000,
  dashboardRefreshRate: 10_000,
  preloadNext: true,
  histogramBins: 10,
  confirmLateSubmit: true
};

/** The instructor's nbgrader actions on one assignment (each a POST answering ActionResult). */
export type InstructorAction =
  'generate' | 'release' | 'unrelease' | 'collect' | 'feedback' | 'releaseFeedback';

/** Every action whose progress and outcome the panel shows. */
export type ActionName = InstructorAction | 'validate' | 'fetch' | 'submit' | 'save';

/** What came of the last action on an assignment, as the panel shows it. */
export interface IOutcome {
  action: ActionName;
  ok: boolean;
  message: string;
  /** nbgrader's log (actions) or its validation messages. */
  log?: string;
  messages?: ValidationMessage[];
  /** A late submission's warning. */
  warning?: string;
}

interface IResources extends Record<string, unknown> {
  courses: CourseList;
  assignments: AssignmentList | null;
  dashboard: ClassDashboard | null;
  student: StudentAssignmentList | null;
}

export namespace CourseModel {
  export interface IOptions {
    serverSettings?: ServerConnection.ISettings;
    visible?: boolean;
  }
}

/**
 * The user's courses and, for the course chosen in the panel, what the role there allows: an
 * instructor's assignments and class dashboard, or a student's released assignments. Polled
 * while the panel is shown; the actions refresh what they change.
 */
export class CourseModel implements IPanelModel {
  constructor(options: CourseModel.IOptions = {}) {
    this.serverSettings = options.serverSettings ?? ServerConnection.makeSettings();
    const shown = () => this._polls.visible;
    // A course's lists are asked for only while shown and only in the role that may see them.
    const when = (role: Course['role']) => () =>
      shown() && this.course?.role === role ? ('when-hidden' as const) : true;
    this._polls = new ResourcePolls<IResources>(
      {
        courses: {
          factory: () => requestBackend<CourseList>(COURSE_PATHS.list, this.serverSettings),
          interval: this._settings.refreshRate * 4
        },
        assignments: {
          factory: () => this._get('instructor', COURSE_PATHS.assignments),
          interval: this._settings.refreshRate,
          standby: when('instructor')
        },
        dashboard: {
          factory: () => this._get('instructor', COURSE_PATHS.dashboard),
          interval: this._settings.dashboardRefreshRate,
          standby: when('instructor')
        },
        student: {
          factory: () => this._get('student', COURSE_PATHS.studentAssignments),
          interval: this._settings.refreshRate,
          standby: when('student')
        }
      },
      { name: '@hotstepper/course:model', visible: options.visible ?? false }
    );
    this._polls.changed.connect((_, key) => {
      if (key === 'courses') {
        this._pick();
      }
      this._changed.emit();
    });
  }

  readonly serverSettings: ServerConnection.ISettings;

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The course chosen in the panel changed. */
  get courseChanged(): ISignal<this, Course | null> {
    return this._courseChanged;
  }

  get visible(): boolean {
    return this._polls.visible;
  }

  set visible(value: boolean) {
    this._polls.visible = value;
  }

  get settings(): ICourseSettings {
    return this._settings;
  }

  set settings(value: ICourseSettings) {
    this._settings = value;
    this._polls.setInterval('courses', value.refreshRate * 4);
    this._polls.setInterval('assignments', value.refreshRate);
    this._polls.setInterval('student', value.refreshRate);
    this._polls.setInterval('dashboard', value.dashboardRefreshRate);
    this._changed.emit();
  }

  get courses(): IResourceState<CourseList> {
    return this._polls.state('courses');
  }

  get assignments(): IResourceState<AssignmentList | null> {
    return this._polls.state('assignments');
  }

  get dashboard(): IResourceState<ClassDashboard | null> {
    return this._polls.state('dashboard');
  }

  get studentAssignments(): IResourceState<StudentAssignmentList | null> {
    return this._polls.state('student');
  }

  /** The course shown in the panel: the one chosen, else the first. */
  get course(): Course | null {
    const list = this.courses.value?.courses ?? [];
    return list.find(c => c.id === this._courseId) ?? null;
  }

  /** Whether the user teaches any course (the cell toolbar is for them). */
  get teachesAny(): boolean {
    return (this.courses.value?.courses ?? []).some(c => c.role === 'instructor');
  }

  select(id: string): void {
    if (id === this._courseId) {
      return;
    }
    this._courseId = id;
    for (const key of ['assignments', 'dashboard', 'student'] as const) {
      this._polls.reset(key);
    }
    for (const autograde of this._autograde.values()) {
      autograde.dispose();
    }
    this._autograde.clear();
    this._outcomes.clear();
    this._courseChanged.emit(this.course);
    this._changed.emit();
  }

  assignment(name: string): Assignment | undefined {
    return this.assignments.value?.assignments.find(a => a.name === name);
  }

  studentAssignment(name: string): StudentAssignment | undefined {
    return this.studentAssignments.value?.assignments.find(a => a.name === name);
  }

  /** Whether `action` on `assignment` is under way. */
  busy(assignment: string, action?: ActionName): boolean {
    if (action) {
      return this._busy.has(`${assignment}\n${action}`);
    }
    return [...this._busy].some(k => k.startsWith(`${assignment}\n`));
  }

  /** The last action's outcome on an assignment, until the next one. */
  outcome(assignment: string): IOutcome | undefined {
    return this._outcomes.get(assignment);
  }

  dismiss(assignment: string): void {
    if (this._outcomes.delete(assignment)) {
      this._changed.emit();
    }
  }

  /** Late if submitted now: the due date is past. */
  isLate(assignment: { dueDate?: string }, now = Date.now()): boolean {
    return !!assignment.dueDate && Date.parse(assignment.dueDate) < now;
  }

  /** Creates an assignment (instructor); resolves with it, rejects with the backend's message. */
  async create(write: AssignmentWrite): Promise<Assignment> {
    const course = this._instructorCourse();
    const created = await requestBackend<Assignment>(
      COURSE_PATHS.assignments(course),
      this.serverSettings,
      { method: 'POST', body: JSON.stringify(write) }
    );
    this._merge(created);
    this._polls.refresh('dashboard');
    return created;
  }

  /** Sets or removes (null) the due date of an assignment, with the zone it was set in. */
  async setDueDate(name: string, dueDate: string | null, timeZone?: string): Promise<void> {
    const course = this._instructorCourse();
    const body: AssignmentWrite = { dueDate, ...(timeZone ? { timeZone } : {}) };
    await this._track(name, 'save', async () => {
      const updated = await requestBackend<Assignment>(
        COURSE_PATHS.assignment(course, name),
        this.serverSettings,
        { method: 'PUT', body: JSON.stringify(body) }
      );
      this._merge(updated);
      return { action: 'save', ok: true, message: '' };
    });
  }

  /** nbgrader validate on the source notebooks (instructor) or the student's copy. */
  async validate(name: string): Promise<IOutcome> {
    const course = this._courseOrThrow();
    const path =
      course.role === 'instructor'
        ? COURSE_PATHS.validate(course.id, name)
        : COURSE_PATHS.studentValidate(course.id, name);
    return this._track(name, 'validate', async () => {
      const result = await this._post<ValidationResult>(path, {});
      const failed = result.messages.filter(m => m.kind !== 'passed').length;
      return {
        action: 'validate',
        ok: result.ok,
        message: result.ok
          ? 'Validation passed'
          : `Validation found ${failed} problem${failed === 1 ? '' : 's'}`,
        messages: result.messages
      };
    });
  }

  /** One of the instructor's nbgrader actions; `students` limits it (feedback). */
  async act(action: InstructorAction, name: string, students?: string[]): Promise<IOutcome> {
    const course = this._instructorCourse();
    const paths: Record<InstructorAction, (c: string, a: string) => string> = {
      generate: COURSE_PATHS.generate,
      release: COURSE_PATHS.release,
      unrelease: COURSE_PATHS.unrelease,
      collect: COURSE_PATHS.collect,
      feedback: COURSE_PATHS.feedback,
      releaseFeedback: COURSE_PATHS.releaseFeedback
    };
    const body: StudentsRequest = students?.length ? { students } : {};
    return this._track(name, action, async () => {
      const result = await this._post<ActionResult>(paths[action](course, name), body);
      this._polls.refresh('assignments');
      this._polls.refresh('dashboard');
      return { action, ok: result.ok, message: result.message, log: result.log };
    });
  }

  /** Fetches a released assignment into the student's folder. */
  async fetch(name: string): Promise<IOutcome> {
    const course = this._courseOrThrow();
    return this._track(name, 'fetch', async () => {
      const result = await this._post<ActionResult>(COURSE_PATHS.fetch(course.id, name), {});
      this._polls.refresh('student');
      return { action: 'fetch', ok: result.ok, message: result.message, log: result.log };
    });
  }

  /** Submits the student's copy; a late one is taken and says so. */
  async submit(name: string): Promise<IOutcome> {
    const course = this._courseOrThrow();
    return this._track(name, 'submit', async () => {
      const result = await this._post<SubmitResult>(COURSE_PATHS.submit(course.id, name), {});
      this._polls.refresh('student');
      return {
        action: 'submit',
        ok: result.ok,
        message: result.message,
        warning: result.warning
      };
    });
  }

  /** The autograding of an assignment, made on first use and kept while the course is shown. */
  autograde(name: string): AutogradeModel {
    let model = this._autograde.get(name);
    if (!model) {
      model = new AutogradeModel({
        course: this._instructorCourse(),
        assignment: name,
        serverSettings: this.serverSettings
      });
      model.changed.connect(() => this._changed.emit());
      model.ended.connect(() => this._polls.refresh('assignments'));
      this._autograde.set(name, model);
    }
    return model;
  }

  /** The autograding of an assignment if it was looked at. */
  autogradeIfOpen(name: string): AutogradeModel | undefined {
    return this._autograde.get(name);
  }

  /**
   * Asks for the courses now, shown or not (the cell toolbar needs the role at start-up), again
   * while the backend starts (`ResourcePolls.load`).
   */
  load(attempts = 1): Promise<void> {
    return this._polls.load('courses', attempts);
  }

  refresh(): void {
    this._polls.refresh();
  }

  get isDisposed(): boolean {
    return this._polls.isDisposed;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._polls.dispose();
    for (const autograde of this._autograde.values()) {
      autograde.dispose();
    }
    Signal.clearData(this);
  }

  /** Keeps the chosen course while it is listed, else takes the first. */
  private _pick(): void {
    const list = this.courses.value?.courses ?? [];
    if (!list.some(c => c.id === this._courseId) && list.length) {
      this.select(list[0].id);
    }
  }

  private _courseOrThrow(): Course {
    const course = this.course;
    if (!course) {
      throw new Error('No course is chosen');
    }
    return course;
  }

  private _instructorCourse(): string {
    const course = this._courseOrThrow();
    if (course.role !== 'instructor') {
      throw new Error(`You do not teach ${course.id}`);
    }
    return course.id;
  }

  /** A course list of the role, or null when the course shown is in another role. */
  private async _get<T>(role: Course['role'], path: (c: string) => string): Promise<T | null> {
    const course = this.course;
    return course?.role === role ? requestBackend<T>(path(course.id), this.serverSettings) : null;
  }

  private _post<T>(path: string, body: unknown): Promise<T> {
    return requestBackend<T>(path, this.serverSettings, {
      method: 'POST',
      body: JSON.stringify(body)
    });
  }

  /** Runs an action, marking it busy; its outcome (or failure, in words) is kept and returned. */
  private async _track(
    name: string,
    action: ActionName,
    run: () => Promise<IOutcome>
  ): Promise<IOutcome> {
    const key = `${name}\n${action}`;
    this._busy.add(key);
    this._changed.emit();
    let outcome: IOutcome;
    try {
      outcome = await run();
    } catch (err) {
      outcome = { action, ok: false, message: (err as Error).message };
    } finally {
      this._busy.delete(key);
    }
    if (!this.isDisposed) {
      if (action !== 'save' || !outcome.ok) {
        this._outcomes.set(name, outcome);
      }
      this._changed.emit();
    }
    return outcome;
  }

  /** An assignment the backend just answered with, put in the list at once. */
  private _merge(assignment: Assignment): void {
    const list = this.assignments.value;
    if (!list) {
      this._polls.refresh('assignments');
      return;
    }
    const others = list.assignments.filter(a => a.name !== assignment.name);
    const assignments = [...others, assignment].sort((a, b) => a.name.localeCompare(b.name));
    this._polls.set('assignments', { ...list, assignments });
  }

  private _settings = DEFAULT_SETTINGS;
  private _courseId: string | null = null;
  private readonly _polls: ResourcePolls<IResources>;
  private readonly _busy = new Set<string>();
  private readonly _outcomes = new Map<string, IOutcome>();
  private readonly _autograde = new Map<string, AutogradeModel>();
  private readonly _changed = new Signal<this, void>(this);
  private readonly _courseChanged = new Signal<this, Course | null>(this);
}
