import type {
  Storage,
  Transfer,
  TransferConflict,
  TransferMode,
  TransferRequest
} from '@hotstepper/api';
import { STORAGE_PATHS } from '@hotstepper/api/constants';
import { formatBytes, requestBackend, streamEvents } from '@hotstepper/core';
import { Dialog, Notification } from '@jupyterlab/apputils';
import type { ServerConnection } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import { HOME } from './model';

/** A file browser path ("scratch:data/a.csv", or "data/a.csv" in Home) as a storage and a path. */
export function storagePath(path: string): { storage: string; path: string } {
  const colon = path.indexOf(':');
  const slash = path.indexOf('/');
  return colon > 0 && (slash < 0 || colon < slash)
    ? { storage: path.slice(0, colon), path: path.slice(colon + 1) }
    : { storage: HOME, path };
}

/** What the dialog asks: where to and what to do with a name already taken. */
export interface ITransferChoice {
  storage: string;
  folder: string;
  conflict: TransferConflict;
}

/** The storages a copy may go to: those that can be reached and written. */
export function transferTargets(storages: Storage[]): Storage[] {
  return storages.filter(s => s.available && s.mode === 'rw');
}

/** The body of the Copy to… / Move to… dialog. */
export class TransferForm extends Widget implements Dialog.IBodyWidget<ITransferChoice> {
  constructor(targets: Storage[], trans: TranslationBundle, initial?: string) {
    super();
    this.addClass('hs-TransferForm');
    const field = (label: string, control: HTMLElement) => {
      const row = document.createElement('label');
      row.className = 'hs-TransferForm-field';
      const text = document.createElement('span');
      text.textContent = label;
      row.append(text, control);
      this.node.append(row);
    };
    this._storage = document.createElement('select');
    this._storage.className = 'jp-mod-styled';
    for (const s of targets) {
      this._storage.append(new Option(`${s.label} — ${s.path}`, s.name, false, s.name === initial));
    }
    field(trans.__('Storage'), this._storage);
    this._folder = document.createElement('input');
    this._folder.className = 'jp-mod-styled';
    this._folder.placeholder = trans.__('its top folder');
    field(trans.__('Folder in it'), this._folder);
    this._conflict = document.createElement('select');
    this._conflict.className = 'jp-mod-styled';
    this._conflict.append(
      new Option(trans.__('Skip it'), 'skip'),
      new Option(trans.__('Overwrite it'), 'overwrite'),
      new Option(trans.__('Keep both (name the copy "…-Copy1")'), 'keep-both')
    );
    field(trans.__('If the name is taken there'), this._conflict);
  }

  getValue(): ITransferChoice {
    return {
      storage: this._storage.value,
      folder: this._folder.value.trim().replace(/^\/+|\/+$/g, ''),
      conflict: this._conflict.value as TransferConflict
    };
  }

  private _storage: HTMLSelectElement;
  private _folder: HTMLInputElement;
  private _conflict: HTMLSelectElement;
}

/** Asks where to copy or move `path` to; undefined when cancelled or nowhere is writable. */
export async function askTransfer(
  mode: TransferMode,
  path: string,
  storages: Storage[],
  trans: TranslationBundle
): Promise<TransferRequest | undefined> {
  const targets = transferTargets(storages);
  if (targets.length === 0) {
    Notification.warning(trans.__('No storage you can write to is reachable now'));
    return undefined;
  }
  const from = storagePath(path);
  const name = from.path.split('/').pop() ?? from.path;
  const result = await new Dialog({
    title: mode === 'copy' ? trans.__('Copy "%1" to…', name) : trans.__('Move "%1" to…', name),
    body: new TransferForm(targets, trans, targets.find(t => t.name !== from.storage)?.name),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.okButton({ label: mode === 'copy' ? trans.__('Copy') : trans.__('Move') })
    ]
  }).launch();
  if (!result.button.accept || !result.value) {
    return undefined;
  }
  return {
    from,
    to: { storage: result.value.storage, path: result.value.folder },
    mode,
    conflict: result.value.conflict
  };
}

function describe(t: Transfer, trans: TranslationBundle): string {
  return trans.__(
    '%1 %2: %3 of %4 files, %5 of %6',
    t.mode === 'copy' ? trans.__('Copying') : trans.__('Moving'),
    t.from.path,
    t.filesDone,
    t.filesTotal,
    formatBytes(t.bytesDone),
    formatBytes(t.bytesTotal)
  );
}

/**
 * Starts a transfer and shows it as a notification with its progress and a Cancel action,
 * following the backend's event stream; resolves with how it ended.
 */
export async function runTransfer(
  request: TransferRequest,
  serverSettings: ServerConnection.ISettings,
  trans: TranslationBundle
): Promise<Transfer | undefined> {
  let transfer: Transfer;
  try {
    transfer = await requestBackend<Transfer>(STORAGE_PATHS.transfers, serverSettings, {
      method: 'POST',
      body: JSON.stringify(request)
    });
  } catch (err) {
    Notification.error((err as Error).message, { autoClose: false });
    return undefined;
  }
  const cancel = {
    label: trans.__('Cancel'),
    caption: trans.__('Stop; nothing is left under the target name'),
    callback: (event: Event) => {
      event.preventDefault();
      void requestBackend(STORAGE_PATHS.transfer(transfer.id), serverSettings, {
        method: 'DELETE'
      });
    }
  };
  const id = Notification.emit(describe(transfer, trans), 'in-progress', {
    autoClose: false,
    progress: 0,
    actions: [cancel]
  });
  try {
    await streamEvents(STORAGE_PATHS.transferEvents(transfer.id), serverSettings, {
      onEvent: event => {
        if (event.event === 'transfer') {
          transfer = JSON.parse(event.data) as Transfer;
          if (transfer.state === 'running') {
            Notification.update({
              id,
              message: describe(transfer, trans),
              progress: transfer.bytesTotal ? transfer.bytesDone / transfer.bytesTotal : 0,
              actions: [cancel]
            });
          }
        }
      }
    });
  } catch (err) {
    Notification.update({ id, message: (err as Error).message, type: 'error', actions: [] });
    return undefined;
  }
  const where = `${transfer.to.storage}:${transfer.target ?? transfer.to.path}`;
  const ended: Record<Transfer['state'], [string, Notification.TypeOptions]> = {
    running: [describe(transfer, trans), 'in-progress'],
    done: [
      transfer.mode === 'copy'
        ? trans.__('Copied %1 to %2', transfer.from.path, where)
        : trans.__('Moved %1 to %2', transfer.from.path, where),
      'success'
    ],
    skipped: [transfer.message ?? trans.__('Skipped'), 'info'],
    cancelled: [transfer.message ?? trans.__('Cancelled'), 'warning'],
    failed: [transfer.message ?? trans.__('The transfer failed'), 'error']
  };
  const [message, type] = ended[transfer.state];
  Notification.update({
    id,
    message,
    type,
    ...(transfer.state === 'done' ? { progress: 1 } : {}),
    actions: [],
    autoClose: type === 'success' || type === 'info' ? 5000 : false
  });
  return transfer;
}
