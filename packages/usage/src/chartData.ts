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

/** Steps a person reads as round: 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 (times a power of ten). */
const MANTISSAS = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];

/** The smallest round step not below `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) {
    return 1;
  }
  const power = 10 ** Math.floor(Math.log10(raw));
  const mantissa = raw / power;
  const nice = MANTISSAS.find(m => m >= mantissa - 1e-9) ?? 10;
  return clean(nice * power);
}

/** Floating-point dust off a tick: 0.30000000000000004 → 0.3. */
function clean(value: number): number {
  return Number(value.toPrecision(12));
}

/** The binary unit bytes are shown in (1024^k), so byte ticks are round in GiB, not in bytes. */
export function byteUnit(bytes: number): number {
  let unit = 1;
  while (bytes / unit >= 1024 && unit < 1024 ** 5) {
    unit *= 1024;
  }
  return unit;
}

/**
 * Round, distinct ticks from 0 to at least `max`, `intervals` steps apart, each a round number
 * of `unit` (1024³ for GiB): max 23.5 GiB → 0 / 12 / 24 GiB. Never a single tick.
 */
export function niceTicks(max: number, intervals = 2, unit = 1): number[] {
  const top = max > 0 && Number.isFinite(max) ? max : unit;
  const step = niceStep(top / intervals / unit) * unit;
  return Array.from({ length: intervals + 1 }, (_, i) => clean(i * step));
}

/** How many decimals the ticks need to read apart ("0 / 0.6 / 1.2", not "0 / 1 / 1"). */
export function tickDecimals(ticks: number[]): number {
  return Math.max(
    0,
    ...ticks.map(t => {
      const text = String(clean(t));
      const dot = text.indexOf('.');
      return dot < 0 || text.includes('e') ? 0 : text.length - dot - 1;
    })
  );
}

/** The largest value or limit of a metric in the rows (0 without any). */
function metricMax(rows: IHistoryRow[], metric: HistoryMetric): number {
  const limitKey = LIMIT_KEY[metric];
  let max = 0;
  for (const r of rows) {
    max = Math.max(max, (r[metric] as number | null) ?? 0, (r[limitKey] as number | null) ?? 0);
  }
  return max;
}

/**
 * The y ticks of a history chart: round figures from 0 to the larger of the limit and the
 * highest value, in the metric's own unit (GiB for memory, whole percents for the GPU).
 */
export function yTicks(rows: IHistoryRow[], metric: HistoryMetric, intervals = 2): number[] {
  if (metric === 'gpu') {
    return niceTicks(1, intervals);
  }
  const max = metricMax(rows, metric);
  const bytes = metric === 'memory' || metric === 'gpuMemory';
  return niceTicks(max, intervals, bytes ? byteUnit(max) : 1);
}

/** The top of a chart's y axis: its last round tick; never 0. */
export function yMax(rows: IHistoryRow[], metric: HistoryMetric): number {
  const ticks = yTicks(rows, metric);
  return ticks[ticks.length - 1];
}

/**
 * The rows with the limits carried to both ends of the time axis, so the dashed limit line
 * spans the whole chart however late in the range the first reading came (or however early
 * the last). Gaps inside the range stay gaps; the values stay null where nothing was measured.
 */
export function withLimitEdges(rows: IHistoryRow[], domain: [number, number]): IHistoryRow[] {
  const limited = (r: IHistoryRow) => r.cpuLimit !== null || r.memoryLimit !== null;
  const firstAt = rows.findIndex(limited);
  if (firstAt < 0) {
    return rows;
  }
  const lastAt = rows.length - 1 - [...rows].reverse().findIndex(limited);
  const limits = (r: IHistoryRow) => ({
    cpuLimit: r.cpuLimit,
    memoryLimit: r.memoryLimit,
    gpuLimit: r.gpuLimit,
    gpuMemoryTotal: r.gpuMemoryTotal
  });
  const first = limits(rows[firstAt]);
  const last = limits(rows[lastAt]);
  const out = rows.map((r, i) =>
    i < firstAt ? { ...r, ...first } : i > lastAt ? { ...r, ...last } : r
  );
  const [from, to] = domain;
  if (out[0].t > from) {
    out.unshift({ ...GAP, t: from, ...first });
  }
  if (out[out.length - 1].t < to) {
    out.push({ ...GAP, t: to, ...last });
  }
  return out;
}

/** What the readings of a chart add up to, for its text summary. */
export interface IMetricSummary {
  mean: number | null;
  peak: number | null;
  /** The latest limit, if any. */
  limit: number | null;
}

export function summarize(rows: IHistoryRow[], metric: HistoryMetric): IMetricSummary {
  const values = rows.map(r => r[metric] as number | null).filter((v): v is number => v !== null);
  const limits = rows
    .map(r => r[LIMIT_KEY[metric]] as number | null)
    .filter((v): v is number => v !== null);
  return {
    mean: values.length ? values.reduce((a, b) => a + b, 0) / values.length : null,
    peak: values.length ? Math.max(...values) : null,
    limit: limits.length ? limits[limits.length - 1] : null
  };
}

/** How long the range holds readings for, in seconds: its points with a reading × their width. */
export function recordedSeconds(history: UsageHistory): number {
  const points = history.points.filter(p => p.cpu !== null || p.memory !== null).length;
  return Math.min(points * history.resolution, Math.max(0, (history.to - history.from) / 1000));
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

/** The parts of the stack that cost anything in these days: no GPU legend without a GPU. */
export function costParts(bars: ICostBar[]): Array<'cpu' | 'memory' | 'gpu'> {
  return (['cpu', 'memory', 'gpu'] as const).filter(k => bars.some(b => b[k] > 0));
}

/** `count` dates spread evenly from the first bar to the last, for labels that never overlap. */
export function dayTicks(bars: ICostBar[], count = 3): string[] {
  if (bars.length <= count) {
    return bars.map(b => b.date);
  }
  const picks = new Set<number>();
  for (let i = 0; i < count; i++) {
    picks.add(Math.round((i * (bars.length - 1)) / (count - 1)));
  }
  return [...picks].map(i => bars[i].date);
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

/** The idle chart's y ticks: round, above both the threshold and the busiest segment. */
export function idleTicks(status: IdleStatus, intervals = 2): number[] {
  const top = Math.max(
    status.threshold,
    ...status.segments.map(s => s.value ?? 0),
    status.busiest ?? 0
  );
  // A tenth above the threshold, so its line is never drawn on the top edge.
  return niceTicks(top * 1.1, intervals);
}

/** The top of the idle chart's y axis. */
export function idleYMax(status: IdleStatus): number {
  const ticks = idleTicks(status);
  return ticks[ticks.length - 1];
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
