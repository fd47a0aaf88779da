export namespace CommandIDs {
  /** Opens the summary of what happened while you were away; args: `{ since?: number }` (unix ms). */
  export const open = 'hotstepper-welcome:open';
}

/** Commands of other Hotstepper packages the summary's actions use when they are installed. */
export namespace OtherCommandIDs {
  /** Opens one job's view, args `{ id }`. */
  export const openJob = 'hotstepper-jobs:open-job';
  /** Opens the jobs sidebar. */
  export const openJobs = 'hotstepper-jobs:open';
  export const openUsage = 'hotstepper-usage:open-panel';
  /** Shows one storage in the storages sidebar, args `{ name }`. */
  export const browseStorage = 'hotstepper-storage:browse';
}
