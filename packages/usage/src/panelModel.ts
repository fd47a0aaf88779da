import type {
  GpuInventory,
  HistoryRange,
  IdleStatus,
  KernelUsageList,
  UsageCost,
  UsageHistory,
  UsageSnapshot
} from '@hotstepper/api';
import { requestBackend } from '@hotstepper/core';
import type { ServerConnection } from '@jupyterlab/services';
import { Poll } from '@lumino/polling';
import { type ISignal, Signal } from '@lumino/signaling';
import type { UsageLevel } from './model';

/** The cards of the panel, in the order they are shown. */
export const CARDS = ['now', 'history', 'kernels', 'gpus', 'cost', 'idle'] as const;
export type CardName = (typeof CARDS)[number];

/** The ranges the history card offers. */
export const RANGES: readonly HistoryRange[] = ['hour', 'day', 'week'];

export interface IUsagePanelSettings {
  /** Milliseconds between polls of the current figures and the kernels. */
  refreshRate: number;
  /** Which cards show; a hidden card is not refreshed. */
  cards: Record<CardName, boolean>;
  warnThreshold: number;
  dangerThreshold: number;
  /** Whether to warn with a notification while the server counts down to its removal. */
  idleNotifications: boolean;
}

export const DEFAULT_PANEL_SETTINGS: IUsagePanelSettings = {
  refreshRate: 5000,
  cards: { now: true, history: true, kernels: true, gpus: true, cost: true, idle: true },
  warnThreshold: 0.7,
  dangerThreshold: 0.9,
  idleNotifications: true
};

/** What each endpoint answers. */
export interface IResources {
  now: UsageSnapshot;
  history: UsageHistory;
  kernels: KernelUsageList;
  gpus: GpuInventory;
  cost: UsageCost;
  idle: IdleStatus;
}
export type ResourceName = keyof IResources;

/**
 * One endpoint's state. `data` stays after a failed refresh (the card says
 * it is out of date); `loading` is true until the first answer, or after the
 * history range changed.
 */
export interface IResourceState<T> {
  data?: T;
  /** BackendError.message of the last failure; undefined after a success. */
  error?: string;
  loading: boolean;
  /** Unix ms of the last successful answer. */
  updatedAt?: number;
}

/** A kernel with the notebook (or console) it belongs to. */
export interface IKernelRow {
  kernelId: string;
  /** The session's path, or undefined when no session in this JupyterLab holds the kernel. */
  path?: string;
  memory: number;
  cpu: number;
}

/** Where kernel ids are mapped to notebook paths: JupyterLab's session manager, or a test's stand-in. */
export interface ISessionSource {
  running(): Iterable<{ path: string; name?: string; kernel?: { id: string } | null }>;
  readonly runningChanged?: ISignal<unknown, unknown>;
}

const MAX_INTERVAL = 300_000;
/** Fixed intervals for what changes slowly. */
export const INTERVALS = {
  history: 10_000,
  gpus: 30_000,
  idle: 60_000,
  cost: 300_000
} as const;

export interface IUsagePanelModelOptions {
  serverSettings: ServerConnection.ISettings;
  settings?: Partial<IUsagePanelSettings>;
  sessions?: ISessionSource;
  /** Whether the panel starts out visible; it stands by (except idle) while not. */
  visible?: boolean;
  range?: HistoryRange;
}

/**
 * The usage panel's state: one poll per endpoint, each backing off while
 * the backend fails and standing by while the page is hidden. All but the
 * idle status also stand by while the panel (or its card) is not shown;
 * the idle status keeps going, as it drives the idle warning.
 */
export class UsagePanelModel {
  constructor(options: IUsagePanelModelOptions) {
    this._serverSettings = options.serverSettings;
    this._settings = { ...DEFAULT_PANEL_SETTINGS, ...options.settings };
    this._visible = options.visible ?? false;
    this._range = options.range ?? 'hour';
    this._sessions = options.sessions;
    this._sessions?.runningChanged?.connect(this._onSessions, this);

    for (const name of Object.keys(this._states) as ResourceName[]) {
      this._polls[name] = new Poll({
        factory: () => this._fetch(name),
        frequency: { interval: this._interval(name), backoff: true, max: MAX_INTERVAL },
        name: `@hotstepper/usage:UsagePanelModel#${name}`,
        standby: () => (this._needed(name) ? 'when-hidden' : true)
      });
    }
  }

