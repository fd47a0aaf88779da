import {
  HistoryQuery,
  HistoryRange,
  UsageHistory as UsageHistoryBody,
  type HistoryPoint,
  type UsageSnapshot
} from '@hotstepper/api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Store } from '../../store';
import { alignDown, zoneOffset } from '../../time';
import type { UsageDeps } from './deps';
import { gpuSummary } from './service';

/** The width of one row of `usage_rollup`. */
export const ROLLUP_MS = 5 * 60_000;
const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
const PRUNE_EVERY_MS = HOUR_MS;

/** The ranges served from rollups: bucket width and how many buckets end with the current one. */
export const GRIDS = {
  day: { width: ROLLUP_MS, count: DAY_MS / ROLLUP_MS },
  week: { width: 30 * 60_000, count: (7 * DAY_MS) / (30 * 60_000) },
  quarter: { width: 6 * HOUR_MS, count: (90 * DAY_MS) / (6 * HOUR_MS) }
} as const;

/**
 * The rollups in one bucket of a chart, in the order BUCKETS lists them: sums and maxima over
 * the 5-minute rows the bucket covers; all null when it covers none.
 */
type BucketAggregates = [
  n: number | null,
  cpuSum: number | null,
  cpuMax: number | null,
  cpuLimit: number | null,
  memSum: number | null,
  memMax: number | null,
  memLimit: number | null,
  gpuN: number | null,
  gpuSum: number | null,
  gpuMax: number | null,
  /** Samples taken while the notebook had a GPU: what GPU memory is averaged over. */
  gpumemN: number | null,
  gpumemSum: number | null,
  gpumemTotal: number | null
];

interface SampleRow {
  ts: number;
  cpu_used: number;
  cpu_limit: number;
  mem_used: number;
  mem_limit: number;
  gpu_util: number | null;
  gpu_mem: number | null;
  gpumem_total: number | null;
}

/*
 * Column meanings, beyond the migration's comments: gpu_n counts the samples whose GPU
 * utilisation was reported (so gpu_sum / gpu_n is the mean, and a MIG instance, which reports
 * none, gives null rather than 0); GPU memory is summed over every sample with a GPU, i.e. over
 * n where gpu_count > 0. Limits, gpumem_total and gpu_count keep the largest value seen.
 */
const UPSERT = `
  INSERT INTO usage_rollup (bucket, n, cpu_sum, cpu_max, cpu_limit, mem_sum, mem_max, mem_limit,
    gpu_n, gpu_sum, gpu_max, gpumem_sum, gpumem_total, gpu_count, gpu_model)
  VALUES (@bucket, 1, @cpu, @cpu, @cpuLimit, @mem, @mem, @memLimit,
    @gpuN, @gpu, @gpu, @gpuMem, @gpuMemTotal, @gpuCount, @gpuModel)
  ON CONFLICT (bucket) DO UPDATE SET
    n = n + 1,
    cpu_sum = cpu_sum + excluded.cpu_sum,
    cpu_max = max(cpu_max, excluded.cpu_max),
    cpu_limit = max(cpu_limit, excluded.cpu_limit),
    mem_sum = mem_sum + excluded.mem_sum,
    mem_max = max(mem_max, excluded.mem_max),
    mem_limit = max(mem_limit, excluded.mem_limit),
    gpu_n = gpu_n + excluded.gpu_n,
    gpu_sum = gpu_sum + excluded.gpu_sum,
    gpu_max = max(gpu_max, excluded.gpu_max),
    gpumem_sum = gpumem_sum + excluded.gpumem_sum,
    gpumem_total = max(gpumem_total, excluded.gpumem_total),
    gpu_count = max(gpu_count, excluded.gpu_count),
    gpu_model = coalesce(excluded.gpu_model, gpu_model)`;

/*
 * Every bucket of a chart in one statement: for each bucket start of the grid (made in JS), the
 * aggregates of the rollups it covers, read by a range search of the primary key; together
 * these searches read the range once, in order. A GROUP BY over the range does the same sums
 * but first copies every row into a temporary B-tree to sort it, which took twice as long for
 * 90 days (26 k rows). SQLite has no multi-column scalar subquery, hence json_array.
 */
