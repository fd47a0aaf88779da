import { Type } from '@sinclair/typebox';
import {
  UsageCost as UsageCostBody,
  type DailyCost,
  type PriceTable,
  type UsageCost
} from '@hotstepper/api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type Database from 'better-sqlite3';
import { hourlyCosts } from '../../pricing';
import { localDate, localTime, wallClock } from '../../time';
import type { UsageDeps } from './deps';
import { ROLLUP_MS } from './history';

/** The days the estimate covers, today included. */
export const COST_DAYS = 90;

/*
 * Each 5-minute rollup that exists counts as 5 minutes of running time, however many samples it
 * holds. Counting n × sampleIntervalSeconds instead would undercount whenever the interval does
 * not divide 5 minutes (at 120 s a running bucket holds 2 or 3 samples: 240 or 360 s, capped to
 * 300) and would rescale all past days when an admin changes the interval; a whole bucket is
 * wrong only at a start or stop, by less than 5 minutes, and matches the platform's own
 * 5-minute segments.
 */
const BUCKET_HOURS = ROLLUP_MS / 3600_000;

/**
 * The local midnights that bound the last `days` days, today included: `days + 1` of them,
 * the last being tomorrow's. (Local days are 23 or 25 hours long when the clocks change.)
 */
export function dayBounds(now: number, days = COST_DAYS, timeZone?: string): number[] {
  const today = wallClock(now, timeZone);
  const bounds: number[] = [];
  for (let i = days - 1; i >= -1; i--) {
    bounds.push(localTime(today.year, today.month, today.day - i, 0, timeZone));
  }
  return bounds;
}

/**
 * The rollups of one local day and one GPU model, each rollup's figures summed (so in
 * "per 5 minutes" units: cpuReserved 24 is 2 cores for an hour).
 */
export interface DailyUsage {
  /** The day: an index into the day bounds, 0 the oldest. */
  day: number;
  gpuModel: string | null;
  /** 5-minute rollups: each is 5 minutes of running time. */
  buckets: number;
  /** Σ CPU limit, cores. */
  cpuReserved: number;
  /** Σ mean CPU used, cores. */
  cpuUsed: number;
  /** Σ memory limit, bytes. */
  memReserved: number;
  /** Σ mean memory used, bytes. */
  memUsed: number;
  /** Σ GPUs reserved. */
  gpuReserved: number;
  /** Σ GPUs × their mean utilisation; a rollup without a utilisation reading (MIG) counts as reserved. */
  gpuUsed: number;
}

/*
 * One statement: a range search of the primary key per local day (the days come from JS, where
 * the time zone is known), summed per day and GPU model. Summing in SQLite keeps the 26 k rows of
 * 90 days out of JS: reading them as objects alone took ~150 ms; this takes ~20 ms.
 */
const DAILY_USAGE = `
  SELECT day.key AS day, gpu_model AS gpuModel, count(*) AS buckets,
    sum(cpu_limit) AS cpuReserved, sum(cpu_sum / n) AS cpuUsed,
    sum(mem_limit) AS memReserved, sum(mem_sum / n) AS memUsed,
    sum(gpu_count) AS gpuReserved,
    sum(gpu_count * CASE WHEN gpu_n > 0 THEN gpu_sum / gpu_n ELSE 1 END) AS gpuUsed
  FROM json_each(@days) AS day
  CROSS JOIN usage_rollup ON bucket >= day.value ->> 0 AND bucket < day.value ->> 1
  GROUP BY day.key, gpu_model`;

/** The rollups between each two consecutive `bounds`, summed per day and GPU model. */
export function readDailyUsage(db: Database.Database, bounds: number[]): DailyUsage[] {
  const days = bounds.slice(0, -1).map((from, i) => [from, bounds[i + 1]]);
  return db.prepare(DAILY_USAGE).all({ days: JSON.stringify(days) }) as DailyUsage[];
}

/** Resources that have no limit here: their "limit" is the whole machine, not the user's. */
export type Unlimited = ReadonlyArray<'cpu' | 'memory'>;

/**
 * The cost estimate of the days between `bounds` (oldest first, days without a running server
 * as zeros). `reserved` charges the limits: CPU cores, memory GiB and GPUs reserved; `used`
 * charges the means: cores used, GiB used, GPUs × their mean utilisation. A resource in
 * `unlimited` is charged as used even with `reserved`: reserving the whole host is not what
 * the user holds.
 */
