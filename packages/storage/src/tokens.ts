export namespace CommandIDs {
  /** Shows the Storages panel. */
  export const open = 'hotstepper-storage:open';
  /** Asks the backend for the storages again. */
  export const refresh = 'hotstepper-storage:refresh';
  /** Opens a storage's file browser in the panel; args: `{ name: string }`. */
  export const browse = 'hotstepper-storage:browse';
  /** Copies a storage's path on the machine; args: `{ name: string }`. */
  export const copyPath = 'hotstepper-storage:copy-path';
  /** Copies the selected files or folders to another storage (or Home), asking where. */
  export const copyTo = 'hotstepper-storage:copy-to';
  /** Moves the selected files or folders to another storage (or Home), asking where. */
  export const moveTo = 'hotstepper-storage:move-to';
  /** Copies the selected item's absolute path on the notebook's machine. */
  export const copyItemPath = 'hotstepper-storage:copy-item-path';
  /**
   * Opens a terminal in a storage's folder: args `{ path }` (a drive path such as
   * `scratch:results`), else the selected folder (or a file's folder), else the browser's folder.
   */
  export const openTerminal = 'hotstepper-storage:open-terminal';
}
