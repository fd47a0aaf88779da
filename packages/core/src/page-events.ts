import type { PageEventMap, PageEventName } from '@hotstepper/api';
import { EVENTS_PATH } from '@hotstepper/api/constants';
import type { ServerConnection } from '@jupyterlab/services';
import { DisposableDelegate, type IDisposable } from '@lumino/disposable';
import { type ISignal, Signal } from '@lumino/signaling';
import { followEvents } from './follow';

export interface IPageEventsOptions {
  /** Milliseconds before the first reconnection; doubled after each failure. Default 1 s. */
  minDelay?: number;
  /** The longest wait between reconnections. Default 5 minutes. */
  maxDelay?: number;
}

/** What a model needs of the page's stream (a test gives a FakePageEvents from testing). */
export interface IPageEvents {
  /** Whether the stream is open: what it carries needs no poll. */
  readonly live: boolean;
  /** Emitted with `live` when it changes. */
  readonly liveChanged: ISignal<IPageEvents, boolean>;
  /** Emitted after each (re)opening. */
  readonly opened: ISignal<IPageEvents, void>;
  /** Calls `handler` with each `event` from now on, until disposed. */
  subscribe<E extends PageEventName>(
    event: E,
    handler: (data: PageEventMap[E]) => void
  ): IDisposable;
}

const shared = new WeakMap<ServerConnection.ISettings, PageEvents>();

/**
 * A page's one event stream (`GET api/v1/events`: usage, jobs, exposures), shared by every
 * model of the page: one long request instead of a poll per card. Connects on the first
 * subscriber, closes after the last; reconnects with backoff. While `live` is false a model
 * polls what the stream would have told it.
 */
export class PageEvents implements IPageEvents {
  /**
   * The page's instance for these server settings. Keyed by the settings object: every
   * plugin of a page gets the same one from the service manager, and it carries the fetch
   * and the token the stream must use.
   */
  static for(serverSettings: ServerConnection.ISettings): PageEvents {
    let events = shared.get(serverSettings);
    if (!events) {
      events = new PageEvents(serverSettings);
      shared.set(serverSettings, events);
    }
    return events;
  }

  constructor(
    readonly serverSettings: ServerConnection.ISettings,
    private readonly _options: IPageEventsOptions = {}
  ) {}

  /** Whether the stream is open: what it carries needs no poll. */
  get live(): boolean {
    return this._live;
  }

  /** Emitted with `live` when it changes (a model then slows or resumes its polls). */
  get liveChanged(): ISignal<this, boolean> {
    return this._liveChanged;
  }

  /** Emitted after each (re)opening: whatever happened while closed is to be asked for. */
  get opened(): ISignal<this, void> {
    return this._opened;
  }

  /** Calls `handler` with each `event` from now on; the stream stays open while anyone listens. */
  subscribe<E extends PageEventName>(
    event: E,
    handler: (data: PageEventMap[E]) => void
  ): IDisposable {
    const entry = { event, handler: handler as (data: unknown) => void };
    this._handlers.add(entry);
    if (!this._controller) {
      this._connect();
    }
    return new DisposableDelegate(() => {
      this._handlers.delete(entry);
      if (this._handlers.size === 0) {
        this._controller?.abort();
        this._controller = undefined;
        this._setLive(false);
      }
    });
  }

  private _connect(): void {
    const controller = new AbortController();
    this._controller = controller;
    void followEvents(EVENTS_PATH, {
      serverSettings: this.serverSettings,
      signal: controller.signal,
      minDelay: this._options.minDelay ?? 1000,
      maxDelay: this._options.maxDelay ?? 300_000,
      onOpen: () => {
        if (!controller.signal.aborted) {
          this._setLive(true);
          this._opened.emit();
        }
      },
      onEvent: message => this._dispatch(message.event, message.data),
      onRetry: () => this._setLive(false),
      onDrop: () => this._setLive(false)
    });
  }

  private _dispatch(event: string | undefined, data: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch (err) {
      console.warn(`@hotstepper/core: the page event ${event} could not be read`, err);
      return;
    }
    for (const entry of [...this._handlers]) {
      if (entry.event === event) {
        try {
          entry.handler(parsed);
        } catch (err) {
          console.warn(`@hotstepper/core: a handler of the page event ${event} failed`, err);
        }
      }
    }
  }

  private _setLive(live: boolean): void {
    if (live !== this._live) {
      this._live = live;
      this._liveChanged.emit(live);
    }
  }

  private _live = false;
  private _controller: AbortController | undefined;
  private readonly _handlers = new Set<{ event: string; handler: (data: unknown) => void }>();
  private readonly _liveChanged = new Signal<this, boolean>(this);
  private readonly _opened = new Signal<this, void>(this);
}
