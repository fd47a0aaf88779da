/**
 * Before the backend stops an idle server (`idle.enforce: hub`) it asks the
 * connected frontends, on the usage event stream, to save what is open:
 * `event: save-all`, data `{"reason", "deadline"}`. This follows that stream
 * and, on each such event, saves and reports back with
 * `POST api/v1/usage/idle/saved`.
 */
import type { SaveAllRequest } from '@hotstepper/api';
import { USAGE_PATHS } from '@hotstepper/api/constants';
import { followEvents, requestBackend } from '@hotstepper/core';
import type { ServerConnection } from '@jupyterlab/services';

/** The event's data; empty when it could not be read (a save-all all the same). */
export type ISaveAllRequest = Partial<SaveAllRequest>;

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
  /** Milliseconds before reconnecting after a failure; doubles up to `maxDelay` (5 minutes). */
  minDelay?: number;
  maxDelay?: number;
}

/** Follows the usage event stream while started (followEvents reconnects with backoff). */
export class SaveAllListener {
  constructor(private readonly options: ISaveAllListenerOptions) {}

  get isRunning(): boolean {
    return this._controller !== undefined;
  }

  start(): void {
    if (this._controller) {
      return;
    }
    const controller = new AbortController();
    this._controller = controller;
    void followEvents(USAGE_PATHS.events, {
      serverSettings: this.options.serverSettings,
      signal: controller.signal,
      minDelay: this.options.minDelay ?? 1000,
      maxDelay: this.options.maxDelay ?? 300_000,
      onEvent: e => void this.handle(e),
      onDrop: error => {
        console.warn('@hotstepper/usage: the usage event stream was refused', error);
        if (this._controller === controller) {
          this._controller = undefined;
        }
      }
    });
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
      await requestBackend(USAGE_PATHS.idleSaved, this.options.serverSettings, { method: 'POST' });
    } catch (err) {
      console.warn('@hotstepper/usage: could not report the save to the backend', err);
    }
    this.options.onSaved?.(request, result);
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
