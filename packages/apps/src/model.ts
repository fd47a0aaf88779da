import { type App, APPS_PATHS } from '@hotstepper/api';
import { BackendError, type IPanelModel, requestBackend } from '@hotstepper/core';
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { Signal } from '@lumino/signaling';

export interface IAppsSettings {
  /** How often the apps' state is asked for while the panel is shown, in ms. */
  refreshRate: number;
  /** A "Platform apps" section in the launcher. */
  showInLauncher: boolean;
}

export const DEFAULT_SETTINGS: IAppsSettings = { refreshRate: 5000, showInLauncher: true };

/** While an app starts or stops, its state is asked for this often. */
const BUSY_RATE_MS = 1000;

export type AppAction = 'stop' | 'restart';

/** The apps of this image and their state, asked for while someone looks. */
export class AppsModel implements IPanelModel {
  constructor(options: { serverSettings?: ServerConnection.ISettings } = {}) {
    this.serverSettings = options.serverSettings ?? ServerConnection.makeSettings();
  }

  readonly serverSettings: ServerConnection.ISettings;
  readonly changed = new Signal<this, void>(this);
  /** Emitted with the first list (for the launcher's tiles). */
  readonly loaded = new Signal<this, App[]>(this);

  /** null until the first answer. */
  apps: App[] | null = null;
  error: string | undefined;
  /** Unix ms of the last answer. */
  updatedAt: number | undefined;
  /** App name → the action under way, or what it last failed with. */
  readonly pending = new Map<string, AppAction>();
  readonly failures = new Map<string, string>();

  get settings(): IAppsSettings {
    return this._settings;
  }

  set settings(value: IAppsSettings) {
    this._settings = value;
    this._schedule();
  }

  get visible(): boolean {
    return this._visible;
  }

  set visible(value: boolean) {
    if (value === this._visible) {
      return;
    }
    this._visible = value;
    if (value) {
      void this.refresh();
    } else {
      this._schedule();
    }
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  app(name: string): App | undefined {
    return this.apps?.find(a => a.name === name);
  }

  /** The URL a person opens the app at, in a new tab. */
  url(app: App): string {
    return URLExt.join(this.serverSettings.baseUrl, app.path);
  }

  async refresh(): Promise<void> {
    try {
      const apps = await requestBackend<App[]>(APPS_PATHS.list, this.serverSettings);
      const first = this.apps === null;
      this.apps = apps;
      this.error = undefined;
      this.updatedAt = Date.now();
      if (first) {
        this.loaded.emit(apps);
      }
    } catch (err) {
      this.error = (err as Error).message;
    }
    if (!this._disposed) {
      this.changed.emit();
      this._schedule();
    }
  }

  /**
   * Opens the app in a new browser tab, which starts it if need be (JupyterHub forbids
   * same-origin frames). Called from the click itself, so no popup blocker steps in.
   */
  open(name: string): void {
    const app = this.app(name);
    if (!app) {
      return;
    }
    window.open(this.url(app), '_blank', 'noopener');
    this._busyUntil = Date.now() + app.timeout * 1000;
    void this.refresh();
  }

  async act(name: string, action: AppAction): Promise<void> {
    this.pending.set(name, action);
    this.failures.delete(name);
    this.changed.emit();
    try {
      const app = await requestBackend<App>(APPS_PATHS[action](name), this.serverSettings, {
        method: 'POST',
        body: '{}'
      });
      this.apps = this.apps?.map(a => (a.name === name ? app : a)) ?? null;
    } catch (err) {
      this.failures.set(name, err instanceof BackendError ? err.message : String(err));
    } finally {
      this.pending.delete(name);
    }
    await this.refresh();
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    clearTimeout(this._timer);
    Signal.clearData(this);
  }

  private _schedule(): void {
    clearTimeout(this._timer);
    if (this._disposed || !this._visible) {
      return;
    }
    const busy =
      Date.now() < this._busyUntil || this.apps?.some(a => a.state === 'starting') === true;
    const delay = busy ? BUSY_RATE_MS : this._settings.refreshRate;
    this._timer = setTimeout(() => void this.refresh(), delay);
  }

  private _settings = DEFAULT_SETTINGS;
  private _visible = false;
  private _disposed = false;
  private _busyUntil = 0;
  private _timer: ReturnType<typeof setTimeout> | undefined;
}
