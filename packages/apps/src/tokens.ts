export namespace CommandIDs {
  /** Shows the Apps panel. */
  export const open = 'hotstepper-apps:open';
  /** Asks the backend for the apps' state again. */
  export const refresh = 'hotstepper-apps:refresh';
  /** Opens an app in a new browser tab (starting it); args: `{ name: string }`. */
  export const launch = 'hotstepper-apps:launch';
  /** Stops an app; args: `{ name: string }`. */
  export const stop = 'hotstepper-apps:stop';
  /** Restarts an app; args: `{ name: string }`. */
  export const restart = 'hotstepper-apps:restart';
}
