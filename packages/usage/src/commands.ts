import type { JupyterFrontEnd } from '@jupyterlab/application';
import { type ICommandPalette, Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Widget } from '@lumino/widgets';
import { downloadCostCsv } from './csv';
import { usageIcon } from './icons';
import type { UsageModel } from './model';
import { CommandIDs, type IUsageModel } from './tokens';

/** "Refresh Usage Now": the status item's click and a palette entry. */
export function addRefreshCommand(
  app: JupyterFrontEnd,
  model: IUsageModel,
  trans: TranslationBundle,
  palette: ICommandPalette | null
): void {
  app.commands.addCommand(CommandIDs.refresh, {
    label: trans.__('Refresh Usage Now'),
    caption: trans.__("Take a new reading of this notebook's CPU and memory"),
    execute: () => model.sample()
  });
  palette?.addItem({ command: CommandIDs.refresh, category: trans.__('Hotstepper') });
}

/** Opening the panel and the CSV export. */
export function addPanelCommands(
  app: JupyterFrontEnd,
  options: {
    model: UsageModel;
    panel: Widget;
    trans: TranslationBundle;
    palette: ICommandPalette | null;
  }
): void {
  const { model, panel, trans, palette } = options;
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
        await downloadCostCsv(model.serverSettings);
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
}
