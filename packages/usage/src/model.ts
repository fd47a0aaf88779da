import type {
  GpuInventory,
  HistoryRange,
  HubServerAction,
  HubServerList,
  IdleStatus,
  KernelUsageList,
  UsageCost,
  UsageHistory,
  UsageSnapshot
} from '@hotstepper/api';
import { USAGE_PATHS } from '@hotstepper/api/constants';
import {
  type IResourceState,
  type IThresholds,
  levelOf,
  type MeterLevel,
  type IPageEvents,
  PageEvents,
  requestBackend,
  ResourcePolls
} from '@hotstepper/core';
import type { ServerConnection } from '@jupyterlab/services';
import { type ISignal, Signal } from '@lumino/signaling';

export type { IResourceState } from '@hotstepper/core';
export type UsageLevel = MeterLevel;

/** The status item's settings (schema/status-item.json). */
export interface IUsageSettings {
  /** Milliseconds between polls. */
  refreshRate: number;
  /** Fraction of the limit at which the item turns orange. */
  warnThreshold: number;
  /** Fraction of the limit at which the item turns red. */
  dangerThreshold: number;
}

/** The status item's defaults (schema/status-item.json). */
export const DEFAULT_SETTINGS: IUsageSettings = {
  refreshRate: 5000,
  warnThreshold: 0.7,
  dangerThreshold: 0.9
};

/** The cards of the panel, in the order they are shown. */
export const CARDS = ['now', 'history', 'kernels', 'gpus', 'cost', 'idle', 'servers'] as const;
export type CardName = (typeof CARDS)[number];

/** The ranges the history card offers. */
export const RANGES: readonly HistoryRange[] = ['hour', 'day', 'week'];

/** The panel's settings (schema/panel.json). */
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
  cards: {
    now: true,
    history: true,
    kernels: true,
    gpus: true,
    cost: true,
    idle: true,
    servers: true
  },
  warnThreshold: 0.7,
  dangerThreshold: 0.9,
  idleNotifications: true
};

/** What each endpoint answers. */
export interface IResources extends Record<string, unknown> {
  now: UsageSnapshot;
  history: UsageHistory;
  kernels: KernelUsageList;
  gpus: GpuInventory;
  cost: UsageCost;
  idle: IdleStatus;
  servers: HubServerList;
}
export type ResourceName = keyof IResources & string;

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

/** Every resource the model polls. */
const RESOURCES: ResourceName[] = ['now', 'history', 'kernels', 'gpus', 'cost', 'idle', 'servers'];

/** Fixed intervals for what changes slowly. */
export const INTERVALS = {
  history: 10_000,
  gpus: 30_000,
  idle: 60_000,
  servers: 15_000,
  cost: 300_000
} as const;

export interface IUsageModelOptions {
  serverSettings: ServerConnection.ISettings;
  settings?: Partial<IUsagePanelSettings>;
  /** The status item's settings; none without a status item. */
  statusSettings?: IUsageSettings | null;
  sessions?: ISessionSource;
  /** Whether the panel starts out visible; it stands by (except idle) while not. */
  visible?: boolean;
  range?: HistoryRange;
  /** The page's event stream; default the one shared by the page (PageEvents.for). */
  events?: IPageEvents;
  /**
   * Where the last figures are kept across reloads (localStorage), so the cards show them at
   * once, marked as from before, until the backend answers; none in tests.
   */
  cache?: Pick<Storage, 'getItem' | 'setItem'> | null;
}

/** The localStorage keys of the last figures: one per resource, `${CACHE_KEY}:now`… */
export const CACHE_KEY = '@hotstepper/usage:last';
/** Figures older than this are not shown after a reload. */
const CACHE_MAX_AGE_MS = 7 * 24 * 3600_000;

/** One resource's last answer, as kept. */
interface ICached {
  /** The server it is of. */
  baseUrl: string;
  /** The history's range (history only). */
  range?: HistoryRange;
  at: number;
  value: unknown;
}

