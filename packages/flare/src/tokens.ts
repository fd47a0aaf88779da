import { Token } from '@lumino/coreutils';
import type { FlareModel } from './model';

/** Flare's ports and exposures: one model, shared by the panel and the status bar item. */
export const IFlareModel = new Token<FlareModel>(
  '@hotstepper/flare:IFlareModel',
  "Flare's listening ports and exposures, polled once for the panel and the status bar item."
);

export namespace CommandIDs {
  /** Opens the panel with the expose form; args: `{ port?: number }`. */
  export const expose = 'hotstepper-flare:expose';
  /** Opens the panel. */
  export const open = 'hotstepper-flare:open';
}
