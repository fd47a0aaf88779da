/**
 * Data preparation for the panel's charts and squares: pure functions, so
 * they are tested without laying anything out (jsdom cannot lay out SVG).
 */
import type {
  GpuAvailability,
  HistoryRange,
  IdleStatus,
  UsageCost,
  UsageHistory
} from '@hotstepper/api';

/** One row of the history charts; null is a gap, drawn as a break. */
export interface IHistoryRow {
  t: number;
  cpu: number | null;
  cpuLimit: number | null;
  memory: number | null;
  memoryLimit: number | null;
  /** Utilisation, 0–1. */
  gpu: number | null;
  /** Always 1 (100 %) where there is a GPU reading. */
  gpuLimit: number | null;
  gpuMemory: number | null;
  gpuMemoryTotal: number | null;
}

export type HistoryMetric = 'cpu' | 'memory' | 'gpu' | 'gpuMemory';

/** Which key of a row holds a metric's limit. */
export const LIMIT_KEY: Record<HistoryMetric, keyof IHistoryRow> = {
  cpu: 'cpuLimit',
  memory: 'memoryLimit',
  gpu: 'gpuLimit',
  gpuMemory: 'gpuMemoryTotal'
};

const GAP: Omit<IHistoryRow, 't'> = {
  cpu: null,
  cpuLimit: null,
  memory: null,
  memoryLimit: null,
  gpu: null,
  gpuLimit: null,
  gpuMemory: null,
  gpuMemoryTotal: null
};

/**
 * The history as chart rows, oldest first. The backend marks gaps with
 * nulls; where points are missing altogether instead (more than 2.5
 * buckets apart, the backend's own rule for raw samples), a null row is
 * put in so the line breaks there too.
 */
export function historyRows(history: UsageHistory | undefined): IHistoryRow[] {
  if (!history) {
    return [];
  }
  const step = history.resolution * 1000;
  const points = [...history.points].sort((a, b) => a.t - b.t);
  const rows: IHistoryRow[] = [];
  let previous: number | undefined;
  for (const p of points) {
    if (previous !== undefined && p.t - previous > 2.5 * step) {
      rows.push({ t: previous + step, ...GAP });
    }
    previous = p.t;
    rows.push({
      t: p.t,
      cpu: p.cpu,
      cpuLimit: p.cpuLimit,
      memory: p.memory,
      memoryLimit: p.memoryLimit,
      gpu: p.gpu,
      gpuLimit: p.gpu === null ? null : 1,
      gpuMemory: p.gpuMemory,
      gpuMemoryTotal: p.gpuMemoryTotal
    });
  }
  return rows;
}

/** Whether any row has a reading of the metric (GPU charts show only then). */
export function hasReadings(rows: IHistoryRow[], metric: HistoryMetric): boolean {
  return rows.some(r => r[metric] !== null);
}

/** The charts the history card shows: CPU and memory always, GPU parts only with GPU readings. */
export function historyMetrics(rows: IHistoryRow[]): HistoryMetric[] {
  return (['cpu', 'memory', 'gpu', 'gpuMemory'] as HistoryMetric[]).filter(
    m => m === 'cpu' || m === 'memory' || hasReadings(rows, m)
  );
}

/**
 * The top of a chart's y axis: the larger of the limit and the highest value, with a tenth more
 * so the limit line is not lost on the top edge; never 0.
 */
export function yMax(rows: IHistoryRow[], metric: HistoryMetric): number {
  const limitKey = LIMIT_KEY[metric];
  let max = 0;
  for (const r of rows) {
    max = Math.max(max, (r[metric] as number | null) ?? 0, (r[limitKey] as number | null) ?? 0);
  }
  return max > 0 ? max * 1.1 : 1;
}

/** The time axis: [from, to] of the answer, or of the rows. */
export function timeDomain(
  history: UsageHistory | undefined,
  rows: IHistoryRow[]
): [number, number] {
  if (history && history.to > history.from) {
    return [history.from, history.to];
  }
  return rows.length ? [rows[0].t, rows[rows.length - 1].t] : [0, 1];
}

/** Time labels by range: clock time for an hour or a day, weekday and hour for a week. */
export function timeFormat(range: HistoryRange, locale?: string): (t: number) => string {
  const format =
    range === 'week'
      ? new Intl.DateTimeFormat(locale, { weekday: 'short', hour: '2-digit' })
      : range === 'quarter'
        ? new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric' })
        : new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
  return (t: number) => format.format(new Date(t));
}

/** One day of the cost chart. */
export interface ICostBar {
  date: string;
  cpu: number;
  memory: number;
  gpu: number;
  total: number;
}

/**
 * The cost chart's bars: the last `days` days, oldest first, one per day
 * (days the server did not run are zeros, from the backend).
 */
export function costBars(cost: UsageCost | undefined, days = 90): ICostBar[] {
  if (!cost) {
    return [];
  }
  return [...cost.days]
    .sort((a, b) => a.date.localeCompare(b.date))
    .slice(-days)
    .map(d => ({ date: d.date, cpu: d.cpu, memory: d.memory, gpu: d.gpu, total: d.total }));
}

/** Whether the cost history has anything to draw. */
export function hasCost(bars: ICostBar[]): boolean {
  return bars.some(b => b.total > 0);
}

/** "2026-11-25" → a short local date, read as a calendar day (not shifted by the time zone). */
export function formatDay(date: string, locale?: string): string {
  const [y, m, d] = date.split('-').map(Number);
  if (!y || !m || !d) {
    return date;
  }
  return new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric' }).format(
    new Date(y, m - 1, d)
  );
}

/** One segment of the idle chart: null is a segment without readings. */
export interface IIdleRow {
  t: number;
  value: number | null;
}

export function idleRows(status: IdleStatus | undefined): IIdleRow[] {
  if (!status) {
    return [];
  }
  return [...status.segments].sort((a, b) => a.t - b.t).map(s => ({ t: s.t, value: s.value }));
}

/** The idle chart's y axis: room above the threshold so the line is never on the top edge. */
export function idleYMax(status: IdleStatus): number {
  const top = Math.max(
    status.threshold,
    ...status.segments.map(s => s.value ?? 0),
    status.busiest ?? 0
  );
  return top > 0 ? top * 1.2 : 1;
}

/** One square per GPU: taken ones first. */
export interface IGpuSquares {
  model: string;
  free: number;
  taken: number;
  total: number;
  squares: Array<'taken' | 'free'>;
}

/** Squares for one model; counts are clamped so a bad answer never draws negative squares. */
export function gpuSquares(model: GpuAvailability): IGpuSquares {
  const total = Math.max(0, Math.floor(model.total));
  const free = Math.min(total, Math.max(0, Math.floor(model.free)));
  const taken = total - free;
  return {
    model: model.model,
    free,
    taken,
    total,
    squares: [...Array<'taken'>(taken).fill('taken'), ...Array<'free'>(free).fill('free')]
  };
}
