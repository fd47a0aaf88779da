/**
 * The idle warning, and (with `idle.enforce: hub`) the save-all request
 * before a stop, both driven by the model's idle status.
 */
import { Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Widget } from '@lumino/widgets';
import { IdleNotifier } from './idle';
import type { UsageModel } from './model';
import { SaveAllListener, saveOpenDocuments } from './saveAll';

export interface IIdleWatchOptions {
  model: UsageModel;
  trans: TranslationBundle;
  /** Where the open documents are. */
  documents: () => Iterable<Widget>;
  openPanel: () => void;
}

/** Connects the notifier and the save-all listener to the model; returns the notifier. */
export function watchIdle(options: IIdleWatchOptions): IdleNotifier {
  const { model, trans } = options;
  const notifier = new IdleNotifier({ trans, openPanel: options.openPanel, storage: storage() });
  const saveAll = new SaveAllListener({
    serverSettings: model.serverSettings,
    save: () => saveOpenDocuments(options.documents()),
    onSaved: (_request, result) => {
      if (result.failed.length) {
        Notification.error(
          trans.__(
            'This server is being stopped for being idle. Could not save: %1',
            result.failed.map(f => f.path).join(', ')
          ),
          { autoClose: false }
        );
      } else {
        Notification.warning(
          trans.__(
            'This server is being stopped for being idle; %1 open documents were saved.',
            result.saved.length
          ),
          { autoClose: false }
        );
      }
    }
  });
  model.idleChanged.connect((_, status) => {
    notifier.update(status);
    if (status.enabled && status.enforce === 'hub') {
      saveAll.start();
    } else {
      saveAll.stop();
    }
  });
  return notifier;
}

/** localStorage, or none where the browser blocks it. */
function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
