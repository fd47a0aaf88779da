export namespace CommandIDs {
  /** Shows the Apps panel. */
  export const open = 'hotstepper-apps:open';
  /** Asks the backend for the apps' state again. */
  export const refresh = 'hotstepper-apps:refresh';
}
