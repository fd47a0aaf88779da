import { type JupyterFrontEnd, type JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { UsageStatusItem } from './components/UsageStatus';
import { DEFAULT_SETTINGS, type IUsageSettings, UsageModel } from './model';

export { UsageModel } from './model';

namespace CommandIDs {
  export const refresh = 'hotstepper-usage:refresh';
}

const PLUGIN_ID = '@hotstepper/usage:status-item';

function readSettings(settings: ISettingRegistry.ISettings): IUsageSettings {
  const get = <K extends keyof IUsageSettings>(key: K) =>
    (settings.get(key).composite as IUsageSettings[K] | undefined) ?? DEFAULT_SETTINGS[key];
  const dangerThreshold = get('dangerThreshold');
  return {
    refreshRate: get('refreshRate'),
    // A warning above the danger line would never show.
    warnThreshold: Math.min(get('warnThreshold'), dangerThreshold),
    dangerThreshold
  };
}

function activate(
  app: JupyterFrontEnd,
  statusBar: IStatusBar,
  translator: ITranslator | null,
  settingRegistry: ISettingRegistry | null,
  palette: ICommandPalette | null
): void {
  const trans = (translator ?? nullTranslator).load('hotstepper');
  const model = new UsageModel(app.serviceManager.serverSettings);

  const item = new UsageStatusItem(model, trans);
  item.node.addEventListener('click', () => void app.commands.execute(CommandIDs.refresh));
  statusBar.registerStatusItem(PLUGIN_ID, { item, align: 'left', rank: 4 });

  app.commands.addCommand(CommandIDs.refresh, {
    label: trans.__('Refresh Usage Now'),
    caption: trans.__("Take a new reading of this notebook's CPU and memory"),
    execute: () => model.refresh()
  });
  palette?.addItem({ command: CommandIDs.refresh, category: trans.__('Hotstepper') });

  // Not awaited: activation must not wait on the settings or the network.
  settingRegistry
    ?.load(PLUGIN_ID)
    .then(settings => {
      model.settings = readSettings(settings);
      settings.changed.connect(() => (model.settings = readSettings(settings)));
    })
    .catch(reason => console.error(`${PLUGIN_ID}: settings could not be loaded`, reason));
}

/** CPU and memory against the notebook's limits, in the status bar. */
const statusItem: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: "Shows the notebook's CPU and memory use against its limits in the status bar.",
  autoStart: true,
  requires: [IStatusBar],
  optional: [ITranslator, ISettingRegistry, ICommandPalette],
  activate
};

export default [statusItem];
