import type { Gradebook } from '@hotstepper/api';
import { COURSE_PATHS } from '@hotstepper/api/constants';
import {
  type IPanelModel,
  type IResourceState,
  ResourcePolls,
  requestBackend
} from '@hotstepper/core';
import type { ServerConnection } from '@jupyterlab/services';
import { type ISignal, Signal } from '@lumino/signaling';

export type GradebookRow = Gradebook['rows'][number];

/** What the table is sorted by: the student, the total, or an assignment's column. */
export type SortKey = 'student' | 'name' | 'total' | number;

export interface IGradebookView {
  sort: SortKey;
  descending: boolean;
  /** Matches the student id or name, case-insensitive. */
  filter: string;
  /** Only students with a late submission. */
  lateOnly: boolean;
  /** Only students with a submission that still needs a manual grade. */
  needsGradingOnly: boolean;
}

export const DEFAULT_VIEW: IGradebookView = {
  sort: 'student',
  descending: false,
  filter: '',
  lateOnly: false,
  needsGradingOnly: false
};

const fullName = (row: GradebookRow) => [row.firstName, row.lastName].filter(Boolean).join(' ');

/** The rows the table shows, filtered and sorted; missing scores sort below every score. */
export function viewRows(gradebook: Gradebook, view: IGradebookView): GradebookRow[] {
  const needle = view.filter.trim().toLowerCase();
  const rows = gradebook.rows.filter(
    row =>
      (!needle ||
        row.student.toLowerCase().includes(needle) ||
        fullName(row).toLowerCase().includes(needle)) &&
      (!view.lateOnly || row.scores.some(s => s.late)) &&
      (!view.needsGradingOnly || row.scores.some(s => s.needsManualGrade))
  );
  const sign = view.descending ? -1 : 1;
  const value = (row: GradebookRow): number | string | null => {
    switch (view.sort) {
      case 'student':
        return row.student;
      case 'name':
        return `${row.lastName ?? ''} ${row.firstName ?? ''}`.trim() || row.student;
      case 'total':
        return row.total;
      default:
        return row.scores[view.sort]?.score ?? null;
    }
  };
  return rows
    .map(row => ({ row, v: value(row) }))
    .sort((a, b) => {
      if (a.v === null || b.v === null) {
        return a.v === b.v ? 0 : a.v === null ? 1 : -1;
      }
      const order =
        typeof a.v === 'number' && typeof b.v === 'number'
          ? a.v - b.v
          : String(a.v).localeCompare(String(b.v));
      return order * sign || a.row.student.localeCompare(b.row.student);
    })
    .map(({ row }) => row);
}

function csvField(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The gradebook as CSV, one row per student: names, each assignment's score and late flag,
 * the total and its maximum. A missing submission is an empty score.
 */
export function gradebookCsv(gradebook: Gradebook, rows = gradebook.rows): string {
  const header = ['student', 'first_name', 'last_name'];
  for (const a of gradebook.assignments) {
    header.push(`${a.name} (${a.maxPoints})`, `${a.name} late`);
  }
  header.push('total', 'max_total');
  const lines = [header.map(csvField).join(',')];
  for (const row of rows) {
    const fields: Array<string | number | null | undefined> = [
      row.student,
      row.firstName,
      row.lastName
    ];
    row.scores.forEach(s => fields.push(s.score, s.late ? 'late' : ''));
    fields.push(row.total, row.maxTotal);
    lines.push(fields.map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

export interface IBin {
  /** "4–6": the points the bar counts (from inclusive, to exclusive but the last). */
  label: string;
  from: number;
  to: number;
  count: number;
}

/** How the scores of one assignment spread over `bins` equal bars of its points. */
export function distribution(gradebook: Gradebook, column: number, bins: number): IBin[] {
  const max = gradebook.assignments[column]?.maxPoints ?? 0;
  const count = Math.max(1, Math.round(bins));
  const width = max > 0 ? max / count : 1;
  const round = (n: number) => Math.round(n * 100) / 100;
  const result: IBin[] = Array.from({ length: max > 0 ? count : 1 }, (_, i) => ({
    label: max > 0 ? `${round(i * width)}–${round((i + 1) * width)}` : '0',
    from: i * width,
    to: (i + 1) * width,
    count: 0
  }));
  for (const row of gradebook.rows) {
    const score = row.scores[column]?.score;
    if (score === null || score === undefined) {
      continue;
    }
    const index = Math.min(result.length - 1, Math.max(0, Math.floor(score / width)));
    result[index].count++;
  }
  return result;
}

/** Figures of one assignment's column: submitted, late, mean. */
export function columnSummary(
  gradebook: Gradebook,
  column: number
): { submitted: number; late: number; needsGrading: number; mean: number | null } {
  let submitted = 0;
  let late = 0;
  let needsGrading = 0;
  let sum = 0;
  for (const row of gradebook.rows) {
    const cell = row.scores[column];
    if (cell?.score !== null && cell?.score !== undefined) {
      submitted++;
      sum += cell.score;
    }
    late += cell?.late ? 1 : 0;
    needsGrading += cell?.needsManualGrade ? 1 : 0;
  }
  return { submitted, late, needsGrading, mean: submitted ? sum / submitted : null };
}

export namespace GradebookModel {
  export interface IOptions {
    course: string;
    serverSettings: ServerConnection.ISettings;
    refreshRate: number;
  }
}

/** A course's gradebook, polled while shown, with the table's sort and filter. */
export class GradebookModel implements IPanelModel {
  constructor(private readonly options: GradebookModel.IOptions) {
    this._polls = new ResourcePolls<{ gradebook: Gradebook }>(
      {
        gradebook: {
          factory: () =>
            requestBackend<Gradebook>(
              COURSE_PATHS.gradebook(options.course),
              options.serverSettings
            ),
          interval: options.refreshRate
        }
      },
      { name: '@hotstepper/course:gradebook' }
    );
    this._polls.changed.connect(() => this._changed.emit());
  }

  get course(): string {
    return this.options.course;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get gradebook(): IResourceState<Gradebook> {
    return this._polls.state('gradebook');
  }

  get view(): IGradebookView {
    return this._view;
  }

  /** Changes the sort or filter; a click on the sorted column turns its order around. */
  setView(change: Partial<IGradebookView>): void {
    this._view = { ...this._view, ...change };
    this._changed.emit();
  }

  sortBy(key: SortKey): void {
    this.setView(
      key === this._view.sort
        ? { descending: !this._view.descending }
        : { sort: key, descending: key !== 'student' && key !== 'name' }
    );
  }

  /** The rows shown, filtered and sorted. */
  get rows(): GradebookRow[] {
    const gradebook = this.gradebook.value;
    return gradebook ? viewRows(gradebook, this._view) : [];
  }

  get visible(): boolean {
    return this._polls.visible;
  }

  set visible(value: boolean) {
    this._polls.visible = value;
  }

  setRefreshRate(interval: number): void {
    this._polls.setInterval('gradebook', interval);
  }

  refresh(): void {
    this._polls.refresh();
  }

  get isDisposed(): boolean {
    return this._polls.isDisposed;
  }

  dispose(): void {
    if (!this.isDisposed) {
      this._polls.dispose();
      Signal.clearData(this);
    }
  }

  private _view = DEFAULT_VIEW;
  private readonly _polls: ResourcePolls<{ gradebook: Gradebook }>;
  private readonly _changed = new Signal<this, void>(this);
}