/**
 * The notebook's usage, for the status item and the usage panel: one poll
 * per endpoint, each backing off while the backend fails and standing by
 * while the page is hidden. The current figures come from the page's event
 * stream while the status item or the panel shows them, and are polled only
 * while that stream is down; the idle status is polled always (it drives the
 * idle warning); the rest while the panel and its card are shown.
 */
export class UsageModel {
  constructor(options: IUsageModelOptions) {
    this._serverSettings = options.serverSettings;
    this._settings = { ...DEFAULT_PANEL_SETTINGS, ...options.settings };
    this._statusSettings = options.statusSettings ?? null;
    this._range = options.range ?? 'hour';
    this._sessions = options.sessions;
    this._sessions?.runningChanged?.connect(this._onSessions, this);
    this._events = options.events ?? PageEvents.for(this._serverSettings);
    this._events.liveChanged.connect(this._onLive, this);

    const get =
      <T>(path: string) =>
      () =>
        requestBackend<T>(path, this._serverSettings);
    const poll = <K extends ResourceName>(name: K, factory: () => Promise<IResources[K]>) => ({
      factory,
      interval: this._interval(name, options.visible ?? false),
      standby: () => (this._needed(name) ? ('when-hidden' as const) : true)
    });
    this._polls = new ResourcePolls<IResources>(
      {
        now: {
          ...poll('now', get(USAGE_PATHS.now)),
          // The page's stream brings every new snapshot: no poll while it is open.
          standby: () => (this._needed('now') && !this._events.live ? 'when-hidden' : true)
        },
        history: poll('history', () =>
          requestBackend<UsageHistory>(
            `${USAGE_PATHS.history}?range=${encodeURIComponent(this._range)}`,
            this._serverSettings
          )
        ),
        kernels: poll('kernels', get(USAGE_PATHS.kernels)),
        gpus: poll('gpus', get(USAGE_PATHS.gpus)),
        cost: poll('cost', get(USAGE_PATHS.cost)),
        idle: poll('idle', get(USAGE_PATHS.idle)),
        servers: poll('servers', get(USAGE_PATHS.servers))
      },
      { name: '@hotstepper/usage:UsageModel', visible: options.visible }
    );
    this._polls.changed.connect(this._onPolled, this);
    this._cache = options.cache ?? null;
    this._restore();
    this._follow();
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
    return this._polls.state('now');
  }
  get history(): IResourceState<UsageHistory> {
    return this._polls.state('history');
  }
  get kernels(): IResourceState<KernelUsageList> {
    return this._polls.state('kernels');
  }
  get gpus(): IResourceState<GpuInventory> {
    return this._polls.state('gpus');
  }
  get cost(): IResourceState<UsageCost> {
    return this._polls.state('cost');
  }
  get idle(): IResourceState<IdleStatus> {
    return this._polls.state('idle');
  }
  get servers(): IResourceState<HubServerList> {
    return this._polls.state('servers');
  }

  /**
   * Starts or stops one of the user's servers through the hub, then asks for the list again.
   * Rejects with the backend's message (a limit reached, a scope missing).
   */
  async serverAction(action: HubServerAction): Promise<void> {
    try {
      await requestBackend(USAGE_PATHS.servers, this._serverSettings, {
        method: 'POST',
        body: JSON.stringify(action)
      });
    } finally {
      this._polls.refresh('servers');
    }
  }

  state<K extends ResourceName>(name: K): IResourceState<IResources[K]> {
    return this._polls.state(name);
  }

  get serverSettings(): ServerConnection.ISettings {
    return this._serverSettings;
  }

  /** Fraction of the CPU limit in use now. */
  get cpuFraction(): number | undefined {
    const s = this.now.value;
    return s ? s.cpu.used / s.cpu.limit : undefined;
  }

  /** Fraction of the memory limit in use now. */
  get memoryFraction(): number | undefined {
    const s = this.now.value;
    return s ? s.memory.used / s.memory.limit : undefined;
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
    this._polls.reset('history');
  }

  get visible(): boolean {
    return this._polls.visible;
  }

  /** Set by the panel when it is shown or hidden: a hidden panel does not poll. */
  set visible(value: boolean) {
    this._polls.visible = value;
    this._updateIntervals();
  }

