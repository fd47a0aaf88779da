/**
 * Before the backend stops an idle server (`idle.enforce: hub`) it asks the
 * connected frontends, on the usage event stream, to save what is open:
 * `event: save-all`, data `{"reason", "deadline"}`. This follows that stream
 * and, on each such event, saves and reports back with
 * `POST api/v1/usage/idle/saved`.
 */
import { requestBackend, streamEvents } from '@hotstepper/core';
import type { ServerConnection } from '@jupyterlab/services';

export interface ISaveAllRequest {
  reason?: string;
  /** Unix ms after which the backend stops the server whether or not the frontends answered. */
  deadline?: number;
}

export interface ISaveResult {
  saved: string[];
  failed: Array<{ path: string; message: string }>;
}

export interface ISaveAllListenerOptions {
  serverSettings: ServerConnection.ISettings;
  /** Saves every open document with unsaved changes. */
  save: (request: ISaveAllRequest) => Promise<ISaveResult>;
  /** Told after each save-all, e.g. to show a notification. */
  onSaved?: (request: ISaveAllRequest, result: ISaveResult) => void;
  /** Milliseconds before reconnecting after a failure; doubles up to `maxDelay`. */
  minDelay?: number;
  maxDelay?: number;
}

export const EVENTS_PATH = 'api/v1/usage/events';
export const SAVED_PATH = 'api/v1/usage/idle/saved';

/** Follows the usage event stream while started, reconnecting with backoff. */
export class SaveAllListener {
  constructor(private readonly options: ISaveAllListenerOptions) {}

  get isRunning(): boolean {
    return this._controller !== undefined;
  }

  start(): void {
    if (this._controller) {
      return;
    }
    this._controller = new AbortController();
    void this._run(this._controller.signal);
  }

  stop(): void {
    this._controller?.abort();
    this._controller = undefined;
  }

  /** Handles one event; exposed for tests. */
  async handle(event: { event?: string; data: string }): Promise<void> {
    if (event.event !== 'save-all') {
      return;
    }
    let request: ISaveAllRequest = {};
    try {
      request = JSON.parse(event.data) ?? {};
    } catch {
      // A save-all without readable data is still a save-all.
    }
    const result = await this.options.save(request);
    try {
      await requestBackend(SAVED_PATH, this.options.serverSettings, { method: 'POST' });
    } catch (err) {
      console.warn('@hotstepper/usage: could not report the save to the backend', err);
    }
    this.options.onSaved?.(request, result);
  }

  private async _run(signal: AbortSignal): Promise<void> {
    const min = this.options.minDelay ?? 1000;
    const max = this.options.maxDelay ?? 300_000;
    let delay = min;
    let lastEventId: string | undefined;
    while (!signal.aborted) {
      const started = Date.now();
      try {
        lastEventId = await streamEvents(EVENTS_PATH, this.options.serverSettings, {
          lastEventId,
          signal,
          onEvent: e => void this.handle(e)
        });
      } catch (err) {
        if (signal.aborted) {
          return;
        }
        console.warn(
          `@hotstepper/usage: the usage event stream failed; retrying in ${delay} ms`,
          err
        );
      }
      // A stream that stayed up a while was healthy: start the backoff afresh.
      delay = Date.now() - started > max ? min : delay;
      await new Promise(resolve => setTimeout(resolve, delay));
      delay = Math.min(max, delay * 2);
    }
  }

  private _controller: AbortController | undefined;
}

/** What a document widget offers for saving (DocumentWidget's `context`), duck-typed. */
interface ISavable {
  context?: {
    path: string;
    model: { dirty: boolean; readOnly?: boolean };
    save(): Promise<void>;
  };
}

/**
 * Saves every open document with unsaved changes, each path once (a
 * notebook can be open in two views), and says which were saved and which
 * failed. Read-only documents are left alone.
 */
export async function saveOpenDocuments(widgets: Iterable<unknown>): Promise<ISaveResult> {
  const contexts = new Map<string, NonNullable<ISavable['context']>>();
  for (const widget of widgets) {
    const context = (widget as ISavable | null)?.context;
    if (
      context &&
      typeof context.save === 'function' &&
      context.model?.dirty &&
      !context.model.readOnly &&
      !contexts.has(context.path)
    ) {
      contexts.set(context.path, context);
    }
  }
  const result: ISaveResult = { saved: [], failed: [] };
  await Promise.all(
    [...contexts].map(async ([path, context]) => {
      try {
        await context.save();
        result.saved.push(path);
      } catch (err) {
        result.failed.push({ path, message: (err as Error).message });
      }
    })
  );
  result.saved.sort();
  return result;
}
