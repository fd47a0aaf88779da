import type { GradeWrite, GradingCell, GradingSubmission, SubmissionList } from '@hotstepper/api';
import { COURSE_PATHS } from '@hotstepper/api/constants';
import { requestBackend } from '@hotstepper/core';
import type { ServerConnection } from '@jupyterlab/services';
import { type ISignal, Signal } from '@lumino/signaling';

export namespace GradingModel {
  export interface IOptions {
    course: string;
    assignment: string;
    serverSettings: ServerConnection.ISettings;
    /** Load the next submission while this one is graded. Default true. */
    preload?: boolean;
  }
}

/** One notebook of one student's submission. */
export interface ISubmissionRef {
  student: string;
  notebook: string;
}

/** A grade change of one cell (what GradeWrite takes per cell). */
export type CellGrade = Omit<GradeWrite['cells'][number], 'id'>;

const keyOf = (ref: ISubmissionRef) => `${ref.student}/${ref.notebook}`;

/** Whether the grader gives or checks points on a cell. */
export function isGraded(cell: GradingCell): boolean {
  return !!cell.id && cell.maxPoints !== undefined;
}

/**
 * Manual grading of one assignment: one submission at a time, the next one loaded while this
 * one is graded (so moving on shows it at once), a current cell for keyboard navigation, and
 * grades saved per cell.
 */
export class GradingModel {
  constructor(private readonly options: GradingModel.IOptions) {}

  get course(): string {
    return this.options.course;
  }

  /** Set by the view (IPanelModel); nothing is polled here. */
  visible = false;