  /** Emitted whenever any state, the range, the settings or the sessions change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emitted after each successful idle answer (the idle warning listens). */
  get idleChanged(): ISignal<this, IdleStatus> {
    return this._idleChanged;
  }

  get now(): IResourceState<UsageSnapshot> {
    return this._states.now;
  }
  get history(): IResourceState<UsageHistory> {
    return this._states.history;
  }
  get kernels(): IResourceState<KernelUsageList> {
    return this._states.kernels;
  }
  get gpus(): IResourceState<GpuInventory> {
    return this._states.gpus;
  }
  get cost(): IResourceState<UsageCost> {
    return this._states.cost;
  }
  get idle(): IResourceState<IdleStatus> {
    return this._states.idle;
  }

  state<K extends ResourceName>(name: K): IResourceState<IResources[K]> {
    return this._states[name];
  }

  get serverSettings(): ServerConnection.ISettings {
    return this._serverSettings;
  }

  /** The history card's range. */
  get range(): HistoryRange {
    return this._range;
  }

  set range(value: HistoryRange) {
    if (value === this._range) {
      return;
    }
    this._range = value;
    // The old range's points are not this range's: show loading, not stale data.
    this._states.history = { loading: true };
    this._changed.emit();
    void this._polls.history.refresh();
  }

  get visible(): boolean {
    return this._visible;
  }

  /** Set by the panel when it is shown or hidden: a hidden panel does not poll. */
  set visible(value: boolean) {
    if (value === this._visible) {
      return;
    }
    this._visible = value;
    if (value) {
      this.refresh();
    }
  }

  get settings(): IUsagePanelSettings {
    return this._settings;
  }

  set settings(value: IUsagePanelSettings) {
    const before = this._settings;
    this._settings = value;
    for (const name of Object.keys(this._polls) as ResourceName[]) {
      const poll = this._polls[name];
      const interval = this._interval(name);
      const changedRate = poll.frequency.interval !== interval;
      if (changedRate) {
        poll.frequency = { interval, backoff: true, max: MAX_INTERVAL };
      }
      // A new rate, or a card switched back on, should not wait for the tick already scheduled.
      if (changedRate || (this._needed(name) && !this._needed(name, before))) {
        void poll.refresh();
      }
    }
    this._changed.emit();
  }

  /** Whether a card is switched on in the settings (missing means on). */
  isCardShown(card: CardName): boolean {
    return this._settings.cards[card] !== false;
  }

  /** Colour level of a fraction of a limit, by the configured thresholds (inclusive). */
  level(fraction: number | undefined | null): UsageLevel {
    if (fraction === undefined || fraction === null || !Number.isFinite(fraction)) {
      return 'ok';
    }
    const { warnThreshold, dangerThreshold } = this._settings;
    return fraction >= dangerThreshold ? 'danger' : fraction >= warnThreshold ? 'warn' : 'ok';
  }

  /** Kernels with their notebook paths, largest memory first; ties by path. */
  get kernelRows(): IKernelRow[] {
    const list = this._states.kernels.data;
    if (!list) {
      return [];
    }
    const paths = new Map<string, string>();
    for (const session of this._sessions?.running() ?? []) {
      if (session.kernel?.id) {
        paths.set(session.kernel.id, session.path || session.name || '');
      }
    }
    return list.kernels
      .map(k => ({
        kernelId: k.kernelId,
        path: paths.get(k.kernelId),
        memory: k.memory,
        cpu: k.cpu
      }))
      .sort(
        (a, b) => b.memory - a.memory || (a.path ?? a.kernelId).localeCompare(b.path ?? b.kernelId)
      );
  }

  /**
   * Whether the notebook has GPUs at all, as far as is known: the inventory
   * found some, or the snapshot reports the notebook's own. Undefined while
   * neither has answered.
   */
  get hasGpus(): boolean | undefined {
    const own = this._states.now.data?.gpus?.length ?? 0;
    if (own > 0) {
      return true;
    }
    const inventory = this._states.gpus.data;
    if (inventory) {
      return inventory.source !== 'none';
    }
    return undefined;
  }

