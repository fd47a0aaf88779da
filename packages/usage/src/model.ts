import type { UsageSnapshot } from '@hotstepper/api';
import { requestBackend } from '@hotstepper/core';
import type { ServerConnection } from '@jupyterlab/services';
import { PromiseDelegate } from '@lumino/coreutils';
import { Poll } from '@lumino/polling';
import { type ISignal, Signal } from '@lumino/signaling';

/** How full a resource is, for colouring. */
export type UsageLevel = 'ok' | 'warn' | 'danger';

export interface IUsageSettings {
  /** Milliseconds between polls. */
  refreshRate: number;
  /** Fraction of the limit at which the item turns orange. */
  warnThreshold: number;
  /** Fraction of the limit at which the item turns red. */
  dangerThreshold: number;
}

export const DEFAULT_SETTINGS: IUsageSettings = {
  refreshRate: 5000,
  warnThreshold: 0.7,
  dangerThreshold: 0.9
};

/** Backoff tops out at five minutes while the backend is down. */
const MAX_INTERVAL = 300_000;

/**
 * The notebook's usage as the status bar shows it: the latest snapshot or
 * the reason there is none, refreshed by a Poll that backs off on errors
 * and stands by while the page is hidden.
 */
export class UsageModel {
  constructor(
    private readonly serverSettings: ServerConnection.ISettings,
    settings: Partial<IUsageSettings> = {}
  ) {
    this._settings = { ...DEFAULT_SETTINGS, ...settings };
    this._poll = new Poll<UsageSnapshot, Error, 'stand-by'>({
      factory: () => this.fetch('api/v1/usage/now'),
      frequency: { interval: this._settings.refreshRate, backoff: true, max: MAX_INTERVAL },
      name: '@hotstepper/usage:UsageModel#poll',
      standby: 'when-hidden'
    });
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get snapshot(): UsageSnapshot | undefined {
    return this._snapshot;
  }

  /** Why there is no current figure, or undefined when there is one. */
  get error(): string | undefined {
    return this._error;
  }

  get settings(): IUsageSettings {
    return this._settings;
  }

  set settings(value: IUsageSettings) {
    const changedRate = value.refreshRate !== this._settings.refreshRate;
    this._settings = value;
    if (changedRate) {
      this._poll.frequency = { interval: value.refreshRate, backoff: true, max: MAX_INTERVAL };
      // Otherwise the new rate waits for the tick already scheduled at the old one.
      void this._poll.refresh();
    }
    this._changed.emit();
  }

  /** Fraction of the CPU limit in use. */
  get cpuFraction(): number | undefined {
    const s = this._snapshot;
    return s ? s.cpu.used / s.cpu.limit : undefined;
  }

  /** Fraction of the memory limit in use. */
  get memoryFraction(): number | undefined {
    const s = this._snapshot;
    return s ? s.memory.used / s.memory.limit : undefined;
  }

  level(fraction: number | undefined): UsageLevel {
    if (fraction === undefined) {
      return 'ok';
    }
    return fraction >= this._settings.dangerThreshold
      ? 'danger'
      : fraction >= this._settings.warnThreshold
        ? 'warn'
        : 'ok';
  }

  /** Resolves once the first answer (figures or an error) has arrived. */
  get ready(): Promise<void> {
    return this._firstAnswer.promise;
  }

  /**
   * Asks the backend to take a reading now rather than at its next interval.
   * A failure leaves the figures as they were: the poll reports outages.
   */
  async refresh(): Promise<void> {
    try {
      this._snapshot = await requestBackend<UsageSnapshot>(
        'api/v1/usage/sample',
        this.serverSettings,
        {
          method: 'POST'
        }
      );
      this._error = undefined;
      this._changed.emit();
    } catch (err) {
      console.warn('@hotstepper/usage: a fresh reading failed', err);
    }
  }

  get isDisposed(): boolean {
    return this._poll.isDisposed;
  }

  dispose(): void {
    this._poll.dispose();
    Signal.clearData(this);
  }

  private async fetch(path: string, init?: RequestInit): Promise<UsageSnapshot> {
    try {
      this._snapshot = await requestBackend<UsageSnapshot>(path, this.serverSettings, init);
      this._error = undefined;
      return this._snapshot;
    } catch (err) {
      this._snapshot = undefined;
      this._error = (err as Error).message;
      // Rethrow so the poll backs off while the backend is down.
      throw err;
    } finally {
      this._firstAnswer.resolve();
      this._changed.emit();
    }
  }

  private _settings: IUsageSettings;
  private _snapshot: UsageSnapshot | undefined;
  private _error: string | undefined;
  private readonly _poll: Poll<UsageSnapshot, Error, 'stand-by'>;
  private readonly _changed = new Signal<this, void>(this);
  private readonly _firstAnswer = new PromiseDelegate<void>();
}