  get assignment(): string {
    return this.options.assignment;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get current(): GradingSubmission | undefined {
    return this._current;
  }

  /** Waiting for a submission that was not preloaded. */
  get loading(): boolean {
    return this._loading;
  }

  /** Why the last load or save failed, in the backend's words. */
  get error(): string | undefined {
    return this._error;
  }

  /** The cells the grader gives points for or checks, in order. */
  get gradedCells(): GradingCell[] {
    return this._current?.cells.filter(isGraded) ?? [];
  }

  /** The index, in `gradedCells`, of the cell keyboard navigation is on. */
  get cellIndex(): number {
    return this._cellIndex;
  }

  /** Grades being saved, by cell id. */
  saving(cellId: string): boolean {
    return this._saving.has(cellId);
  }

  get preload(): boolean {
    return this.options.preload ?? true;
  }

  set preload(value: boolean) {
    this.options.preload = value;
  }

  /** Whether `ref` is loaded or being loaded already. */
  isPreloaded(ref: ISubmissionRef): boolean {
    return this._cache.has(keyOf(ref));
  }

  /**
   * Opens the first submission that needs a manual grade (else the first collected one) in
   * `notebook`; false when there is none to grade.
   */
  async openFirst(notebook: string): Promise<boolean> {
    let list: SubmissionList;
    try {
      list = await requestBackend<SubmissionList>(
        COURSE_PATHS.submissions(this.course, this.assignment),
        this.options.serverSettings
      );
    } catch (err) {
      this._fail(err);
      return false;
    }
    const graded = list.submissions.filter(s => s.status !== 'missing' && s.status !== 'inbound');
    const first = graded.find(s => s.needsManualGrade) ?? graded[0];
    if (!first) {
      return false;
    }
    await this.open({ student: first.student, notebook });
    return true;
  }

  /** Shows `ref`: at once when preloaded, then loads its neighbour. */
  async open(ref: ISubmissionRef): Promise<void> {
    const key = keyOf(ref);
    this._opening = key;
    const cached = this._cache.get(key);
    if (!cached) {
      this._loading = true;
      this._changed.emit();
    }
    try {
      const submission = await this._load(ref);
      if (this._opening !== key || this._isDisposed) {
        return;
      }
      this._current = submission;
      this._cellIndex = 0;
      this._error = undefined;
    } catch (err) {
      if (this._opening === key) {
        this._fail(err);
      }
      return;
    } finally {
      if (this._opening === key) {
        this._loading = false;
      }
    }
    this._changed.emit();
    if (this.preload && this._current?.next) {
      // Not awaited: a failed preload is asked again when it is opened.
      void this._load(this._current.next).catch(() => undefined);
    }
  }

  /** The next submission (or notebook) the backend names; false at the end. */
  async next(): Promise<boolean> {
    const next = this._current?.next;
    if (!next) {
      return false;
    }
    await this.open(next);
    return true;
  }

  async previous(): Promise<boolean> {
    const previous = this._current?.previous;
    if (!previous) {
      return false;
    }
    await this.open(previous);
    return true;
  }

  /** Moves the current cell among the graded ones; stays at either end. */
  moveCell(step: number): void {
    const count = this.gradedCells.length;
    const index = Math.max(0, Math.min(count - 1, this._cellIndex + step));
    if (count && index !== this._cellIndex) {
      this._cellIndex = index;
      this._changed.emit();
    }
  }

  setCell(index: number): void {
    if (index !== this._cellIndex && index >= 0 && index < this.gradedCells.length) {
      this._cellIndex = index;
      this._changed.emit();
    }
  }

  /** Saves points or a comment of one cell; the answer replaces the submission shown. */
  async grade(cellId: string, grade: CellGrade): Promise<void> {
    const current = this._current;
    if (!current) {
      return;
    }
    const ref = { student: current.student, notebook: current.notebook };
    const body: GradeWrite = { cells: [{ id: cellId, ...grade }] };
    this._saving.add(cellId);
    this._changed.emit();
    try {
      const updated = await requestBackend<GradingSubmission>(
        COURSE_PATHS.grades(this.course, this.assignment, ref.student, ref.notebook),
        this.options.serverSettings,
        { method: 'PUT', body: JSON.stringify(body) }
      );
      this._cache.set(keyOf(ref), Promise.resolve(updated));
      if (this._current && keyOf(this._current) === keyOf(ref)) {
        this._current = updated;
      }
      this._error = undefined;
    } catch (err) {
      this._error = (err as Error).message;
    } finally {
      this._saving.delete(cellId);
      this._changed.emit();
    }
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._cache.clear();
    Signal.clearData(this);
  }

  private _load(ref: ISubmissionRef): Promise<GradingSubmission> {
    const key = keyOf(ref);
    let loading = this._cache.get(key);
    if (!loading) {
      loading = requestBackend<GradingSubmission>(
        COURSE_PATHS.submission(this.course, this.assignment, ref.student, ref.notebook),
        this.options.serverSettings
      );
      // A failure is not kept: the next open asks again.
      loading.catch(() => this._cache.delete(key));
      this._cache.set(key, loading);
      this._trim(key);
    }
    return loading;
  }

  /** Keeps the submissions around the current one only: a big course would fill the memory. */
  private _trim(keep: string): void {
    const wanted = new Set([keep]);
    const current = this._current;
    if (current) {
      wanted.add(keyOf(current));
      for (const near of [current.next, current.previous]) {
        if (near) {
          wanted.add(keyOf(near));
        }
      }
    }
    for (const key of [...this._cache.keys()]) {
      if (this._cache.size <= 8) {
        break;
      }
      if (!wanted.has(key)) {
        this._cache.delete(key);
      }
    }
  }

  private _fail(err: unknown): void {
    this._error = (err as Error).message;
    this._loading = false;
    this._changed.emit();
  }

  private _current: GradingSubmission | undefined;
  private _loading = false;
  private _error: string | undefined;
  private _opening: string | undefined;
  private _cellIndex = 0;
  private _isDisposed = false;
  private readonly _saving = new Set<string>();
  private readonly _cache = new Map<string, Promise<GradingSubmission>>();
  private readonly _changed = new Signal<this, void>(this);
}
