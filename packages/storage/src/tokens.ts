export namespace CommandIDs {
  /** Shows the Storages panel. */
  export const open = 'hotstepper-storage:open';
  /** Asks the backend for the storages again. */
  export const refresh = 'hotstepper-storage:refresh';
  /** Opens a storage's file browser in the panel; args: `{ name: string }`. */
  export const browse = 'hotstepper-storage:browse';
  /** Copies a storage's path on the machine; args: `{ name: string }`. */
  export const copyPath = 'hotstepper-storage:copy-path';
}
