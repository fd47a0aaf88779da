import { loadSettings } from '@hotstepper/core';
import {
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { IRunningSessionManagers } from '@jupyterlab/running';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { addCommands } from './commands';
import { FlareStatusItem } from './components/FlareStatus';
import { EXPIRY_CHOICES } from './format';
import { DEFAULT_SETTINGS, FlareModel } from './model';
import { RunningExposures } from './running';
import { flareSidebar } from './sidebar';
import { CommandIDs, IFlareModel } from './tokens';

export { FlareModel } from './model';
export { CommandIDs, IFlareModel } from './tokens';

const PANEL_PLUGIN_ID = '@hotstepper/flare:panel';
const STATUS_PLUGIN_ID = '@hotstepper/flare:status-item';

function activatePanel(
  app: JupyterFrontEnd,
  translator: ITranslator | null,
  restorer: ILayoutRestorer | null,
  settingRegistry: ISettingRegistry | null,
  palette: ICommandPalette | null,
  running: IRunningSessionManagers | null
): FlareModel {
  const trans = (translator ?? nullTranslator).load('hotstepper');
  const model = new FlareModel({
    serverSettings: app.serviceManager.serverSettings,
    storage: Private.storage()
  });

  // The views load when the panel is first shown (a chunk of their own).
  const panel = flareSidebar(model, trans);
  app.shell.add(panel, 'right', { rank: 600 });
  restorer?.add(panel, 'hotstepper-flare-panel');
  running?.add(
    new RunningExposures(model, trans, () => void app.commands.execute(CommandIDs.open))
  );

  addCommands(app, { model, panel, trans });
  const category = trans.__('Hotstepper');
  palette?.addItem({ command: CommandIDs.open, category });
  palette?.addItem({ command: CommandIDs.expose, category });

  model.expired.connect((_, expired) => {
    for (const e of expired) {
      Notification.info(
        trans.__("Exposure '%1' (port %2) expired and was removed", e.name, e.port),
        { autoClose: false }
      );
    }
  });

  loadSettings(settingRegistry, PANEL_PLUGIN_ID, DEFAULT_SETTINGS, settings => {
    const known = EXPIRY_CHOICES.includes(settings.defaultExpiry);
    model.settings = known
      ? settings
      : { ...settings, defaultExpiry: DEFAULT_SETTINGS.defaultExpiry };
  });
  return model;
}

function activateStatusItem(
  app: JupyterFrontEnd,
  model: FlareModel,
  statusBar: IStatusBar | null,
  translator: ITranslator | null
): void {
  if (!statusBar) {
    return;
  }
  const trans = (translator ?? nullTranslator).load('hotstepper');
  const item = new FlareStatusItem(model, trans, () => void app.commands.execute(CommandIDs.open));
  statusBar.registerStatusItem(STATUS_PLUGIN_ID, { item, align: 'left', rank: 5 });
}

/** The flare sidebar: listening ports, exposures and the expose form. */
const panelPlugin: JupyterFrontEndPlugin<FlareModel> = {
  id: PANEL_PLUGIN_ID,
  description:
    'A right-sidebar panel listing the ports your processes listen on and the web apps exposed at public addresses, with the form to expose one.',
  autoStart: true,
  provides: IFlareModel,
  optional: [
    ITranslator,
    ILayoutRestorer,
    ISettingRegistry,
    ICommandPalette,
    IRunningSessionManagers
  ],
  activate: activatePanel
};

/** "Expose" in the status bar, with the number of exposures; opens the panel. */
const statusItemPlugin: JupyterFrontEndPlugin<void> = {
  id: STATUS_PLUGIN_ID,
  description: 'An "Expose" item in the status bar with the number of exposures.',
  autoStart: true,
  requires: [IFlareModel],
  optional: [IStatusBar, ITranslator],
  activate: activateStatusItem
};

export default [panelPlugin, statusItemPlugin];

namespace Private {
  /** localStorage, or none where the browser blocks it. */
  export function storage(): Storage | null {
    try {
      return window.localStorage;
    } catch {
      return null;
    }
  }
}