  /** Asks every needed endpoint (or one) now rather than at its next tick. */
  refresh(name?: ResourceName): void {
    const names = name ? [name] : (Object.keys(this._polls) as ResourceName[]);
    for (const n of names) {
      void this._polls[n].refresh();
    }
  }

  /** Resolves after the named endpoint's next answer (for tests and commands). */
  answered(name: ResourceName): Promise<void> {
    return new Promise(resolve => {
      const handler = (_: unknown, answered: ResourceName) => {
        if (answered === name) {
          this._answered.disconnect(handler);
          resolve();
        }
      };
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
  }

  private _needed(name: ResourceName, settings = this._settings): boolean {
    const shown = (card: CardName) => settings.cards[card] !== false;
    if (name === 'idle' && settings.idleNotifications) {
      // Drives the idle warning even while the panel is closed.
      return true;
    }
    if (!this._visible) {
      return false;
    }
    if (name === 'now') {
      // The kernels' bars and the GPU card read the snapshot too.
      return CARDS.some(c => c !== 'cost' && c !== 'idle' && shown(c));
    }
    const card = CARD_OF[name];
    return card ? shown(card) : true;
  }

  private _interval(name: ResourceName): number {
    const settings = this._settings;
    switch (name) {
      case 'now':
      case 'kernels':
        return settings.refreshRate;
      case 'history':
        return Math.max(settings.refreshRate, INTERVALS.history);
      default:
        return Math.max(settings.refreshRate, INTERVALS[name]);
    }
  }

  private _path(name: ResourceName, range: HistoryRange): string {
    switch (name) {
      case 'now':
        return 'api/v1/usage/now';
      case 'history':
        return `api/v1/usage/history?range=${encodeURIComponent(range)}`;
      default:
        return `api/v1/usage/${name}`;
    }
  }

  private async _fetch<K extends ResourceName>(name: K): Promise<void> {
    const range = this._range;
    try {
      const data = await requestBackend<IResources[K]>(
        this._path(name, range),
        this._serverSettings
      );
      if (this._isDisposed || (name === 'history' && range !== this._range)) {
        return;
      }
      this._set(name, { data, loading: false, updatedAt: Date.now() });
      if (name === 'idle') {
        this._idleChanged.emit(data as IdleStatus);
      }
    } catch (err) {
      if (this._isDisposed || (name === 'history' && range !== this._range)) {
        return;
      }
      this._set(name, { ...this._states[name], loading: false, error: (err as Error).message });
      // Rethrown so the poll backs off while the backend fails.
      throw err;
    } finally {
      if (!this._isDisposed) {
        this._answered.emit(name);
        this._changed.emit();
      }
    }
  }

  private _set<K extends ResourceName>(name: K, state: IResourceState<IResources[K]>): void {
    (this._states as Record<ResourceName, IResourceState<unknown>>)[name] = state;
  }

  private _onSessions(): void {
    if (this._states.kernels.data) {
      this._changed.emit();
    }
  }

  private readonly _serverSettings: ServerConnection.ISettings;
  private readonly _sessions?: ISessionSource;
  private _settings: IUsagePanelSettings;
  private _visible: boolean;
  private _range: HistoryRange;
  private _isDisposed = false;
  private readonly _states: { [K in ResourceName]: IResourceState<IResources[K]> } = {
    now: { loading: true },
    history: { loading: true },
    kernels: { loading: true },
    gpus: { loading: true },
    cost: { loading: true },
    idle: { loading: true }
  };
  private readonly _polls = {} as Record<ResourceName, Poll<void, Error, 'standby'>>;
  private readonly _changed = new Signal<this, void>(this);
  private readonly _idleChanged = new Signal<this, IdleStatus>(this);
  private readonly _answered = new Signal<this, ResourceName>(this);
}

/** The card each endpoint feeds (the snapshot feeds several). */
const CARD_OF: Partial<Record<ResourceName, CardName>> = {
  history: 'history',
  kernels: 'kernels',
  gpus: 'gpus',
  cost: 'cost',
  idle: 'idle'
};