  /** The panel's settings. */
  get settings(): IUsagePanelSettings {
    return this._settings;
  }

  set settings(value: IUsagePanelSettings) {
    const before = this._settings;
    this._settings = value;
    this._updateIntervals();
    for (const name of Object.keys(CARD_OF).concat('now') as ResourceName[]) {
      // A card switched back on should not wait for the tick already scheduled.
      if (this._needed(name) && !this._needed(name, before)) {
        this._polls.refresh(name);
      }
    }
    this._changed.emit();
  }

  get statusSettings(): IUsageSettings | null {
    return this._statusSettings;
  }

  /** Set by the status item: the current figures are then polled at its rate too. */
  set statusSettings(value: IUsageSettings | null) {
    const before = this._needed('now');
    this._statusSettings = value;
    this._updateIntervals();
    if (this._needed('now') && !before) {
      this._polls.refresh('now');
    }
    this._changed.emit();
  }

  /**
   * The thresholds both views colour by: the status item's where set there
   * (not its default), else the panel's.
   */
  get thresholds(): IThresholds {
    const pick = (key: keyof IThresholds) => {
      const own = this._statusSettings?.[key];
      return own !== undefined && own !== DEFAULT_SETTINGS[key] ? own : this._settings[key];
    };
    return { warnThreshold: pick('warnThreshold'), dangerThreshold: pick('dangerThreshold') };
  }

  /** Colour level of a fraction of a limit, by the thresholds (inclusive). */
  level(fraction: number | undefined | null): MeterLevel {
    return levelOf(fraction, this.thresholds);
  }

  /** Whether a card is switched on in the settings (missing means on). */
  isCardShown(card: CardName): boolean {
    return this._settings.cards[card] !== false;
  }

  /** Kernels with their notebook paths, largest memory first; ties by path. */
  get kernelRows(): IKernelRow[] {
    const list = this.kernels.value;
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
    const own = this.now.value?.gpus?.length ?? 0;
    if (own > 0) {
      return true;
    }
    const inventory = this.gpus.value;
    if (inventory) {
      return inventory.source !== 'none';
    }
    return undefined;
  }

  /** Asks every needed endpoint (or one) now rather than at its next tick. */
  refresh(name?: ResourceName): void {
    this._polls.refresh(name);
  }

  /**
   * Asks the backend to take a reading now rather than at its next interval.
   * A failure leaves the figures as they were: the poll reports outages.
   */
  async sample(): Promise<void> {
    try {
      const snapshot = await requestBackend<UsageSnapshot>(
        USAGE_PATHS.sample,
        this._serverSettings,
        { method: 'POST' }
      );
      if (!this.isDisposed) {
        this._polls.set('now', snapshot);
      }
    } catch (err) {
      console.warn('@hotstepper/usage: a fresh reading failed', err);
    }
  }

  /** Resolves after the named endpoint's next answer (for tests and commands). */
  answered(name: ResourceName): Promise<void> {
    return this._polls.answered(name);
  }

  get isDisposed(): boolean {
    return this._polls.isDisposed;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._stream?.dispose();
    this._polls.dispose();
    Signal.clearData(this);
  }

  private _needed(name: ResourceName, settings = this._settings): boolean {
    const shown = (card: CardName) => settings.cards[card] !== false;
    if (name === 'idle' && settings.idleNotifications) {
      // Drives the idle warning even while the panel is closed.
      return true;
    }
    if (name === 'now' && this._statusSettings) {
      return true;
    }
    if (!this._polls.visible) {
      return false;
    }
    if (name === 'servers' && this._polls.state('servers').value?.user === null) {
      // Not under JupyterHub: that does not change while this page lives.
      return false;
    }
    if (name === 'now') {
      // The kernels' bars and the GPU card read the snapshot too.
      return CARDS.some(c => c !== 'cost' && c !== 'idle' && c !== 'servers' && shown(c));
    }
    const card = CARD_OF[name];
    return card ? shown(card) : true;
  }

