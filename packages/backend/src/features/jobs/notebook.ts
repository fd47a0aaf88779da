/**
 * Which cell of a notebook job failed, and with what error. papermill writes the executed
 * notebook with the error in the failing cell's outputs (and may add cells of its own: the
 * injected parameters, an error banner); nbconvert writes nothing and prints a
 * CellExecutionError with the cell's source on stderr. Either way the failing source is
 * matched to the input notebook's cells, so the index is the user's own.
 */
import { readFile } from 'node:fs/promises';

export interface NotebookFailure {
  /** 0-based index in the input notebook. */
  cell?: number;
  /** "ZeroDivisionError: division by zero". */
  error: string;
}

interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: Array<{ output_type: string; ename?: string; evalue?: string }>;
}

// Tracebacks carry terminal colours.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
const text = (source: string | string[]) => (Array.isArray(source) ? source.join('') : source);
const normal = (source: string) => source.replace(ANSI, '').trim();

async function cellsOf(path: string): Promise<Cell[] | undefined> {
  try {
    const nb = JSON.parse(await readFile(path, 'utf8')) as { cells?: Cell[] };
    return Array.isArray(nb.cells) ? nb.cells : undefined;
  } catch {
    return undefined;
  }
}

/** The index of the input's code cell whose source is `source`. */
function indexOf(cells: Cell[] | undefined, source: string): number | undefined {
  const i = (cells ?? []).findIndex(
    c => c.cell_type === 'code' && normal(text(c.source)) === normal(source)
  );
  return i >= 0 ? i : undefined;
}

/** From papermill's output notebook: the first cell with an error output. */
async function fromOutput(input: Cell[] | undefined, output: string) {
  for (const cell of (await cellsOf(output)) ?? []) {
    const error = cell.outputs?.find(o => o.output_type === 'error');
    if (cell.cell_type === 'code' && error) {
      const failure: NotebookFailure = {
        error: normal(`${error.ename ?? 'Error'}: ${error.evalue ?? ''}`)
      };
      const cellIndex = indexOf(input, text(cell.source));
      return cellIndex === undefined ? failure : { ...failure, cell: cellIndex };
    }
  }
  return undefined;
}

/** From nbconvert's stderr: the cell source between the dashed rules, the last "Name: message". */
function fromStderr(input: Cell[] | undefined, stderr: string): NotebookFailure | undefined {
  const clean = stderr.replace(ANSI, '');
  const at = clean.lastIndexOf('An error occurred while executing the following cell:');
  if (at < 0) {
    return undefined;
  }
  const after = clean.slice(at);
  const source = /\n-{3,}\n([\s\S]*?)\n-{3,}\n/.exec(after)?.[1];
  const errors = [
    ...after.matchAll(/^([A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit)): ?(.*)$/gm)
  ];
  const last = errors.at(-1);
  const error = last ? `${last[1].split('.').at(-1)}: ${last[2]}`.trim() : 'the cell failed';
  const cell = source === undefined ? undefined : indexOf(input, source);
  return cell === undefined ? { error } : { cell, error };
}

/** The failure of a notebook job, from its output notebook or its stderr. */
export async function notebookFailure(
  input: string,
  output: string,
  stderr: string
): Promise<NotebookFailure | undefined> {
  const cells = await cellsOf(input);
  return (await fromOutput(cells, output)) ?? fromStderr(cells, stderr);
}