const BUCKETS = `
  SELECT (
    SELECT json_array(sum(n),
      sum(cpu_sum), max(cpu_max), max(cpu_limit),
      sum(mem_sum), max(mem_max), max(mem_limit),
      sum(gpu_n), sum(gpu_sum), max(CASE WHEN gpu_n > 0 THEN gpu_max END),
      sum(CASE WHEN gpu_count > 0 THEN n ELSE 0 END), sum(gpumem_sum), max(gpumem_total))
    FROM usage_rollup
    WHERE bucket >= grid.value AND bucket < grid.value + @width
  ) AS aggregates
  FROM json_each(@grid) AS grid
  ORDER BY grid.key`;

/** Raw samples, with the GPU memory total of their rollup (raw rows do not keep it). */
const SAMPLES = `
  SELECT s.ts, s.cpu_used, s.cpu_limit, s.mem_used, s.mem_limit, s.gpu_util, s.gpu_mem,
    CASE WHEN r.gpu_count > 0 THEN r.gpumem_total END AS gpumem_total
  FROM usage_sample s
  LEFT JOIN usage_rollup r ON r.bucket = s.ts - s.ts % ${ROLLUP_MS}
  WHERE s.ts > @from AND s.ts <= @to
  ORDER BY s.ts`;

const gap = (t: number): HistoryPoint => ({
  t,
  cpu: null,
  cpuMax: null,
  cpuLimit: null,
  memory: null,
  memoryMax: null,
  memoryLimit: null,
  gpu: null,
  gpuMax: null,
  gpuMemory: null,
  gpuMemoryTotal: null
});

function bucketPoint(t: number, a: BucketAggregates): HistoryPoint {
  const [n, cpuSum, cpuMax, cpuLimit, memSum, memMax, memLimit, ...gpu] = a;
  const [gpuN, gpuSum, gpuMax, gpumemN, gpumemSum, gpumemTotal] = gpu;
  if (!n) {
    return gap(t);
  }
  return {
    t,
    cpu: cpuSum! / n,
    cpuMax,
    cpuLimit,
    memory: memSum! / n,
    memoryMax: memMax,
    memoryLimit: memLimit,
    gpu: gpuN ? gpuSum! / gpuN : null,
    gpuMax: gpuN ? gpuMax : null,
    gpuMemory: gpumemN ? gpumemSum! / gpumemN : null,
    gpuMemoryTotal: gpumemN ? gpumemTotal : null
  };
}

function samplePoint(r: SampleRow): HistoryPoint {
  return {
    t: r.ts,
    cpu: r.cpu_used,
    cpuMax: r.cpu_used,
    cpuLimit: r.cpu_limit,
    memory: r.mem_used,
    memoryMax: r.mem_used,
    memoryLimit: r.mem_limit,
    gpu: r.gpu_util,
    gpuMax: r.gpu_util,
    gpuMemory: r.gpu_mem,
    gpuMemoryTotal: r.gpu_mem === null ? null : r.gpumem_total
  };
}

export interface UsageHistoryOptions {
  /** How often the sampler samples: the resolution of the `hour` range. */
  sampleIntervalSeconds: number;
  /** Rollups older than this many days are deleted. */
  historyDays: number;
  /** Whose local hours the 30-minute and 6-hour buckets start at; default the server's zone. */
  timeZone?: string;
}

/**
 * The usage history: keeps one `usage_rollup` row per 5-minute bucket up to date from the
 * sampler, and answers the charts' ranges. A bucket without a row is a time the server did not
 * run, and comes out as a point of nulls (a gap), never as zeros.
 */
export class UsageHistory {
  private readonly upsert;
  private readonly prune;
  private readonly buckets;
  private readonly samples;
  private lastPrune = -Infinity;

  constructor(
    store: Store,
    private readonly options: UsageHistoryOptions
  ) {
    this.upsert = store.db.prepare(UPSERT);
    this.prune = store.db.prepare('DELETE FROM usage_rollup WHERE bucket < ?');
    this.buckets = store.db.prepare(BUCKETS).pluck();
    this.samples = store.db.prepare(SAMPLES);
  }

