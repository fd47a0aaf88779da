import type { Checkpoint, ContentsModel, CreateRequest, SaveRequest } from '@hotstepper/api';
import { STORAGE_PATHS } from '@hotstepper/api/constants';
import { BACKEND_PATH, requestBackend } from '@hotstepper/core';
import { URLExt } from '@jupyterlab/coreutils';
import { type Contents, ServerConnection } from '@jupyterlab/services';
import { type ISignal, Signal } from '@lumino/signaling';

/** How many entries of a folder one request brings: a big folder comes in several. */
export const PAGE_SIZE = 2000;

/** What the user's settings change in a drive. */
export interface IDriveOptions {
  showHidden: boolean;
  /** Files larger than this are offered for download instead of opened. */
  maxOpenBytes: number;
}

/**
 * One storage as a JupyterLab drive (`contents.addDrive`): paths are relative to the storage,
 * the backend confines them and refuses writes to a read-only storage with the reason.
 */
export class StorageDrive implements Contents.IDrive {
  constructor(
    /** The storage's name on the backend; also the drive's name (the path prefix "<name>:"). */
    readonly name: string,
    readonly serverSettings: ServerConnection.ISettings,
    private readonly options: () => IDriveOptions
  ) {}

  get fileChanged(): ISignal<this, Contents.IChangedArgs> {
    return this._fileChanged;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    this._isDisposed = true;
    Signal.clearData(this);
  }

  private _call<T>(path: string, init: RequestInit = {}): Promise<T> {
    return requestBackend<T>(path, this.serverSettings, init);
  }

  private _query(path: string, extra: Record<string, string | number | undefined> = {}): string {
    const params = new URLSearchParams({ path });
    for (const [key, value] of Object.entries(extra)) {
      if (value !== undefined) {
        params.set(key, String(value));
      }
    }
    return `?${params.toString()}`;
  }

  async get(localPath: string, options: Contents.IFetchOptions = {}): Promise<Contents.IModel> {
    const { showHidden, maxOpenBytes } = this.options();
    const base = STORAGE_PATHS.contents(this.name);
    const query = (offset?: number) =>
      this._query(localPath, {
        content: options.content === false ? '0' : '1',
        type: options.type,
        format: options.format ?? undefined,
        hidden: showHidden ? '1' : undefined,
        maxBytes: maxOpenBytes,
        offset,
        limit: PAGE_SIZE
      });
    const first = await this._call<ContentsModel>(`${base}${query()}`);
    if (first.type !== 'directory' || !Array.isArray(first.content)) {
      return first as unknown as Contents.IModel;
    }
    // A big folder: the rest of its pages, in order.
    const entries = [...(first.content as ContentsModel[])];
    while (first.total !== undefined && entries.length < first.total) {
      const page = await this._call<ContentsModel>(`${base}${query(entries.length)}`);
      const more = (page.content ?? []) as ContentsModel[];
      if (more.length === 0) {
        break;
      }
      entries.push(...more);
    }
    return { ...first, content: entries } as unknown as Contents.IModel;
  }

  async getDownloadUrl(localPath: string): Promise<string> {
    const url = URLExt.join(
      this.serverSettings.baseUrl,
      BACKEND_PATH,
      STORAGE_PATHS.download(this.name)
    );
    const token = this.serverSettings.token;
    const auth =
      this.serverSettings.appendToken && token ? `&token=${encodeURIComponent(token)}` : '';
    return `${url}${this._query(localPath)}${auth}`;
  }

  async newUntitled(options: Contents.ICreateOptions = {}): Promise<Contents.IModel> {
    const body: CreateRequest = { type: (options.type ?? 'file') as CreateRequest['type'] };
    if (options.ext) {
      body.ext = options.ext.startsWith('.') ? options.ext : `.${options.ext}`;
    }
    const model = await this._call<Contents.IModel>(
      `${STORAGE_PATHS.contents(this.name)}${this._query(options.path ?? '')}`,
      { method: 'POST', body: JSON.stringify(body) }
    );
    this._fileChanged.emit({ type: 'new', oldValue: null, newValue: model });
    return model;
  }

  async delete(localPath: string): Promise<void> {
    await this._call(`${STORAGE_PATHS.contents(this.name)}${this._query(localPath)}`, {
      method: 'DELETE'
    });
    this._fileChanged.emit({ type: 'delete', oldValue: { path: localPath }, newValue: null });
  }

  async rename(oldLocalPath: string, newLocalPath: string): Promise<Contents.IModel> {
    const model = await this._call<Contents.IModel>(STORAGE_PATHS.rename(this.name), {
      method: 'POST',
      body: JSON.stringify({ path: oldLocalPath, to: newLocalPath })
    });
    this._fileChanged.emit({ type: 'rename', oldValue: { path: oldLocalPath }, newValue: model });
    return model;
  }

  async save(localPath: string, options: Partial<Contents.IModel> = {}): Promise<Contents.IModel> {
    const body: SaveRequest = {
      type: (options.type ?? 'file') as SaveRequest['type'],
      format: options.format ?? null,
      content: options.content
    };
    if (options.chunk !== undefined) {
      body.chunk = options.chunk;
    }
    const model = await this._call<Contents.IModel>(
      `${STORAGE_PATHS.contents(this.name)}${this._query(localPath)}`,
      { method: 'PUT', body: JSON.stringify(body) }
    );
    // Chunks in the middle of an upload are not yet a file anyone should see.
    if (options.chunk === undefined || options.chunk === -1) {
      this._fileChanged.emit({ type: 'save', oldValue: null, newValue: model });
    }
    return model;
  }

  async copy(localPath: string, toLocalDir: string): Promise<Contents.IModel> {
    const model = await this._call<Contents.IModel>(STORAGE_PATHS.copy(this.name), {
      method: 'POST',
      body: JSON.stringify({ path: localPath, to: toLocalDir })
    });
    this._fileChanged.emit({ type: 'new', oldValue: null, newValue: model });
    return model;
  }

  createCheckpoint(localPath: string): Promise<Contents.ICheckpointModel> {
    return this._call<Checkpoint>(
      `${STORAGE_PATHS.checkpoints(this.name)}${this._query(localPath)}`,
      { method: 'POST' }
    );
  }

  listCheckpoints(localPath: string): Promise<Contents.ICheckpointModel[]> {
    return this._call<Checkpoint[]>(
      `${STORAGE_PATHS.checkpoints(this.name)}${this._query(localPath)}`
    );
  }

  async restoreCheckpoint(localPath: string, checkpointID: string): Promise<void> {
    await this._call(
      `${STORAGE_PATHS.checkpoint(this.name, checkpointID)}${this._query(localPath)}`,
      { method: 'POST' }
    );
  }

  async deleteCheckpoint(localPath: string, checkpointID: string): Promise<void> {
    await this._call(
      `${STORAGE_PATHS.checkpoint(this.name, checkpointID)}${this._query(localPath)}`,
      { method: 'DELETE' }
    );
  }

  private _fileChanged = new Signal<this, Contents.IChangedArgs>(this);
  private _isDisposed = false;
}