  private _interval(name: ResourceName, visible = this._polls.visible): number {
    const { refreshRate } = this._settings;
    switch (name) {
      case 'now':
        // The faster of the status item's rate and, while it is shown, the panel's.
        return Math.min(
          this._statusSettings?.refreshRate ?? Infinity,
          visible || !this._statusSettings ? refreshRate : Infinity
        );
      case 'kernels':
        return refreshRate;
      default:
        return Math.max(refreshRate, INTERVALS[name as keyof typeof INTERVALS]);
    }
  }

  private _updateIntervals(): void {
    for (const name of Object.keys(CARD_OF).concat('now') as ResourceName[]) {
      this._polls.setInterval(name, this._interval(name));
    }
    this._follow();
  }

  /** Follows the page's snapshots while the current figures are shown, and only then. */
  private _follow(): void {
    const needed = this._needed('now');
    if (needed && !this._stream) {
      this._stream = this._events.subscribe('usage', snapshot => {
        if (!this.isDisposed) {
          this._polls.set('now', snapshot);
        }
      });
    } else if (!needed && this._stream) {
      this._stream.dispose();
      this._stream = undefined;
    }
  }

  /** The stream dropped: poll at once rather than wait a tick; it came back: the poll stands by. */
  private _onLive(_: unknown, live: boolean): void {
    if (!live) {
      this._polls.refresh('now');
    }
  }

  private _onPolled(_: unknown, name: keyof IResources): void {
    const state = this._polls.state(name);
    if (name === 'idle' && state.value && !state.error && !state.loading) {
      this._idleChanged.emit(state.value as IdleStatus);
    }
    if (state.value !== undefined && !state.loading && !state.stale) {
      this._keep(name as ResourceName);
    }
    this._changed.emit();
  }

  /** Shows the figures kept by the last page of this server, marked as from before. */
  private _restore(): void {
    const now = Date.now();
    for (const name of RESOURCES) {
      let cached: ICached | null = null;
      try {
        cached = JSON.parse(this._cache?.getItem(`${CACHE_KEY}:${name}`) ?? 'null');
      } catch {
        continue; // unreadable: start without
      }
      if (
        !cached ||
        cached.baseUrl !== this._serverSettings.baseUrl ||
        !(now - cached.at < CACHE_MAX_AGE_MS) ||
        (name === 'history' && cached.range !== this._range)
      ) {
        continue;
      }
      this._polls.seed(name, cached.value as IResources[typeof name], cached.at);
    }
  }

  /** Keeps a fresh answer for the next page (one key per resource: a write is small). */
  private _keep(name: ResourceName): void {
    const state = this._polls.state(name);
    const cached: ICached = {
      baseUrl: this._serverSettings.baseUrl,
      at: state.updatedAt ?? Date.now(),
      value: state.value,
      ...(name === 'history' ? { range: this._range } : {})
    };
    try {
      this._cache?.setItem(`${CACHE_KEY}:${name}`, JSON.stringify(cached));
    } catch {
      // Storage full or blocked: the next page starts without figures, as before.
    }
  }

  private _onSessions(): void {
    if (this.kernels.value) {
      this._changed.emit();
    }
  }

  private readonly _serverSettings: ServerConnection.ISettings;
  private readonly _sessions?: ISessionSource;
  private _settings: IUsagePanelSettings;
  private _statusSettings: IUsageSettings | null;
  private _range: HistoryRange;
  private readonly _polls: ResourcePolls<IResources>;
  private readonly _events: IPageEvents;
  private _stream: { dispose(): void } | undefined;
  private readonly _changed = new Signal<this, void>(this);
  private readonly _idleChanged = new Signal<this, IdleStatus>(this);
  private readonly _cache: Pick<Storage, 'getItem' | 'setItem'> | null;
}

/** The card each endpoint feeds (the snapshot feeds several). */
const CARD_OF: Partial<Record<ResourceName, CardName>> = {
  history: 'history',
  kernels: 'kernels',
  gpus: 'gpus',
  cost: 'cost',
  idle: 'idle',
  servers: 'servers'
};
