import type { SshKeyList, SshStatus } from '@hotstepper/api';
import { SSH_PATHS } from '@hotstepper/api/constants';
import { type IResourceState, ResourcePolls, requestBackend } from '@hotstepper/core';
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import type { IDisposable } from '@lumino/disposable';
import { type ISignal, Signal } from '@lumino/signaling';

export namespace SshModel {
  export interface IOptions {
    serverSettings?: ServerConnection.ISettings;
    /** Milliseconds between refreshes while shown. Default 30 s. */
    interval?: number;
  }
}

/** What the last action did, for a person: shown under the keys until the next one. */
export interface ISshNotice {
  kind: 'error' | 'done';
  text: string;
}

/**
 * The SSH card's state: the server and its host keys, the managed authorized_keys (refreshed
 * while shown: the file may be edited by hand too), and the add / remove / keep actions.
 */
export class SshModel implements IDisposable {
  constructor(options: SshModel.IOptions = {}) {
    this.serverSettings = options.serverSettings ?? ServerConnection.makeSettings();
    const interval = options.interval ?? 30_000;
    this._polls = new ResourcePolls<{ status: SshStatus; keys: SshKeyList }>(
      {
        status: { factory: () => requestBackend(SSH_PATHS.status, this.serverSettings), interval },
        keys: { factory: () => requestBackend(SSH_PATHS.keys, this.serverSettings), interval }
      },
      { name: '@hotstepper/apps:ssh', visible: true }
    );
    this._polls.changed.connect(() => this._changed.emit());
  }

  readonly serverSettings: ServerConnection.ISettings;

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The newer of the last poll and the last action's answer. */
  get status(): IResourceState<SshStatus> {
    return newer(this._polls.state('status'), this._status);
  }

  get keys(): IResourceState<SshKeyList> {
    return newer(this._polls.state('keys'), this._edited);
  }

  /** An action is under way: the buttons wait. */
  get busy(): boolean {
    return this._busy;
  }

  get notice(): ISshNotice | undefined {
    return this._notice;
  }

  /** The full URL of SSH over HTTPS, for the ProxyCommand. */
  tunnelUrl(path: string): string {
    return URLExt.join(this.serverSettings.baseUrl, path);
  }

  /** Adds the public key line(s) in `text`; the backend checks them (ssh-keygen) first. */
  addKeys(text: string): Promise<boolean> {
    return this._act(async () => {
      const list = await requestBackend<SshKeyList>(SSH_PATHS.keys, this.serverSettings, {
        method: 'POST',
        body: JSON.stringify({ text })
      });
      this._edited = { value: list, at: Date.now() };
      return 'added';
    });
  }

  removeKey(fingerprint: string): Promise<boolean> {
    return this._act(async () => {
      const list = await requestBackend<SshKeyList>(
        SSH_PATHS.key(fingerprint),
        this.serverSettings,
        { method: 'DELETE' }
      );
      this._edited = { value: list, at: Date.now() };
      return 'removed';
    });
  }

  keepHostKeys(): Promise<boolean> {
    return this._act(async () => {
      const status = await requestBackend<SshStatus>(SSH_PATHS.keepHostKeys, this.serverSettings, {
        method: 'POST'
      });
      this._status = { value: status, at: Date.now() };
      return 'kept';
    });
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
    Signal.clearData(this);
  }

  private async _act(work: () => Promise<'added' | 'removed' | 'kept'>): Promise<boolean> {
    this._busy = true;
    this._notice = undefined;
    this._changed.emit();
    try {
      const done = await work();
      this._notice = { kind: 'done', text: done };
      return true;
    } catch (err) {
      this._notice = { kind: 'error', text: (err as Error).message };
      return false;
    } finally {
      this._busy = false;
      if (!this.isDisposed) {
        this._changed.emit();
      }
    }
  }

  private readonly _polls: ResourcePolls<{ status: SshStatus; keys: SshKeyList }>;
  private _edited?: IAnswered<SshKeyList>;
  private _status?: IAnswered<SshStatus>;
  private _busy = false;
  private _notice?: ISshNotice;
  private readonly _changed = new Signal<this, void>(this);
}

/** What an action answered, and when. */
interface IAnswered<T> {
  value: T;
  at: number;
}

function newer<T>(polled: IResourceState<T>, answered?: IAnswered<T>): IResourceState<T> {
  return answered && answered.at > (polled.updatedAt ?? 0)
    ? { value: answered.value, loading: false, stale: false, updatedAt: answered.at }
    : polled;
}
