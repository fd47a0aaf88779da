import type {
  ExposeRequest,
  Exposure,
  ExposureList,
  FlareInfo,
  FlareProtection,
  ListeningPort,
  ListeningPorts
} from '@hotstepper/api';
import { FLARE_PATHS } from '@hotstepper/api/constants';
import {
  type IPageEvents,
  type IResourceState,
  PageEvents,
  ResourcePolls,
  requestBackend
} from '@hotstepper/core';
import type { ServerConnection } from '@jupyterlab/services';
import { type ISignal, Signal } from '@lumino/signaling';
import type { ExpiryChoice } from './format';

export interface IFlareSettings {
  /** Milliseconds between polls of the ports and the exposures. */
  refreshRate: number;
  /** The protection the expose form starts with. */
  defaultProtection: FlareProtection;
  /** The expiry the expose form starts with. */
  defaultExpiry: ExpiryChoice;
}

export const DEFAULT_SETTINGS: IFlareSettings = {
  refreshRate: 3000,
  defaultProtection: 'secret-link',
  defaultExpiry: '8h'
};

export type ExpiredExposure = ExposureList['expired'][number];

/** A listening port with the exposures that point at it. */
export interface IPortRow extends ListeningPort {
  exposed: Exposure[];
}

export interface IFlareModelOptions {
  serverSettings: ServerConnection.ISettings;
  settings?: Partial<IFlareSettings>;
  /** Whether the panel starts out shown; the ports are polled only while it is. */
  visible?: boolean;
  /** Remembers the expired exposures already announced, across page loads. */
  storage?: Pick<Storage, 'getItem' | 'setItem'> | null;
  /** The page's event stream; default the one shared by the page (PageEvents.for). */
  events?: IPageEvents;
}

/** The admin's flare settings change only with a restart of the backend. */
const INFO_INTERVAL = 300_000;
const SEEN_KEY = '@hotstepper/flare:expired-seen';

type Resources = {
  ports: ListeningPorts;
  exposures: ExposureList;
  info: FlareInfo;
};

/**
 * Flare's state: the listening ports (polled while the panel is shown), the exposures
 * (always known, for the status bar and the expiry notification: from the page's event
 * stream, polled only while it is down) and the admin's
 * settings, each backing off while the backend fails and standing by while the page is
 * hidden. Also the expose form's open state, so a command can open it.
 */
export class FlareModel {
  constructor(options: IFlareModelOptions) {
    this._serverSettings = options.serverSettings;
    this._settings = { ...DEFAULT_SETTINGS, ...options.settings };
    this._storage = options.storage ?? null;
    this._seen = new Set(this._readSeen());
    const events = options.events ?? PageEvents.for(this._serverSettings);
    const get =
      <K extends keyof Resources>(key: K) =>
      () =>
        requestBackend<Resources[K]>(FLARE_PATHS[key], this._serverSettings);
    const rate = this._settings.refreshRate;
    this._polls = new ResourcePolls<Resources>(
      {
        // Only while the panel is shown: the status item needs none of it.
        ports: { factory: get('ports'), interval: rate },
        exposures: {
          factory: async () => {
            const list = await get('exposures')();
            this._announceExpired(list.expired);
            return list;
          },
          interval: rate,
          standby: () => (events.live ? true : 'when-hidden')
        },
        info: { factory: get('info'), interval: INFO_INTERVAL, standby: 'when-hidden' }
      },
      { name: '@hotstepper/flare:FlareModel', visible: options.visible }
    );
    this._polls.changed.connect(() => this._changed.emit());
    this._stream = events.subscribe('exposures', list => {
      if (!this.isDisposed) {
        this._announceExpired(list.expired);
        this._polls.set('exposures', list);
      }
    });
    // The stream dropped: poll at once rather than wait a tick.
    events.liveChanged.connect((_, live) => live || this._polls.refresh('exposures'), this);
  }

  /** Emitted on every answer and every change of settings or form. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emitted with exposures that expired and were not announced before. */
  get expired(): ISignal<this, ExpiredExposure[]> {
    return this._expired;
  }

  get ports(): IResourceState<ListeningPorts> {
    return this._polls.state('ports');
  }

  get exposures(): IResourceState<ExposureList> {
    return this._polls.state('exposures');
  }

  get info(): IResourceState<FlareInfo> {
    return this._polls.state('info');
  }

  /**
   * The listening ports, each with its exposures (by the port's names and by port number): the
   * web-app candidates, or with `showAll` every port, the apps first.
   */
  get portRows(): IPortRow[] {
    const exposures = this.exposures.value?.exposures ?? [];
    const ports = this.ports.value?.ports ?? [];
    const apps = ports.filter(p => p.kind === 'app');
    return (this._showAll ? [...apps, ...ports.filter(p => p.kind !== 'app')] : apps).map(port => ({
      ...port,
      exposed: exposures.filter(e => e.port === port.port || port.exposures.includes(e.name))
    }));
  }

  /** The ports that can be exposed: those of the user's apps. */
  get appPorts(): ListeningPort[] {
    return (this.ports.value?.ports ?? []).filter(p => p.kind === 'app');
  }

