import { loadSettings } from '@hotstepper/core';
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Poll } from '@lumino/polling';
import { addCommands } from './commands';
import type { IWelcomeActions } from './components/WelcomeBack';
import { DEFAULT_SETTINGS, WelcomeModel } from './model';
import { openOverlay } from './overlay';
import { CommandIDs, OtherCommandIDs } from './tokens';

export { CommandIDs } from './tokens';

const PLUGIN_ID = '@hotstepper/welcome:overlay';

/** How often an open, visible page tells the backend it is there. */
const SEEN_INTERVAL_MS = 60_000;

function activate(
  app: JupyterFrontEnd,
  translator: ITranslator | null,
  settingRegistry: ISettingRegistry | null,
  palette: ICommandPalette | null,
  notebooks: INotebookTracker | null
): void {
  const trans = (translator ?? nullTranslator).load('hotstepper');
  const model = new WelcomeModel(app.serviceManager.serverSettings);
  const has = (id: string) => app.commands.hasCommand(id);
  const actions: IWelcomeActions = {
    openCell: (path, count) => void Private.openCell(app, path, count),
    openJob: id =>
      void app.commands.execute(
        has(OtherCommandIDs.openJob) ? OtherCommandIDs.openJob : OtherCommandIDs.openJobs,
        { id }
      ),
    openUsage: () => void app.commands.execute(OtherCommandIDs.openUsage),
    openStorage: name => void app.commands.execute(OtherCommandIDs.browseStorage, { name })
  };
  // Other packages' commands exist only once they activated: ask at render time.
  const liveActions: IWelcomeActions = {
    openCell: actions.openCell,
    get openJob() {
      return has(OtherCommandIDs.openJob) || has(OtherCommandIDs.openJobs)
        ? actions.openJob
        : undefined;
    },
    get openUsage() {
      return has(OtherCommandIDs.openUsage) ? actions.openUsage : undefined;
    },
    get openStorage() {
      return has(OtherCommandIDs.browseStorage) ? actions.openStorage : undefined;
    }
  };
  addCommands(app, { model, actions: liveActions, trans });
  palette?.addItem({ command: CommandIDs.open, category: trans.__('Hotstepper') });

  let registrySettings: ISettingRegistry.ISettings | undefined;
  settingRegistry
    ?.load(PLUGIN_ID)
    .then(s => (registrySettings = s))
    .catch(() => undefined);
  loadSettings(settingRegistry, PLUGIN_ID, DEFAULT_SETTINGS, settings => {
    model.settings = settings;
  });

  // Return detection: the page asks the backend when a page was last open, then says it is.
  const poll = new Poll({
    factory: async () => {
      const since = await model.checkReturn();
      if (since !== undefined) {
        void openOverlay({
          model,
          actions: liveActions,
          trans,
          since,
          onDontShowAgain: () => void registrySettings?.set('showOnReturn', false)
        });
      }
    },
    frequency: { interval: SEEN_INTERVAL_MS, backoff: true, max: 10 * SEEN_INTERVAL_MS },
    name: `${PLUGIN_ID}#seen`,
    standby: 'when-hidden',
    auto: false
  });
  void app.restored.then(() => poll.start());
  // A tab left open in the background comes back: look at once.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') {
      void poll.refresh();
    }
  });

  if (notebooks) {
    Private.reportNotebooks(notebooks, model);
  }
}

/**
 * "What happened while you were away": a summary that opens once when you come back after
 * long enough, and at any time from the command palette.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'The welcome-back summary: cells that finished or failed with no page open, jobs, exposures and kernels while you were away.',
  autoStart: true,
  optional: [ITranslator, ISettingRegistry, ICommandPalette, INotebookTracker],
  activate
};

export default plugin;

namespace Private {
  /** Opens the notebook and, when a cell with that execution count is in it, goes to it. */
  export async function openCell(
    app: JupyterFrontEnd,
    path: string,
    count: number | null
  ): Promise<void> {
    const widget = await app.commands.execute('docmanager:open', { path });
    if (!(widget instanceof NotebookPanel) || count === null) {
      return;
    }
    await widget.context.ready;
    const notebook = widget.content;
    const index = notebook.widgets.findIndex(
      cell =>
        cell.model.type === 'code' &&
        (cell.model as unknown as { executionCount: number | null }).executionCount === count
    );
    if (index >= 0) {
      notebook.activeCellIndex = index;
      await notebook.scrollToItem(index);
    }
  }

  /** Tells the journal when notebooks open, save and close, and when their kernels restart or die. */
  export function reportNotebooks(tracker: INotebookTracker, model: WelcomeModel): void {
    tracker.widgetAdded.connect((_, panel) => {
      const path = () => panel.context.path;
      const kernelId = () => panel.sessionContext.session?.kernel?.id;
      void panel.context.ready.then(() => model.report({ kind: 'document-opened', path: path() }));
      panel.context.saveState.connect((_, state) => {
        if (state === 'completed') {
          model.report({ kind: 'document-saved', path: path() });
        }
      });
      panel.sessionContext.statusChanged.connect((_, status) => {
        if (status === 'restarting' || status === 'dead') {
          const id = kernelId();
          model.report({
            kind: status === 'dead' ? 'kernel-died' : 'kernel-restarted',
            path: path(),
            ...(id ? { kernelId: id } : {})
          });
        }
      });
      panel.disposed.connect(() => model.report({ kind: 'document-closed', path: path() }));
    });
  }
}
