import { Token } from '@lumino/coreutils';
import type { UsageModel } from './model';

export namespace CommandIDs {
  /** Takes a reading now (the status item's click). */
  export const refresh = 'hotstepper-usage:refresh';
  export const openPanel = 'hotstepper-usage:open-panel';
  export const exportCsv = 'hotstepper-usage:export-csv';
  /** The history, cost and idle charts at full size in the main area. */
  export const openCharts = 'hotstepper-usage:open-charts';
}

/** The notebook's usage, as the status item and the panel read it. */
export type IUsageModel = UsageModel;

/** The notebook's usage: one model for the status item and the usage panel. */
export const IUsageModel = new Token<IUsageModel>(
  '@hotstepper/usage:IUsageModel',
  "The notebook's usage, polled once for the status bar item and the usage panel."
);
