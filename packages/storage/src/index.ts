import { LazyPanel, loadSettings } from '@hotstepper/core';
import {
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Clipboard, ICommandPalette, Notification } from '@jupyterlab/apputils';
import { IFileBrowserFactory } from '@jupyterlab/filebrowser';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { formatPercent } from '@hotstepper/core';
import { followKernel, storageFolder } from './cwd';
import { storageIcon } from './icons';
import { DEFAULT_SETTINGS, HOME, StorageModel } from './model';
import { CommandIDs } from './tokens';
import { askTransfer, runTransfer, storagePath } from './transfer';

export { StorageDrive } from './drive';
export { StorageModel } from './model';
export { CommandIDs } from './tokens';

const PLUGIN_ID = '@hotstepper/storage:panel';

function activate(
  app: JupyterFrontEnd,
  translator: ITranslator | null,
  factory: IFileBrowserFactory | null,
  restorer: ILayoutRestorer | null,
  settingRegistry: ISettingRegistry | null,
  palette: ICommandPalette | null,
  notebooks: INotebookTracker | null
): void {
  translator = translator ?? nullTranslator;
  const trans = translator.load('hotstepper');
  const model = new StorageModel({ serverSettings: app.serviceManager.serverSettings });
  model.driveAdded.connect((_, drive) => app.serviceManager.contents.addDrive(drive));
  model.full.connect((_, storage) => {
    Notification.warning(
      trans.__(
        '%1 is %2 full (%3); free some space before it runs out',
        storage.label,
        formatPercent((storage.used ?? 0) / (storage.capacity ?? 1)),
        storage.path
      ),
      { autoClose: false }
    );
  });

  const { commands, shell } = app;
  // The cards and file browsers are a chunk of their own, fetched the first time the panel shows.
  const sidebar = new LazyPanel({
    load: async () => {
      const { StoragesArea } = await import('./components/StoragesArea');
      return new StoragesArea({
        model,
        trans,
        translator,
        factory,
        onOpen: name => void commands.execute(CommandIDs.browse, { name }),
        onCopyPath: name => void commands.execute(CommandIDs.copyPath, { name }),
        onOpenTerminal: path => void commands.execute(CommandIDs.openTerminal, { path })
      });
    },
    loadingText: trans.__('Loading…'),
    errorText: message => trans.__('The Storages panel could not be loaded: %1', message)
  });
  sidebar.id = 'hs-storage-panel';
  sidebar.title.caption = trans.__('Storages');
  sidebar.title.icon = storageIcon;
  shell.add(sidebar, 'left', { rank: 150 });
  restorer?.add(sidebar, 'hotstepper-storage-panel');

  commands.addCommand(CommandIDs.open, {
    label: trans.__('Show Storages'),
    caption: trans.__('The storages you can reach, with their capacity and access'),
    icon: args => (args.isPalette ? undefined : storageIcon),
    execute: () => shell.activateById(sidebar.id)
  });
  commands.addCommand(CommandIDs.refresh, {
    label: trans.__('Refresh Storages'),
    execute: () => model.refresh()
  });
  commands.addCommand(CommandIDs.browse, {
    label: args =>
      trans.__('Browse %1', model.storage(String(args.name ?? ''))?.label ?? trans.__('Storage')),
    execute: async args => {
      const name = String(args.name ?? '');
      shell.activateById(sidebar.id);
      if (name === HOME) {
        // Home is JupyterLab's own drive: its own file browser shows it.
        model.select(null);
        await commands.execute('filebrowser:activate');
        return;
      }
      await sidebar.load();
      model.select(model.selected === name ? null : name);
    }
  });
  commands.addCommand(CommandIDs.copyPath, {
    label: trans.__('Copy Storage Path'),
    execute: args => {
      const storage = model.storage(String(args.name ?? ''));
      if (storage) {
        Clipboard.copyToSystem(storage.path);
        Notification.info(trans.__('Copied %1', storage.path), { autoClose: 3000 });
      }
    }
  });
  // The file browser commands act on the selection of the browser last used (Home or a storage's).
  const selection = () => [...(factory?.tracker.currentWidget?.selectedItems() ?? [])];
  const transfer = (mode: 'copy' | 'move') => async () => {
    const items = selection();
    const storages = model.list.value?.storages ?? [];
    const asked = items.length
      ? await askTransfer(mode, items[0].path, storages, trans)
      : undefined;
    if (!asked) {
      return;
    }
    // Asked once: the same target and conflict policy for every selected item.
    await Promise.all(
      items.map(item =>
        runTransfer(
          { ...asked, from: storagePath(item.path) },
          app.serviceManager.serverSettings,
          trans
        )
      )
    );
    factory?.tracker.forEach(browser => void browser.model.refresh());
    model.refresh();
  };
  commands.addCommand(CommandIDs.copyTo, {
    label: trans.__('Copy to…'),
    caption: trans.__('Copy to another storage or folder, with progress'),
    isEnabled: () => selection().length > 0,
    execute: transfer('copy')
  });
  commands.addCommand(CommandIDs.moveTo, {
    label: trans.__('Move to…'),
    caption: trans.__(
      'Move to another storage or folder; the source goes once the copy is checked'
    ),
    isEnabled: () => selection().length > 0,
    execute: transfer('move')
  });
  /** A drive path ("scratch:results/a.csv", or Home's "a.csv") on the notebook's machine. */
  const fullPath = (drivePath: string) => {
    const at = storagePath(drivePath);
    const storage = model.storage(at.storage);
    return storage && (at.path ? `${storage.path.replace(/\/+$/, '')}/${at.path}` : storage.path);
  };
  commands.addCommand(CommandIDs.copyItemPath, {
    label: trans.__('Copy Full Path'),
    caption: trans.__('The absolute path on the notebook’s machine, for a terminal or a script'),
    isEnabled: () => selection().length === 1,
    execute: () => {
      const item = selection()[0];
      const full = item && fullPath(item.path);
      if (full) {
        Clipboard.copyToSystem(full);
        Notification.info(trans.__('Copied %1', full), { autoClose: 3000 });
      }
    }
  });
  const terminals = app.serviceManager.terminals;
  commands.addCommand(CommandIDs.openTerminal, {
    label: trans.__('Open Terminal Here'),
    caption: trans.__('A terminal whose working directory is this folder'),
    isVisible: () => terminals.isAvailable() && commands.hasCommand('terminal:open'),
    execute: async args => {
      let path = args.path as string | undefined;
      if (path === undefined) {
        const item = selection().length === 1 ? selection()[0] : undefined;
        path = item
          ? item.type === 'directory'
            ? item.path
            : item.path.replace(/\/?[^/:]*$/, '')
          : factory?.tracker.currentWidget?.model.path;
      }
      const cwd = path !== undefined ? fullPath(path) : undefined;
      if (!cwd) {
        return;
      }
      try {
        // JupyterLab's own command would drop the leading "/" of a folder outside the root.
        const session = await terminals.startNew({ cwd });
        await commands.execute('terminal:open', { name: session.name });
        session.dispose();
      } catch (err) {
        Notification.error(
          trans.__('No terminal could be opened in %1: %2', cwd, (err as Error).message)
        );
      }
    }
  });
  const itemSelector = '.jp-DirListing-item[data-isdir]';
  app.contextMenu.addItem({ command: CommandIDs.copyTo, selector: itemSelector, rank: 4.1 });
  app.contextMenu.addItem({ command: CommandIDs.moveTo, selector: itemSelector, rank: 4.2 });
  app.contextMenu.addItem({ command: CommandIDs.copyItemPath, selector: itemSelector, rank: 14.1 });
  app.contextMenu.addItem({
    command: CommandIDs.openTerminal,
    selector: '.jp-DirListing-item[data-isdir="true"]',
    rank: 14.2
  });

  const category = trans.__('Hotstepper');
  palette?.addItem({ command: CommandIDs.open, category });
  palette?.addItem({ command: CommandIDs.refresh, category });
  palette?.addItem({ command: CommandIDs.copyTo, category });
  palette?.addItem({ command: CommandIDs.moveTo, category });

  loadSettings(settingRegistry, PLUGIN_ID, DEFAULT_SETTINGS, settings => {
    model.settings = settings;
  });
  // A notebook opened from a storage runs in its own folder there.
  notebooks?.widgetAdded.connect((_, panel) => {
    const contents = app.serviceManager.contents;
    followKernel(panel.sessionContext, () => storageFolder(panel.context.path, contents, model));
  });

  // Not awaited: the drives appear once the backend answers.
  void model.load(6);
}

/** The Storages panel, and a JupyterLab drive per storage. */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'A left-sidebar panel of every storage the notebook can reach, with capacity and access, each browsable as a JupyterLab drive.',
  autoStart: true,
  optional: [
    ITranslator,
    IFileBrowserFactory,
    ILayoutRestorer,
    ISettingRegistry,
    ICommandPalette,
    INotebookTracker
  ],
  activate
};

export default plugin;
