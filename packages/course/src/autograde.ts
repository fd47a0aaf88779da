import type { AutogradeEntry, AutogradeProgress, StudentsRequest } from '@hotstepper/api';
import { ACTIVE_JOB_STATUSES, COURSE_PATHS } from '@hotstepper/api/constants';
import { followEvents, requestBackend } from '@hotstepper/core';
import type { ServerConnection } from '@jupyterlab/services';
import { type ISignal, Signal } from '@lumino/signaling';

export namespace AutogradeModel {
  export interface IOptions {
    course: string;
    assignment: string;
    serverSettings: ServerConnection.ISettings;
  }
}

/** Whether a student's autograding has not ended yet. */
export function isActive(entry: AutogradeEntry): boolean {
  return entry.status === 'pending' || (ACTIVE_JOB_STATUSES as string[]).includes(entry.status);
}

/**
 * The autograding of one assignment: one job per student in the jobs feature. Its progress is
 * followed over the event stream while any job is active, and the failures keep their reason.
 */
export class AutogradeModel {
  constructor(private readonly options: AutogradeModel.IOptions) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Every job has ended (after a run that was followed). */
  get ended(): ISignal<this, AutogradeProgress> {
    return this._ended;
  }

  get progress(): AutogradeProgress | undefined {
    return this._progress;
  }

  /** Why the last request or the stream failed, in the backend's words. */
  get error(): string | undefined {
    return this._error;
  }

  get running(): boolean {
    return !!this._progress?.entries.some(isActive);
  }

  /** Students whose job failed, with the reason. */
  get failures(): AutogradeEntry[] {
    return this._progress?.entries.filter(e => e.status === 'failed') ?? [];
  }

  /** Asks for the progress (e.g. when the panel opens an assignment); follows it if running. */
  async load(): Promise<void> {
    try {
      this._set(
        await requestBackend<AutogradeProgress>(
          COURSE_PATHS.autograde(this.options.course, this.options.assignment),
          this.options.serverSettings
        )
      );
      this._error = undefined;
    } catch (err) {
      this._error = (err as Error).message;
      this._changed.emit();
    }
  }

  /** Starts a job per student (all collected ones when none are named) and follows them. */
  async start(students?: string[]): Promise<void> {
    const body: StudentsRequest = students?.length ? { students } : {};
    this._starting = true;
    this._changed.emit();
    try {
      this._set(
        await requestBackend<AutogradeProgress>(
          COURSE_PATHS.autograde(this.options.course, this.options.assignment),
          this.options.serverSettings,
          { method: 'POST', body: JSON.stringify(body) }
        )
      );
      this._error = undefined;
    } catch (err) {
      this._error = (err as Error).message;
    } finally {
      this._starting = false;
      this._changed.emit();
    }
  }

  /** Runs one student's autograding again. */
  rerun(student: string): Promise<void> {
    return this.start([student]);
  }

  /** A start request is on its way. */
  get starting(): boolean {
    return this._starting;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._follow?.abort();
    Signal.clearData(this);
  }

  private _set(progress: AutogradeProgress): void {
    if (this._isDisposed) {
      return;
    }
    this._progress = progress;
    this._changed.emit();
    if (this.running) {
      this._startFollowing();
    } else if (this._follow) {
      this._follow.abort();
      this._follow = undefined;
      this._ended.emit(progress);
    }
  }

  private _startFollowing(): void {
    if (this._follow) {
      return;
    }
    const follow = new AbortController();
    this._follow = follow;
    void followEvents(COURSE_PATHS.autogradeEvents(this.options.course, this.options.assignment), {
      serverSettings: this.options.serverSettings,
      signal: follow.signal,
      onEvent: event => {
        if (event.event === 'autograde' && !follow.signal.aborted) {
          this._set(JSON.parse(event.data) as AutogradeProgress);
        }
      },
      onRetry: error => {
        this._error = error.message;
        this._changed.emit();
      },
      onOpen: () => {
        if (this._error) {
          this._error = undefined;
          this._changed.emit();
        }
      },
      onDrop: error => {
        this._error = error.message;
        if (this._follow === follow) {
          this._follow = undefined;
        }
        this._changed.emit();
      }
    });
  }

  private _progress: AutogradeProgress | undefined;
  private _error: string | undefined;
  private _starting = false;
  private _follow: AbortController | undefined;
  private _isDisposed = false;
  private readonly _changed = new Signal<this, void>(this);
  private readonly _ended = new Signal<this, AutogradeProgress>(this);
}
