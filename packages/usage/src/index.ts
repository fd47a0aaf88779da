import {
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { loadSettings } from '@hotstepper/core';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { addPanelCommands, addRefreshCommand } from './commands';
import { UsagePanel } from './components/UsagePanel';
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
    return new UsageModel({ serverSettings, sessions });
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
    const item = new UsageStatusItem(model, trans);
    item.node.addEventListener('click', () => void app.commands.execute(CommandIDs.refresh));
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
    // Shared with the status item: the panel does not dispose it.
    const panel = new UsagePanel(model, trans, { ownsModel: false });
    panel.title.icon = usageIcon;
    app.shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, 'hotstepper-usage-panel');
    addPanelCommands(app, { model, panel, trans, palette });

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

export default [modelPlugin, statusItem, usagePanel];
