import type { App } from '@hotstepper/api';
import { LazyPanel, loadSettings } from '@hotstepper/core';
import {
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { URLExt } from '@jupyterlab/coreutils';
import { ILauncher } from '@jupyterlab/launcher';
import { ServerConnection } from '@jupyterlab/services';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import type { IDisposable } from '@lumino/disposable';
import { appIcon, appsIcon, hasOwnIcon, registerIcon, unavailableIcon } from './icons';
import { AppsModel, DEFAULT_SETTINGS } from './model';
import { CommandIDs } from './tokens';

export { AppsModel } from './model';
export { CommandIDs } from './tokens';

const PLUGIN_ID = '@hotstepper/apps:panel';

/** Fetches the SVG icon jupyter-server-proxy serves for an app we have no icon of. */
async function fetchIcon(app: App, settings: ServerConnection.ISettings): Promise<void> {
  if (!app.iconPath || hasOwnIcon(app.name)) {
    return;
  }
  const url = URLExt.join(settings.baseUrl, app.iconPath);
  const res = await ServerConnection.makeRequest(url, {}, settings);
  const text = res.ok ? await res.text() : '';
  if (text.includes('<svg')) {
    registerIcon(app.name, text);
  }
}

function activate(
  app: JupyterFrontEnd,
  translator: ITranslator | null,
  restorer: ILayoutRestorer | null,
  settingRegistry: ISettingRegistry | null,
  palette: ICommandPalette | null,
  launcher: ILauncher | null
): void {
  const trans = (translator ?? nullTranslator).load('hotstepper');
  const { commands, shell } = app;
  const serverSettings = app.serviceManager.serverSettings;
  const model = new AppsModel({ serverSettings });

  // The panel is a chunk of its own, fetched the first time it shows.
  const sidebar = new LazyPanel({
    load: async () => {
      const { AppsArea } = await import('./components/AppsArea');
      return new AppsArea({ model, trans });
    },
    loadingText: trans.__('Loading…'),
    errorText: message => trans.__('The Apps panel could not be loaded: %1', message)
  });
  sidebar.id = 'hs-apps-panel';
  sidebar.title.caption = trans.__('Apps');
  sidebar.title.icon = appsIcon;
  shell.add(sidebar, 'left', { rank: 160 });
  restorer?.add(sidebar, 'hotstepper-apps-panel');

  const named = (args: { name?: unknown }) => model.app(String(args.name ?? ''));
  commands.addCommand(CommandIDs.open, {
    label: trans.__('Show Apps'),
    caption: trans.__('The platform apps of this image, with start, stop and restart'),
    icon: args => (args.isPalette ? undefined : appsIcon),
    execute: () => shell.activateById(sidebar.id)
  });
  commands.addCommand(CommandIDs.refresh, {
    label: trans.__('Refresh Apps'),
    execute: () => model.refresh()
  });
  commands.addCommand(CommandIDs.launch, {
    label: args => named(args)?.title ?? trans.__('Open App'),
    caption: args => {
      const found = named(args);
      if (!found) {
        return trans.__('Open a platform app in a new tab');
      }
      return found.installed
        ? trans.__('Open %1 in a new tab (it starts if need be)', found.title)
        : `${found.title}: ${found.reason ?? trans.__('not installed')}`;
    },
    icon: args =>
      args.isPalette
        ? undefined
        : named(args)?.installed === false
          ? unavailableIcon(String(args.name))
          : appIcon(String(args.name ?? '')),
    execute: args => {
      const found = named(args);
      if (!found) {
        return;
      }
      if (!found.installed) {
        Notification.warning(`${found.title}: ${found.reason ?? trans.__('not installed')}`, {
          autoClose: 8000
        });
        return;
      }
      model.open(found.name);
    }
  });
  const act = (action: 'stop' | 'restart') => async (args: { name?: unknown }) => {
    const found = named(args);
    if (found) {
      await model.act(found.name, action);
      const failure = model.failures.get(found.name);
      if (failure) {
        Notification.error(failure, { autoClose: 8000 });
      }
    }
  };
  commands.addCommand(CommandIDs.stop, {
    label: args => trans.__('Stop %1', named(args)?.title ?? trans.__('App')),
    isEnabled: args => ['running', 'starting'].includes(named(args)?.state ?? ''),
    execute: act('stop')
  });
  commands.addCommand(CommandIDs.restart, {
    label: args => trans.__('Restart %1', named(args)?.title ?? trans.__('App')),
    isEnabled: args => named(args)?.installed === true,
    execute: act('restart')
  });

  const category = trans.__('Hotstepper');
  palette?.addItem({ command: CommandIDs.open, category });
  palette?.addItem({ command: CommandIDs.refresh, category });

  // The launcher's section and the palette's per-app commands, once the apps are known.
  let tiles: IDisposable[] = [];
  const addTiles = (apps: App[]) => {
    tiles.forEach(t => t.dispose());
    tiles = [];
    if (!model.settings.showInLauncher || !launcher) {
      return;
    }
    // What can be started first (the section takes the first tile's icon).
    const ordered = [...apps.filter(a => a.installed), ...apps.filter(a => !a.installed)];
    ordered.forEach((found, rank) =>
      tiles.push(
        launcher.add({
          command: CommandIDs.launch,
          args: { name: found.name },
          category: trans.__('Platform apps'),
          rank
        })
      )
    );
  };
  model.loaded.connect(async (_, apps) => {
    await Promise.all(apps.map(a => fetchIcon(a, serverSettings).catch(() => undefined)));
    addTiles(apps);
    for (const found of apps.filter(a => a.installed)) {
      const args = { name: found.name };
      palette?.addItem({ command: CommandIDs.launch, args, category });
      palette?.addItem({ command: CommandIDs.stop, args, category });
      palette?.addItem({ command: CommandIDs.restart, args, category });
    }
  });

  loadSettings(settingRegistry, PLUGIN_ID, DEFAULT_SETTINGS, settings => {
    const launcherChanged = settings.showInLauncher !== model.settings.showInLauncher;
    model.settings = settings;
    if (launcherChanged && model.apps) {
      addTiles(model.apps);
    }
  });
  // Not awaited: the tiles appear once the backend answers.
  void model.refresh();
}

/** The Apps panel and the launcher's "Platform apps" section. */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'A left-sidebar panel of the platform apps of this image (desktop, VS Code, TensorBoard, RStudio, MATLAB) with their state, Open, Stop and Restart, and a launcher section.',
  autoStart: true,
  optional: [ITranslator, ILayoutRestorer, ISettingRegistry, ICommandPalette, ILauncher],
  activate
};

export default plugin;
