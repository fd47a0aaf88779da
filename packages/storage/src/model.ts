import type { Storage, StorageList } from '@hotstepper/api';
import { STORAGE_DEFAULT_MAX_OPEN_BYTES, STORAGE_PATHS } from '@hotstepper/api/constants';
import {
  type IPanelModel,
  type IResourceState,
  type MeterLevel,
  ResourcePolls,
  levelOf,
  requestBackend
} from '@hotstepper/core';
import { ServerConnection } from '@jupyterlab/services';
import { type ISignal, Signal } from '@lumino/signaling';
import { type IDriveOptions, StorageDrive } from './drive';

/** The user's settings (schema/panel.json). */
export interface IStorageSettings {
  refreshRate: number;
  showHidden: boolean;
  maxOpenMiB: number;
  warnPercent: number;
  dangerPercent: number;
  notifyFull: boolean;
}

export const DEFAULT_SETTINGS: IStorageSettings = {
  refreshRate: 30_000,
  showHidden: false,
  maxOpenMiB: STORAGE_DEFAULT_MAX_OPEN_BYTES / 1024 / 1024,
  warnPercent: 80,
  dangerPercent: 90,
  notifyFull: true
};

/** The storage that is served by JupyterLab's own drive: its card opens the main file browser. */
export const HOME = 'home';

export namespace StorageModel {
  export interface IOptions {
    serverSettings?: ServerConnection.ISettings;
    visible?: boolean;
  }
}

/** The storages the user can reach, polled while the panel is shown, and a drive for each. */
export class StorageModel implements IPanelModel {
  constructor(options: StorageModel.IOptions = {}) {
    this.serverSettings = options.serverSettings ?? ServerConnection.makeSettings();
    this._polls = new ResourcePolls<{ list: StorageList }>(
      {
        list: {
          factory: () => this._fetch(),
          interval: this._settings.refreshRate
        }
      },
      { name: '@hotstepper/storage:model', visible: options.visible ?? false }
    );
    this._polls.changed.connect(() => {
      const list = this._polls.state('list').value;
      if (list) {
        this._sync(list);
      }
      this._changed.emit();
    });
  }

  readonly serverSettings: ServerConnection.ISettings;

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** A new drive, for the plugin to register with the contents manager. */
  get driveAdded(): ISignal<this, StorageDrive> {
    return this._driveAdded;
  }

  /** A writable storage passed the danger line (once, until it falls below again). */
  get full(): ISignal<this, Storage> {
    return this._full;
  }

  /** The storage whose browser is open in the panel changed. */
  get selectedChanged(): ISignal<this, string | null> {
    return this._selectedChanged;
  }

  get list(): IResourceState<StorageList> {
    return this._polls.state('list');
  }

  get visible(): boolean {
    return this._polls.visible;
  }

  set visible(value: boolean) {
    this._polls.visible = value;
  }

  get settings(): IStorageSettings {
    return this._settings;
  }

  set settings(value: IStorageSettings) {
    const before = this._settings;
    this._settings = value;
    this._polls.setInterval('list', value.refreshRate);
    if (before.showHidden !== value.showHidden) {
      this._settingsChanged.emit();
    }
    this._changed.emit();
  }

  /** Settings that change what a browser shows: it refreshes. */
  get settingsChanged(): ISignal<this, void> {
    return this._settingsChanged;
  }

  get selected(): string | null {
    return this._selected;
  }

  select(name: string | null): void {
    if (name !== this._selected) {
      this._selected = name;
      this._selectedChanged.emit(name);
      this._changed.emit();
    }
  }

  drive(name: string): StorageDrive | undefined {
    return this._drives.get(name);
  }

  /** The storage called `name` in the last list. */
  storage(name: string): Storage | undefined {
    return this.list.value?.storages.find(s => s.name === name);
  }

  /** How full a storage is, coloured by the user's thresholds; null when unknown. */
  level(storage: Storage): { fraction: number | null; level: MeterLevel } {
    const fraction =
      storage.capacity && storage.used !== undefined ? storage.used / storage.capacity : null;
    return {
      fraction,
      level: levelOf(fraction, {
        warnThreshold: this._settings.warnPercent / 100,
        dangerThreshold: this._settings.dangerPercent / 100
      })
    };
  }

  /**
   * Asks now, shown or not: at start-up, so the drives exist before documents are restored;
   * again while the backend starts (`ResourcePolls.load`).
   */
  load(attempts = 1): Promise<void> {
    return this._polls.load('list', attempts);
  }

  refresh(): void {
    this._polls.refresh();
  }

  get isDisposed(): boolean {
    return this._polls.isDisposed;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._polls.dispose();
    for (const drive of this._drives.values()) {
      drive.dispose();
    }
    Signal.clearData(this);
  }

  private _fetch(): Promise<StorageList> {
    return requestBackend<StorageList>(STORAGE_PATHS.list, this.serverSettings);
  }

  private _driveOptions = (): IDriveOptions => ({
    showHidden: this._settings.showHidden,
    maxOpenBytes: Math.round(this._settings.maxOpenMiB * 1024 * 1024)
  });

  private _sync(list: StorageList): void {
    for (const storage of list.storages) {
      if (storage.name !== HOME && !this._drives.has(storage.name)) {
        const drive = new StorageDrive(storage.name, this.serverSettings, this._driveOptions);
        this._drives.set(storage.name, drive);
        this._driveAdded.emit(drive);
      }
      const { level } = this.level(storage);
      if (level === 'danger' && storage.mode === 'rw') {
        if (!this._warned.has(storage.name)) {
          this._warned.add(storage.name);
          if (this._settings.notifyFull) {
            this._full.emit(storage);
          }
        }
      } else {
        this._warned.delete(storage.name);
      }
    }
  }

  private _settings = DEFAULT_SETTINGS;
  private _polls: ResourcePolls<{ list: StorageList }>;
  private _selected: string | null = null;
  private _drives = new Map<string, StorageDrive>();
  private _warned = new Set<string>();
  private _changed = new Signal<this, void>(this);
  private _driveAdded = new Signal<this, StorageDrive>(this);
  private _full = new Signal<this, Storage>(this);
  private _selectedChanged = new Signal<this, string | null>(this);
  private _settingsChanged = new Signal<this, void>(this);
}
