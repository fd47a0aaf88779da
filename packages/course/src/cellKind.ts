import type { CellKind } from '@hotstepper/api';
import type { ICellModel } from '@jupyterlab/cells';

/**
 * nbgrader's own cell metadata (`metadata.nbgrader`, schema version 3), so that nbgrader's
 * tools (generate_assignment, validate, autograde) read what the cell toolbar writes.
 */
export interface INbgraderMetadata {
  grade_id: string;
  grade: boolean;
  solution: boolean;
  locked: boolean;
  task: boolean;
  points?: number;
  schema_version: 3;
  [key: string]: unknown;
}

export const NBGRADER_KEY = 'nbgrader';

/** The roles the toolbar offers ('other' removes nbgrader's metadata). */
export const MARKABLE_KINDS: CellKind[] = [
  'solution',
  'tests',
  'manual',
  'task',
  'readonly',
  'other'
];

/** Roles that carry points. */
export function hasPoints(kind: CellKind): boolean {
  return kind === 'tests' || kind === 'manual' || kind === 'task';
}

/** Whether nbgrader accepts the role on a cell of this type. */
export function allowedOn(kind: CellKind, cellType: string): boolean {
  switch (kind) {
    case 'solution':
    case 'tests':
      return cellType === 'code';
    case 'task':
      return cellType === 'markdown';
    default:
      return true;
  }
}

/** The flags nbgrader uses for each role (as its own "Create Assignment" toolbar writes them). */
const FLAGS: Record<
  Exclude<CellKind, 'other'>,
  Pick<INbgraderMetadata, 'grade' | 'solution' | 'locked' | 'task'>
> = {
  solution: { grade: false, solution: true, locked: false, task: false },
  tests: { grade: true, solution: false, locked: true, task: false },
  manual: { grade: true, solution: true, locked: false, task: false },
  task: { grade: false, solution: false, locked: true, task: true },
  readonly: { grade: false, solution: false, locked: true, task: false }
};

/** The role of a cell from its nbgrader metadata. */
export function cellKind(cell: ICellModel): CellKind {
  const meta = cell.getMetadata(NBGRADER_KEY) as Partial<INbgraderMetadata> | undefined;
  if (!meta) {
    return 'other';
  }
  if (meta.task) {
    return 'task';
  }
  if (meta.grade && meta.solution) {
    return 'manual';
  }
  if (meta.grade) {
    return 'tests';
  }
  if (meta.solution) {
    return 'solution';
  }
  return meta.locked ? 'readonly' : 'other';
}

/** The points of a graded cell, else undefined. */
export function cellPoints(cell: ICellModel): number | undefined {
  const meta = cell.getMetadata(NBGRADER_KEY) as Partial<INbgraderMetadata> | undefined;
  return typeof meta?.points === 'number' ? meta.points : undefined;
}

/** A new grade id in nbgrader's own form ("cell-" and 16 hex digits). */
export function newGradeId(): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return `cell-${[...bytes].map(b => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * Gives a cell an nbgrader role: writes `metadata.nbgrader` (keeping its grade id and the
 * keys nbgrader adds itself, such as the checksum) or removes it for 'other'. Throws, with a
 * message a person can act on, for a role the cell type cannot take or bad points.
 */
export function setCellKind(
  cell: ICellModel,
  kind: CellKind,
  options: { points?: number; gradeId?: string } = {}
): void {
  if (kind === 'other') {
    cell.deleteMetadata(NBGRADER_KEY);
    return;
  }
  if (!allowedOn(kind, cell.type)) {
    throw new Error(
      kind === 'task'
        ? 'A manually graded task is a Markdown cell'
        : `nbgrader runs ${kind === 'tests' ? 'tests' : 'answers'} in code cells only`
    );
  }
  const gradeId = options.gradeId?.trim();
  if (gradeId && !/^[A-Za-z0-9_-]+$/.test(gradeId)) {
    throw new Error('A cell id holds letters, digits, "_" and "-" only');
  }
  const before = (cell.getMetadata(NBGRADER_KEY) ?? {}) as Partial<INbgraderMetadata>;
  const meta: INbgraderMetadata = {
    ...before,
    ...FLAGS[kind],
    grade_id: gradeId || before.grade_id || newGradeId(),
    schema_version: 3
  };
  if (hasPoints(kind)) {
    const points = options.points ?? before.points ?? 1;
    if (!Number.isFinite(points) || points < 0) {
      throw new Error('Points must be a number, 0 or more');
    }
    meta.points = points;
  } else {
    delete meta.points;
  }
  cell.setMetadata(NBGRADER_KEY, meta);
}
