import type { IDisposable } from '@lumino/disposable';
import { type IPoll, Poll } from '@lumino/polling';
import { type ISignal, Signal } from '@lumino/signaling';

/**
 * One resource as a view shows it. `value` stays after a failed refresh
 * (`stale` then says it is out of date, `error` why); `loading` is true
 * until the first answer, or after `reset()`.
 */
export interface IResourceState<T> {
  value?: T;
  /** BackendError.message of the last failure; undefined after a success. */
  error?: string;
  loading: boolean;
  /** A value is shown but the last refresh failed. */
  stale: boolean;
  /** Unix ms of the last successful answer. */
  updatedAt?: number;
}

export interface IResourceOptions<T> {
  /** Fetches the resource; a rejection is recorded and backs the poll off. */
  factory: () => Promise<T>;
  /** Milliseconds between polls. */
  interval: number;
  /** The longest interval the backoff reaches. Default 5 minutes. */
  max?: number;
  /**
   * When the poll stands by (Lumino's Poll standby). Default: while the
   * polls are not `visible`, or the page is hidden.
   */
  standby?: Poll.Standby | (() => boolean | Poll.Standby);
}

export type ResourceOptions<R> = { [K in keyof R]: IResourceOptions<R[K]> };

export interface IResourcePollsOptions {
  /** Names the polls, for debugging: `${name}#${key}`. */
  name?: string;
  /** Whether the view starts out shown. Default false. */
  visible?: boolean;
}

const MAX_INTERVAL = 300_000;

/**
 * A set of backend resources, each polled by its own Poll: backing off while
 * it fails, standing by while the page (or, by default, the view) is hidden.
 * Answers that arrive after a `reset()` or `dispose()` are dropped.
 */
export class ResourcePolls<R extends Record<string, unknown>> implements IDisposable {
  constructor(resources: ResourceOptions<R>, options: IResourcePollsOptions = {}) {
    this._visible = options.visible ?? false;
    this._options = resources;
    for (const key of Object.keys(resources) as Array<keyof R & string>) {
      const resource = resources[key];
      this._states[key] = { loading: true, stale: false };
      this._generations[key] = 0;
      this._polls[key] = new Poll({
        factory: () => this._fetch(key),
        frequency: this._frequency(key, resource.interval),
        name: `${options.name ?? '@hotstepper/core:ResourcePolls'}#${key}`,
        standby: resource.standby ?? (() => (this._visible ? 'when-hidden' : true))
      });
    }
  }

  /** Emitted with the key of each resource whose state changed. */
  get changed(): ISignal<this, keyof R> {
    return this._changed;
  }

  state<K extends keyof R>(key: K): IResourceState<R[K]> {
    return this._states[key] as IResourceState<R[K]>;
  }

  get visible(): boolean {
    return this._visible;
  }

  /** Set by the view when shown or hidden; showing asks at once rather than at the next tick. */
  set visible(value: boolean) {
    if (value === this._visible) {
      return;
    }
    this._visible = value;
    if (value) {
      this.refresh();
    }
  }

  /** Asks now (every resource, or one) rather than at the next tick; standing-by polls skip. */
  refresh(key?: keyof R): void {
    const keys = key === undefined ? (Object.keys(this._polls) as Array<keyof R>) : [key];
    for (const k of keys) {
      if (!this.isDisposed) {
        void this._polls[k].refresh();
      }
    }
  }

  /** A new interval, applied at once rather than after the tick already scheduled. */
  setInterval(key: keyof R, interval: number): void {
    const poll = this._polls[key];
    if (poll.frequency.interval === interval) {
      return;
    }
    poll.frequency = this._frequency(key, interval);
    this.refresh(key);
  }

  /** Forgets the value (e.g. its query changed): loading again, and asked at once. */
  reset(key: keyof R): void {
    this._generations[key]++;
    this._set(key, { loading: true, stale: false });
    this.refresh(key);
  }

  /**
   * Shows a value kept from an earlier page (e.g. in localStorage) until the first answer: it
   * is `stale` and still `loading`, with `updatedAt` its age. Ignored once a value is there.
   */
  seed<K extends keyof R>(key: K, value: R[K], updatedAt: number): void {
    if (this._states[key].value !== undefined || this.isDisposed) {
      return;
    }
    this._set(key, { value, loading: true, stale: true, updatedAt });
  }

  /**
   * Asks for `key` now with its factory, shown or not, for a view that needs the value at
   * start-up. The backend may still be starting (jupyter-server-proxy starts it on the first
   * request): asks again after 1, 2, 4… seconds, `attempts` times in all. A failure is left to
   * the poll, which asks again once the view is shown and shows the error then.
   */
  async load(key: keyof R, attempts = 1): Promise<void> {
    for (let i = 0; i < attempts && !this._isDisposed; i++) {
      try {
        const value = await this._options[key].factory();
        if (!this._isDisposed) {
          this.set(key, value);
        }
        return;
      } catch {
        if (i + 1 < attempts) {
          await new Promise(resolve => setTimeout(resolve, 1000 * 2 ** i));
        }
      }
    }
  }

  /** Records a value obtained outside the poll, e.g. the answer of a POST. */
  set<K extends keyof R>(key: K, value: R[K]): void {
    this._generations[key]++;
    this._set(key, { value, loading: false, stale: false, updatedAt: Date.now() });
  }

  /**
   * Resolves after the next answer (or failure) of `key`, or when the polls are disposed
   * (no answer will come then): a caller never waits forever.
   */
  answered(key: keyof R): Promise<void> {
    if (this._isDisposed) {
      return Promise.resolve();
    }
    return new Promise(resolve => {
      const handler = (_: unknown, answered: keyof R) => {
        if (answered === key) {
          this._answered.disconnect(handler);
          this._waiting.delete(resolve);
          resolve();
        }
      };
      this._waiting.add(resolve);
      this._answered.connect(handler);
    });
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    for (const poll of Object.values(this._polls)) {
      poll.dispose();
    }
    Signal.clearData(this);
    for (const resolve of this._waiting) {
      resolve();
    }
    this._waiting.clear();
  }

  private _frequency(key: keyof R, interval: number): IPoll.Frequency {
    return { interval, backoff: true, max: this._options[key].max ?? MAX_INTERVAL };
  }

  private async _fetch(key: keyof R): Promise<void> {
    const generation = this._generations[key];
    const current = () => !this._isDisposed && generation === this._generations[key];
    try {
      const value = await this._options[key].factory();
      if (current()) {
        this._set(key, { value, loading: false, stale: false, updatedAt: Date.now() });
      }
    } catch (err) {
      if (current()) {
        const { value, updatedAt } = this._states[key];
        const error = (err as Error).message;
        this._set(key, { value, updatedAt, error, loading: false, stale: value !== undefined });
      }
      // Rethrown so the poll backs off while the backend fails.
      throw err;
    } finally {
      if (!this._isDisposed) {
        this._answered.emit(key);
      }
    }
  }

  private _set(key: keyof R, state: IResourceState<unknown>): void {
    this._states[key] = state;
    this._changed.emit(key);
  }

  private _visible: boolean;
  private _isDisposed = false;
  private readonly _options: ResourceOptions<R>;
  private readonly _states = {} as Record<keyof R, IResourceState<unknown>>;
  private readonly _generations = {} as Record<keyof R, number>;
  private readonly _polls = {} as Record<keyof R, Poll<void, Error, 'standby'>>;
  private readonly _changed = new Signal<this, keyof R>(this);
  private readonly _answered = new Signal<this, keyof R>(this);
  /** Callers of `answered`, settled by `dispose`. */
  private readonly _waiting = new Set<() => void>();
}