  /** How many listening ports are not apps (the Jupyter server, kernels…): shown with `showAll`. */
  get otherPortCount(): number {
    return (this.ports.value?.ports ?? []).filter(p => p.kind !== 'app').length;
  }

  /** Whether the port list shows every listening port rather than the web-app candidates. */
  get showAll(): boolean {
    return this._showAll;
  }

  set showAll(value: boolean) {
    if (value !== this._showAll) {
      this._showAll = value;
      this._changed.emit();
    }
  }

  /** The names exposures have now: a new one must differ. */
  get takenNames(): string[] {
    return (this.exposures.value?.exposures ?? []).map(e => e.name);
  }

  /** Exposures there are, and how many of them have nothing listening behind them. */
  get counts(): { exposures: number; noListener: number } {
    const list = this.exposures.value?.exposures ?? [];
    return { exposures: list.length, noListener: list.filter(e => !e.listening).length };
  }

  /** The login-protected addresses of a port under this Jupyter server, or none before info. */
  proxyLinks(port: number): { relative: string; absolute: string } | undefined {
    const templates = this.info.value?.proxyTemplates;
    if (!templates) {
      return undefined;
    }
    const base = this._serverSettings.baseUrl.replace(/\/*$/, '/');
    const fill = (template: string) =>
      base + template.replace('{port}', String(port)).replace(/^\/+/, '');
    return { relative: fill(templates.relative), absolute: fill(templates.absolute) };
  }

  get settings(): IFlareSettings {
    return this._settings;
  }

  set settings(value: IFlareSettings) {
    const changedRate = value.refreshRate !== this._settings.refreshRate;
    this._settings = value;
    if (changedRate) {
      this._polls.setInterval('ports', value.refreshRate);
      this._polls.setInterval('exposures', value.refreshRate);
    }
    this._changed.emit();
  }

  get visible(): boolean {
    return this._polls.visible;
  }

  /** Set by the panel when it is shown or hidden: the ports are not polled while hidden. */
  set visible(value: boolean) {
    this._polls.visible = value;
  }

  /** The port the expose form is open for; null while it is closed. */
  get formPort(): number | null {
    return this._formPort;
  }

  /** Changes whenever the form is (re)opened, so the view starts it afresh. */
  get formGeneration(): number {
    return this._formGeneration;
  }

  /**
   * Opens the expose form for `port`, or for the first listening port; with no port to offer,
   * the form stays closed (the panel's empty state says how to get one).
   */
  openForm(port?: number): void {
    const chosen = port ?? this._formPort ?? this.appPorts[0]?.port;
    if (chosen === undefined) {
      return;
    }
    this._formPort = chosen;
    this._formGeneration++;
    this._changed.emit();
  }

  closeForm(): void {
    this._formPort = null;
    this._changed.emit();
  }

  /** Creates an exposure; rejects with the backend's BackendError (4xx: the message says why). */
  async expose(request: ExposeRequest): Promise<Exposure> {
    const exposure = await requestBackend<Exposure>(FLARE_PATHS.exposures, this._serverSettings, {
      method: 'POST',
      body: JSON.stringify(request)
    });
    this.refresh();
    return exposure;
  }

  async unexpose(name: string): Promise<void> {
    await requestBackend<void>(FLARE_PATHS.exposure(name), this._serverSettings, {
      method: 'DELETE'
    });
    this.refresh();
  }

  /** Asks again now rather than at the next tick (the ports only while the panel is shown). */
  refresh(): void {
    this._polls.refresh();
  }

  get isDisposed(): boolean {
    return this._polls.isDisposed;
  }

  dispose(): void {
    this._stream.dispose();
    this._polls.dispose();
    Signal.clearData(this);
  }

  /** Each expiry is announced once, even across page loads: keyed by name and time. */
  private _announceExpired(expired: ExpiredExposure[]): void {
    const key = (e: ExpiredExposure) => `${e.name}@${e.expiredAt}`;
    const fresh = expired.filter(e => !this._seen.has(key(e)));
    // The backend lists a day's expiries: what it no longer lists need not be remembered.
    this._seen = new Set(expired.map(key));
    this._writeSeen([...this._seen]);
    if (fresh.length) {
      this._expired.emit(fresh);
    }
  }

  private _readSeen(): string[] {
    try {
      const stored = JSON.parse(this._storage?.getItem(SEEN_KEY) ?? '[]');
      return Array.isArray(stored) ? stored.filter(s => typeof s === 'string') : [];
    } catch {
      return [];
    }
  }

  private _writeSeen(keys: string[]): void {
    try {
      this._storage?.setItem(SEEN_KEY, JSON.stringify(keys));
    } catch {
      // A full or blocked storage: announcements may repeat after a reload, nothing worse.
    }
  }

  private readonly _serverSettings: ServerConnection.ISettings;
  private _settings: IFlareSettings;
  private readonly _storage: Pick<Storage, 'getItem' | 'setItem'> | null;
  private _seen: Set<string>;
  private _formPort: number | null = null;
  private _showAll = false;
  private _formGeneration = 0;
  private readonly _polls: ResourcePolls<Resources>;
  private readonly _stream: { dispose(): void };
  private readonly _changed = new Signal<this, void>(this);
  private readonly _expired = new Signal<this, ExpiredExposure[]>(this);
}
