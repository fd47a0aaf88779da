/**
 * One job followed live: its latest state and its log, stdout and stderr interleaved in the
 * order they arrive. Follows `GET api/v1/jobs/:id/log` (events `log`, `status`, `end`),
 * reconnecting with Last-Event-ID (the last chunk's "<stdout offset>:<stderr offset>") until
 * `end`, and drops any byte it already has, so a resumed stream neither loses nor repeats
 * output. No DOM.
 */
import type { Job, JobLogChunk, JobLogStream } from '@hotstepper/api';
import { JOBS_PATHS } from '@hotstepper/api/constants';
import { followEvents } from '@hotstepper/core';
import type { ServerConnection } from '@jupyterlab/services';
import { type ISignal, Signal } from '@lumino/signaling';

export interface ILogEntry {
  stream: JobLogStream;
  text: string;
}

export interface IJobLogModelOptions {
  serverSettings: ServerConnection.ISettings;
  jobId: string;
  /** The job as known when the view opens (the stream's `status` events follow). */
  job?: Job;
  /** Milliseconds before the first reconnect; doubles up to 30 s. */
  reconnectDelay?: number;
  /** Characters kept on screen; older output is dropped (the download has all of it). */
  maxChars?: number;
  /** Start following at once (tests may drive events by hand). */
  follow?: boolean;
}

export class JobLogModel {
  constructor(options: IJobLogModelOptions) {
    this.serverSettings = options.serverSettings;
    this.jobId = options.jobId;
    this._job = options.job;
    this._reconnectDelay = options.reconnectDelay ?? 1000;
    this._maxChars = options.maxChars ?? 2_000_000;
    if (options.follow !== false) {
      this._follow(this._controller.signal);
    }
  }

  readonly serverSettings: ServerConnection.ISettings;
  readonly jobId: string;

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get job(): Job | undefined {
    return this._job;
  }

  set job(value: Job | undefined) {
    this._job = value;
    this._changed.emit();
  }

  get entries(): readonly ILogEntry[] {
    return this._entries;
  }

  /** The whole log as shown, e.g. for tests and copying. */
  get text(): string {
    return this._entries.map(e => e.text).join('');
  }

  /** Whether older output was dropped from the view to keep the page light. */
  get truncated(): boolean {
    return this._truncated;
  }

  /** True once the job has finished and every byte has arrived. */
  get ended(): boolean {
    return this._ended;
  }

  /** Why the log cannot be followed right now; undefined while it can. */
  get error(): string | undefined {
    return this._error;
  }

  /** The position to resume from: "<stdout offset>:<stderr offset>". */
  get position(): string {
    return `${this._next.stdout}:${this._next.stderr}`;
  }

  /** Handles one event of the stream; exposed for tests. */
  handle(event: { event?: string; data: string }): void {
    // Events arriving is the stream being back, whatever said it was down.
    if (this._error !== undefined) {
      this._error = undefined;
      this._changed.emit();
    }
    try {
      if (event.event === 'log') {
        this.append(JSON.parse(event.data) as JobLogChunk);
      } else if (event.event === 'status') {
        this.job = JSON.parse(event.data) as Job;
      } else if (event.event === 'end') {
        this._ended = true;
        // Every byte has arrived: nothing to reconnect for.
        this._controller.abort();
        this._changed.emit();
      }
    } catch (err) {
      console.warn('@hotstepper/jobs: a log event could not be read', err);
    }
  }

  /** Adds a chunk, without the part of it already shown. */
  append(chunk: JobLogChunk): void {
    const next = this._next[chunk.stream];
    // Offsets count bytes; the text is UTF-8.
    const bytes = new TextEncoder().encode(chunk.text);
    const end = chunk.offset + bytes.length;
    if (end <= next) {
      return;
    }
    let text = chunk.text;
    if (chunk.offset < next) {
      text = new TextDecoder().decode(bytes.subarray(next - chunk.offset));
    }
    this._next[chunk.stream] = end;
    const last = this._entries[this._entries.length - 1];
    if (last && last.stream === chunk.stream) {
      this._entries = [
        ...this._entries.slice(0, -1),
        { stream: last.stream, text: last.text + text }
      ];
    } else {
      this._entries = [...this._entries, { stream: chunk.stream, text }];
    }
    this._chars += text.length;
    this._trim();
    this._changed.emit();
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._controller.abort();
    Signal.clearData(this);
  }

  private _trim(): void {
    while (this._chars > this._maxChars && this._entries.length) {
      const first = this._entries[0];
      const excess = this._chars - this._maxChars;
      this._truncated = true;
      if (first.text.length <= excess) {
        this._entries = this._entries.slice(1);
        this._chars -= first.text.length;
      } else {
        this._entries = [
          { stream: first.stream, text: first.text.slice(excess) },
          ...this._entries.slice(1)
        ];
        this._chars -= excess;
      }
    }
  }

  /** Follows the log until its `end` event (which aborts the follow) or disposal. */
  private _follow(signal: AbortSignal): void {
    const failed = (err: Error) => {
      this._error = err.message;
      this._changed.emit();
    };
    void followEvents(JOBS_PATHS.log(this.jobId), {
      serverSettings: this.serverSettings,
      signal,
      minDelay: this._reconnectDelay,
      maxDelay: 30_000,
      onEvent: e => this.handle(e),
      onOpen: () => {
        if (this._error) {
          this._error = undefined;
          this._changed.emit();
        }
      },
      onRetry: failed,
      // A job that is gone will not come back.
      onDrop: failed
    });
  }

  private _job: Job | undefined;
  private _entries: ILogEntry[] = [];
  private _chars = 0;
  private _truncated = false;
  private _ended = false;
  private _error: string | undefined;
  private _isDisposed = false;
  private readonly _next: Record<JobLogStream, number> = { stdout: 0, stderr: 0 };
  private readonly _reconnectDelay: number;
  private readonly _maxChars: number;
  private readonly _controller = new AbortController();
  private readonly _changed = new Signal<this, void>(this);
}
