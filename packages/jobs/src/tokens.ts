export namespace CommandIDs {
  /** Opens the jobs sidebar. */
  export const open = 'hotstepper-jobs:open';
  /** Opens the submit form; args: `{ kind?, file?, command?, cwd? }` fill it in. */
  export const submit = 'hotstepper-jobs:submit';
  /** Runs a file as a job (args: `{ path? , source?: 'notebook' | 'filebrowser' }`). */
  export const runFile = 'hotstepper-jobs:run-file';
  /** Opens one job's detail view (args: `{ id }`); used by the layout restorer too. */
  export const openJob = 'hotstepper-jobs:open-job';
}