export function usageCost(
  usage: Iterable<DailyUsage>,
  prices: PriceTable,
  bounds: number[],
  timeZone?: string,
  unlimited: Unlimited = []
): UsageCost {
  const daily: DailyCost[] = bounds.slice(0, -1).map(t => ({
    date: localDate(t, timeZone),
    cpu: 0,
    memory: 0,
    gpu: 0,
    total: 0,
    hours: 0
  }));
  const reserved = prices.basis === 'reserved';
  const cpuReserved = reserved && !unlimited.includes('cpu');
  const memReserved = reserved && !unlimited.includes('memory');
  for (const u of usage) {
    const day = daily[u.day];
    if (!day) {
      continue;
    }
    const costs = hourlyCosts(
      {
        cpu: cpuReserved ? u.cpuReserved : u.cpuUsed,
        memory: memReserved ? u.memReserved : u.memUsed,
        gpu: { count: reserved ? u.gpuReserved : u.gpuUsed, model: u.gpuModel }
      },
      prices
    );
    day.cpu += costs.cpu * BUCKET_HOURS;
    day.memory += costs.memory * BUCKET_HOURS;
    day.gpu += costs.gpu * BUCKET_HOURS;
    day.hours += u.buckets * BUCKET_HOURS;
  }
  for (const day of daily) {
    day.total = day.cpu + day.memory + day.gpu;
  }
  const sumLast = (n: number) => daily.slice(-n).reduce((sum, d) => sum + d.total, 0);
  return {
    prices,
    days: daily,
    totals: { today: sumLast(1), week: sumLast(7), quarter: sumLast(daily.length) },
    estimate: true,
    ...(unlimited.length ? { unlimited: [...unlimited] } : {})
  };
}

/** The estimate of the last `days` local days, today included, from state.db. */
export function estimateCost(
  db: Database.Database,
  prices: PriceTable,
  now = Date.now(),
  {
    days = COST_DAYS,
    timeZone,
    unlimited = []
  }: { days?: number; timeZone?: string; unlimited?: Unlimited } = {}
): UsageCost {
  const bounds = dayBounds(now, days, timeZone);
  return usageCost(readDailyUsage(db, bounds), prices, bounds, timeZone, unlimited);
}

/** Plain figures for a spreadsheet: a dot for decimals, no grouping, no locale. */
const fixed = (value: number, digits: number) => value.toFixed(digits);

/** The daily costs as CSV (RFC 4180: header row, CRLF line ends); hours 2 decimals, money 4. */
export function costCsv(cost: UsageCost): string {
  const lines = ['date,hours,cpu,memory,gpu,total,currency'];
  for (const d of cost.days) {
    lines.push(
      [
        d.date,
        fixed(d.hours, 2),
        fixed(d.cpu, 4),
        fixed(d.memory, 4),
        fixed(d.gpu, 4),
        fixed(d.total, 4),
        cost.prices.currency
      ].join(',')
    );
  }
  return lines.join('\r\n') + '\r\n';
}

/** GET /cost and GET /cost.csv: the estimate from the rollups and the admin's price table. */
export const costRoutes: FastifyPluginAsyncTypebox<UsageDeps> = async (
  app,
  { config, store, sampler }
) => {
  // Whether a limit is set comes from the latest reading (the rollups keep the figure, not
  // where it came from): a server started without limits is priced on what it used.
  const estimate = async (now: number) => {
    await sampler.ready;
    const snapshot = sampler.snapshot;
    const unlimited = (['cpu', 'memory'] as const).filter(
      r => snapshot?.[r].limitSource === 'host'
    );
    return estimateCost(store.db, config.prices, now, { unlimited });
  };

  app.get(
    '/cost',
    {
      schema: {
        summary:
          'Estimated cost per day for the last 90 days, with totals for today, 7 and 90 days, and the price table',
        tags: ['usage'],
        response: { 200: UsageCostBody }
      }
    },
    async () => await estimate(Date.now())
  );

  app.get(
    '/cost.csv',
    {
      schema: {
        summary: 'The daily cost estimate as CSV: date,hours,cpu,memory,gpu,total,currency',
        tags: ['usage'],
        response: {
          200: {
            description: 'One row per day, oldest first, after a header row',
            content: { 'text/csv': { schema: Type.String() } }
          }
        }
      }
    },
    async (_req, reply) => {
      const now = Date.now();
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="hotstepper-usage-${localDate(now)}.csv"`
        )
        .send(costCsv(await estimate(now)));
    }
  );
};
