import {
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { UsagePanel } from './components/UsagePanel';
import { UsageStatusItem } from './components/UsageStatus';
import { downloadCostCsv } from './csv';
import { IdleNotifier } from './idle';
import { usageIcon } from './icons';
import { DEFAULT_SETTINGS, type IUsageSettings, UsageModel } from './model';
import {
  CARDS,
  type CardName,
  DEFAULT_PANEL_SETTINGS,
  type IUsagePanelSettings,
  UsagePanelModel
} from './panelModel';
import { SaveAllListener, saveOpenDocuments } from './saveAll';

export { UsageModel } from './model';
export { UsagePanelModel } from './panelModel';

namespace CommandIDs {
  export const refresh = 'hotstepper-usage:refresh';
  export const openPanel = 'hotstepper-usage:open-panel';
  export const exportCsv = 'hotstepper-usage:export-csv';
}

const PLUGIN_ID = '@hotstepper/usage:status-item';
const PANEL_PLUGIN_ID = '@hotstepper/usage:panel';

/** A warning above the danger line would never show. */
function thresholds(
  warn: number,
  danger: number
): { warnThreshold: number; dangerThreshold: number } {
  return { warnThreshold: Math.min(warn, danger), dangerThreshold: danger };
}

function readSettings(settings: ISettingRegistry.ISettings): IUsageSettings {
  const get = <K extends keyof IUsageSettings>(key: K) =>
    (settings.get(key).composite as IUsageSettings[K] | undefined) ?? DEFAULT_SETTINGS[key];
  return {
    refreshRate: get('refreshRate'),
    ...thresholds(get('warnThreshold'), get('dangerThreshold'))
  };
}

function readPanelSettings(settings: ISettingRegistry.ISettings): IUsagePanelSettings {
  const get = <K extends keyof IUsagePanelSettings>(key: K) =>
    (settings.get(key).composite as IUsagePanelSettings[K] | undefined) ??
    DEFAULT_PANEL_SETTINGS[key];
  const cards = get('cards') as Partial<Record<CardName, boolean>>;
  return {
    refreshRate: get('refreshRate'),
    // A card missing from the user's object stays on.
    cards: Object.fromEntries(CARDS.map(c => [c, cards[c] !== false])) as Record<CardName, boolean>,
    ...thresholds(get('warnThreshold'), get('dangerThreshold')),
    idleNotifications: get('idleNotifications')
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

function activatePanel(
  app: JupyterFrontEnd,
  translator: ITranslator | null,
  restorer: ILayoutRestorer | null,
  settingRegistry: ISettingRegistry | null,
  palette: ICommandPalette | null
): void {
  const trans = (translator ?? nullTranslator).load('hotstepper');
  const { serverSettings, sessions } = app.serviceManager;
  const model = new UsagePanelModel({ serverSettings, sessions });

  const panel = new UsagePanel(model, trans);
  panel.title.icon = usageIcon;
  app.shell.add(panel, 'left', { rank: 600 });
  restorer?.add(panel, 'hotstepper-usage-panel');

  app.commands.addCommand(CommandIDs.openPanel, {
    label: trans.__('Open Usage Panel'),
    caption: trans.__('Usage, history, kernels, free GPUs, cost and the idle clean-up'),
    icon: args => (args.isPalette ? undefined : usageIcon),
    execute: () => app.shell.activateById(panel.id)
  });
  app.commands.addCommand(CommandIDs.exportCsv, {
    label: trans.__('Export Usage as CSV'),
    caption: trans.__('Download the estimated daily cost of the last 90 days as a CSV file'),
    execute: async () => {
      try {
        await downloadCostCsv(serverSettings);
      } catch (err) {
        Notification.error(trans.__('Usage export failed: %1', (err as Error).message), {
          autoClose: 10_000
        });
      }
    }
  });
  const category = trans.__('Hotstepper');
  palette?.addItem({ command: CommandIDs.openPanel, category });
  palette?.addItem({ command: CommandIDs.exportCsv, category });

  // The idle warning, and (with `idle.enforce: hub`) the save-all request before a stop.
  const notifier = new IdleNotifier({
    trans,
    openPanel: () => void app.commands.execute(CommandIDs.openPanel),
    storage: Private.storage()
  });
  const saveAll = new SaveAllListener({
    serverSettings,
    save: () => saveOpenDocuments(app.shell.widgets('main')),
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

  // Not awaited: activation must not wait on the settings or the network.
  settingRegistry
    ?.load(PANEL_PLUGIN_ID)
    .then(settings => {
      const apply = () => {
        const values = readPanelSettings(settings);
        model.settings = values;
        notifier.enabled = values.idleNotifications;
        if (model.idle.data) {
          notifier.update(model.idle.data);
        }
      };
      apply();
      settings.changed.connect(apply);
    })
    .catch(reason => console.error(`${PANEL_PLUGIN_ID}: settings could not be loaded`, reason));
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

/** The usage sidebar: figures, history, kernels, free GPUs, cost and the idle clean-up. */
const usagePanel: JupyterFrontEndPlugin<void> = {
  id: PANEL_PLUGIN_ID,
  description:
    'A left-sidebar panel with usage against limits, its history, memory per kernel, free GPUs, the estimated cost and the idle clean-up, and a warning before an idle server is removed.',
  autoStart: true,
  optional: [ITranslator, ILayoutRestorer, ISettingRegistry, ICommandPalette],
  activate: activatePanel
};

export default [statusItem, usagePanel];

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
