import { LazyPanel } from '@hotstepper/core';
import {
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { appsIcon } from './icons';
import { CommandIDs } from './tokens';

export { CommandIDs } from './tokens';

const PLUGIN_ID = '@hotstepper/apps:panel';

function activate(
  app: JupyterFrontEnd,
  translator: ITranslator | null,
  restorer: ILayoutRestorer | null,
  settingRegistry: ISettingRegistry | null,
  palette: ICommandPalette | null
): void {
  void settingRegistry;
  const trans = (translator ?? nullTranslator).load('hotstepper');
  const { commands, shell } = app;
  // The panel is a chunk of its own, fetched the first time it shows.
  const sidebar = new LazyPanel({
    load: async () => {
      const { AppsArea } = await import('./components/AppsArea');
      return new AppsArea({ trans });
    },
    loadingText: trans.__('Loading…'),
    errorText: message => trans.__('The Apps panel could not be loaded: %1', message)
  });
  sidebar.id = 'hs-apps-panel';
  sidebar.title.caption = trans.__('Apps');
  sidebar.title.icon = appsIcon;
  shell.add(sidebar, 'left', { rank: 160 });
  restorer?.add(sidebar, 'hotstepper-apps-panel');

  commands.addCommand(CommandIDs.open, {
    label: trans.__('Show Apps'),
    caption: trans.__('The platform apps of this image, with start, stop and restart'),
    icon: args => (args.isPalette ? undefined : appsIcon),
    execute: () => shell.activateById(sidebar.id)
  });
  palette?.addItem({ command: CommandIDs.open, category: trans.__('Hotstepper') });
}

/** The Apps panel and the launcher's "Platform apps" section. */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'A left-sidebar panel of the platform apps of this image (desktop, VS Code, TensorBoard, RStudio, MATLAB) with their state, Open, Stop and Restart.',
  autoStart: true,
  optional: [ITranslator, ILayoutRestorer, ISettingRegistry, ICommandPalette],
  activate
};

export default plugin;
