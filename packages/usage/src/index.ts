import {
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { LazyPanel, loadSettings } from '@hotstepper/core';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { addPanelCommands, addRefreshCommand } from './commands';
import { UsageStatusItem } from './components/UsageStatus';
import { usageIcon } from './icons';
import { watchIdle } from './idleWatch';
import { CARDS, DEFAULT_PANEL_SETTINGS, DEFAULT_SETTINGS, UsageModel } from './model';
import { CommandIDs, IUsageModel } from './tokens';

export { UsageModel } from './model';
export { CommandIDs, IUsageModel } from './tokens';

const MODEL_PLUGIN_ID = '@hotstepper/usage:model';
const STATUS_PLUGIN_ID = '@hotstepper/usage:status-item';
const PANEL_PLUGIN_ID = '@hotstepper/usage:panel';

/** One model for the status item and the panel, so the figures are polled once. */
const modelPlugin: JupyterFrontEndPlugin<UsageModel> = {
  id: MODEL_PLUGIN_ID,
  description: "The notebook's usage, polled once for the status bar item and the usage panel.",
  autoStart: true,
  provides: IUsageModel,
  activate: (app: JupyterFrontEnd): UsageModel => {
    const { serverSettings, sessions } = app.serviceManager;
    return new UsageModel({ serverSettings, sessions, cache: storage() });
  }
};

/** CPU and memory against the notebook's limits, in the status bar. */
const statusItem: JupyterFrontEndPlugin<void> = {
  id: STATUS_PLUGIN_ID,
  description: "Shows the notebook's CPU and memory use against its limits in the status bar.",
  autoStart: true,
  requires: [IUsageModel, IStatusBar],
  optional: [ITranslator, ISettingRegistry, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    model: IUsageModel,
    statusBar: IStatusBar,
    translator: ITranslator | null,
    settingRegistry: ISettingRegistry | null,
    palette: ICommandPalette | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('hotstepper');
    // A click, Enter or Space opens the panel (a fresh reading without it).
    const item = new UsageStatusItem(model, trans, () => {
      const command = app.commands.hasCommand(CommandIDs.openPanel)
        ? CommandIDs.openPanel
        : CommandIDs.refresh;
      void app.commands.execute(command);
    });
    statusBar.registerStatusItem(STATUS_PLUGIN_ID, { item, align: 'left', rank: 4 });
    addRefreshCommand(app, model, trans, palette);
    loadSettings(settingRegistry, STATUS_PLUGIN_ID, DEFAULT_SETTINGS, settings => {
      model.statusSettings = settings;
    });
  }
};

/** The usage sidebar: figures, history, kernels, free GPUs, cost and the idle clean-up. */
const usagePanel: JupyterFrontEndPlugin<void> = {
  id: PANEL_PLUGIN_ID,
  description:
    'A left-sidebar panel with usage against limits, its history, memory per kernel, free GPUs, the estimated cost and the idle clean-up, and a warning before an idle server is removed.',
  autoStart: true,
  requires: [IUsageModel],
  optional: [ITranslator, ILayoutRestorer, ISettingRegistry, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    model: IUsageModel,
    translator: ITranslator | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    palette: ICommandPalette | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('hotstepper');
    const openCharts = () => void app.commands.execute(CommandIDs.openCharts);
    // The sidebar holds a placeholder from the start; the panel's code, and the charts', are
    // chunks of their own fetched the first time it is shown (or at once when restored open).
    const panel = new LazyPanel({
      load: async () => {
        const { UsagePanel } = await import('./components/UsagePanel');
        // Shared with the status item: the panel does not dispose it.
        const content = new UsagePanel(model, trans, {
          ownsModel: false,
          onOpenCharts: openCharts
        });
        content.id = 'hs-usage-panel-content';
        return content;
      },
      loadingText: trans.__('Loading…'),
      errorText: message => trans.__('The usage panel could not be loaded: %1', message)
    });
    panel.id = 'hs-usage-panel';
    panel.title.icon = usageIcon;
    panel.title.caption = trans.__('Usage');
    app.shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, 'hotstepper-usage-panel');
    addPanelCommands(app, { model, panel, trans, palette });
    addChartsCommand(app, model, trans, palette);

    const notifier = watchIdle({
      model,
      trans,
      documents: () => app.shell.widgets('main'),
      openPanel: () => void app.commands.execute(CommandIDs.openPanel)
    });
    loadSettings(settingRegistry, PANEL_PLUGIN_ID, DEFAULT_PANEL_SETTINGS, values => {
      // A card missing from the user's object stays on.
      const cards = Object.fromEntries(CARDS.map(c => [c, values.cards[c] !== false]));
      model.settings = { ...values, cards: cards as typeof values.cards };
      notifier.enabled = values.idleNotifications;
      if (model.idle.value) {
        notifier.update(model.idle.value);
      }
    });
  }
};

/** "Open Usage Charts": the history, cost and idle charts at full size, in a main-area tab. */
function addChartsCommand(
  app: JupyterFrontEnd,
  model: UsageModel,
  trans: ReturnType<ITranslator['load']>,
  palette: ICommandPalette | null
): void {
  let open: MainAreaWidget | undefined;
  app.commands.addCommand(CommandIDs.openCharts, {
    label: trans.__('Open Usage Charts'),
    caption: trans.__('The history, cost and idle charts at full size, in the main area'),
    icon: args => (args.isPalette ? undefined : usageIcon),
    execute: async () => {
      if (open && !open.isDisposed) {
        app.shell.activateById(open.id);
        return;
      }
      const { UsageCharts } = await import('./components/UsagePanel');
      // Its own model (polled while the tab is shown), with the panel's settings and range.
      const own = new UsageModel({
        serverSettings: model.serverSettings,
        settings: model.settings,
        range: model.range
      });
      const follow = () => {
        if (own.settings !== model.settings) {
          own.settings = model.settings;
        }
      };
      model.changed.connect(follow);
      const content = new UsageCharts(own, trans);
      const widget = new MainAreaWidget({ content });
      widget.id = 'hs-usage-charts';
      widget.title.label = trans.__('Usage Charts');
      widget.title.icon = usageIcon;
      widget.title.closable = true;
      widget.disposed.connect(() => model.changed.disconnect(follow));
      open = widget;
      app.shell.add(widget, 'main');
      app.shell.activateById(widget.id);
    }
  });
  palette?.addItem({ command: CommandIDs.openCharts, category: trans.__('Hotstepper') });
}

/** localStorage, or none where the browser blocks it. */
function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export default [modelPlugin, statusItem, usagePanel];
