import type { JobKind } from '@hotstepper/api';

/** Kind by file extension: notebooks run headless, anything else as a script. */
export function kindOfPath(path: string): JobKind {
  return path.toLowerCase().endsWith('.ipynb') ? 'notebook' : 'script';
}
