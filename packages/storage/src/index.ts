import { loadSettings } from '@hotstepper/core';
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
import { StorageSidebar } from './sidebar';
import { CommandIDs } from './tokens';

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
  const sidebar = new StorageSidebar({
    model,
    trans,
    translator,
    factory,
    onOpen: name => void commands.execute(CommandIDs.browse, { name }),
    onCopyPath: name => void commands.execute(CommandIDs.copyPath, { name })
  });
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
      await sidebar.content();
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
  const category = trans.__('Hotstepper');
  palette?.addItem({ command: CommandIDs.open, category });
  palette?.addItem({ command: CommandIDs.refresh, category });

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