  /** Adds one sample to its 5-minute bucket (one statement); prunes old rollups at most hourly. */
  record(snapshot: UsageSnapshot, at: number): void {
    const gpu = gpuSummary(snapshot.gpus);
    const utilization = gpu?.utilization ?? null;
    this.upsert.run({
      bucket: at - (at % ROLLUP_MS),
      cpu: snapshot.cpu.used,
      cpuLimit: snapshot.cpu.limit,
      mem: snapshot.memory.used,
      memLimit: snapshot.memory.limit,
      gpuN: utilization === null ? 0 : 1,
      gpu: utilization ?? 0,
      gpuMem: gpu?.memoryUsed ?? 0,
      gpuMemTotal: gpu?.memoryTotal ?? 0,
      gpuCount: snapshot.gpus?.length ?? 0,
      gpuModel: snapshot.gpus?.[0]?.model ?? null
    });
    if (at - this.lastPrune >= PRUNE_EVERY_MS) {
      this.pruneBefore(at);
    }
  }

  /** Deletes the rollups older than `historyDays` before `now`; returns how many. */
  pruneBefore(now: number): number {
    this.lastPrune = now;
    return this.prune.run(now - this.options.historyDays * DAY_MS).changes;
  }

  /** The chart data of one range, ending now. */
  query(range: HistoryRange, now = Date.now()): UsageHistoryBody {
    return range === 'hour' ? this.lastHour(now) : this.grid(range, now);
  }

  /** Every bucket of the range (gaps included), filled by one statement. */
  private grid(range: Exclude<HistoryRange, 'hour'>, now: number): UsageHistoryBody {
    const { width, count } = GRIDS[range];
    // The offset of now for the whole range: after a clock change, older buckets start an hour off.
    const offset = zoneOffset(now, this.options.timeZone);
    const last = alignDown(now, width, offset);
    const from = last - (count - 1) * width;
    const grid = Array.from({ length: count }, (_, i) => from + i * width);
    const rows = this.buckets.all({ grid: JSON.stringify(grid), width }) as string[];
    const points = grid.map((t, i) => bucketPoint(t, JSON.parse(rows[i]) as BucketAggregates));
    return { range, resolution: width / 1000, from, to: now, points };
  }

  /**
   * The raw samples of the last hour, each its own point. Where the sampler was silent for
   * more than 2.5 intervals (the server was stopped), a point of nulls marks the gap.
   */
  private lastHour(now: number): UsageHistoryBody {
    const intervalMs = this.options.sampleIntervalSeconds * 1000;
    const silence = 2.5 * intervalMs;
    const from = now - HOUR_MS;
    const rows = this.samples.all({ from, to: now }) as SampleRow[];
    const points: HistoryPoint[] = [];
    let previous = from - intervalMs;
    for (const row of rows) {
      if (row.ts - previous > silence) {
        points.push(gap(Math.max(from, previous + intervalMs)));
      }
      points.push(samplePoint(row));
      previous = row.ts;
    }
    if (now - previous > silence) {
      points.push(gap(Math.max(from, previous + intervalMs)));
    }
    return {
      range: 'hour',
      resolution: Math.max(1, Math.round(this.options.sampleIntervalSeconds)),
      from,
      to: now,
      points
    };
  }
}

/** GET /history?range=hour|day|week|quarter: the charts' data; subscribes to the sampler. */
export const historyRoutes: FastifyPluginAsyncTypebox<UsageDeps> = async (app, deps) => {
  const { config, store, sampler } = deps;
  const history = new UsageHistory(store, {
    sampleIntervalSeconds: config.usage.sampleIntervalSeconds,
    historyDays: config.usage.historyDays
  });
  let open = true;
  sampler.onSample((snapshot, at) => {
    if (open) {
      history.record(snapshot, at);
    }
  });
  // The sampler outlives the app in tests; the store may be closed after the app.
  app.addHook('onClose', async () => {
    open = false;
  });

  // Typed by hand: the type provider resolves an older @sinclair/typebox than @hotstepper/api's,
  // so it cannot infer the querystring from the schema.
  app.get<{ Querystring: HistoryQuery }>(
    '/history',
    {
      schema: {
        summary:
          'CPU, memory and GPU over the last hour (raw samples), day (5 min), week (30 min) or 90 days (6 h); gaps are nulls',
        tags: ['usage'],
        querystring: HistoryQuery,
        response: { 200: UsageHistoryBody }
      }
    },
    async req => history.query(req.query.range)
  );
};
