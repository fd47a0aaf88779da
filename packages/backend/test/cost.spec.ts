import { Value } from '@sinclair/typebox/value';
import { UsageCost, type PriceTable } from '@hotstepper/api';
import { costCsv, dayBounds, estimateCost, usageCost } from '../src/features/usage/cost';
import { ROLLUP_MS } from '../src/features/usage/history';
import { localDate } from '../src/time';
import { Store } from '../src/store';
import { GiB } from './helpers';

const HOUR = 3600_000;

/** Prague: days of 23 and 25 hours when the clocks change, and an offset from UTC. */
const TZ = 'Europe/Prague';
const inPrague = { timeZone: TZ };

/** The usage_rollup columns the estimate reads. */
interface Rollup {
  bucket: number;
  n: number;
  cpu_sum: number;
  cpu_limit: number;
  mem_sum: number;
  mem_limit: number;
  gpu_n: number;
  gpu_sum: number;
  gpu_count: number;
  gpu_model: string | null;
}

/** The estimate of these rollups in a fresh state.db, the days being Prague's. */
function usageCostOf(
  rows: Rollup[],
  prices: PriceTable,
  now: number,
  unlimited: Array<'cpu' | 'memory'> = []
) {
  const store = new Store({ path: ':memory:' });
  try {
    const insert = store.db.prepare(
      `INSERT INTO usage_rollup (bucket, n, cpu_sum, cpu_max, cpu_limit, mem_sum, mem_max, mem_limit,
         gpu_n, gpu_sum, gpu_max, gpumem_sum, gpumem_total, gpu_count, gpu_model)
       VALUES (@bucket, @n, @cpu_sum, 0, @cpu_limit, @mem_sum, 0, @mem_limit,
         @gpu_n, @gpu_sum, 0, 0, 0, @gpu_count, @gpu_model)`
    );
    store.db.transaction(() => rows.forEach(r => insert.run(r)))();
    return estimateCost(store.db, prices, now, { ...inPrague, unlimited });
  } finally {
    store.close();
  }
}

const PRICES: PriceTable = {
  currency: 'CZK',
  basis: 'reserved',
  cpuHour: 0.5,
  memoryGiBHour: 0.1,
  gpuHour: { default: 20, a40: 40, 'mig-1g.10gb': 5 }
};
const used: PriceTable = { ...PRICES, basis: 'used' };

/** A full 5-minute bucket: 60 samples at 5 s. */
function rollup(bucket: number, r: Partial<Rollup> = {}): Rollup {
  return {
    bucket,
    n: 60,
    cpu_sum: 60 * 0.5, // 0.5 cores used on average
    cpu_limit: 2,
    mem_sum: 60 * 2 * GiB, // 2 GiB used on average
    mem_limit: 8 * GiB,
    gpu_n: 0,
    gpu_sum: 0,
    gpu_count: 0,
    gpu_model: null,
    ...r
  };
}

/** Every 5-minute bucket in [from, to). */
function running(from: number, to: number, r: Partial<Rollup> = {}): Rollup[] {
  const rows: Rollup[] = [];
  for (let t = from; t < to; t += ROLLUP_MS) {
    rows.push(rollup(t, r));
  }
  return rows;
}

/** Prague wall time as an instant, by the 2026 rules: CEST (+2 h) from 29 March 02:00 to 25 October 03:00. */
function local(y: number, m: number, d: number, h = 0): number {
  const wall = Date.UTC(y, m - 1, d, h);
  const summer = wall >= Date.UTC(2026, 2, 29, 2) && wall < Date.UTC(2026, 9, 25, 3);
  return wall - (summer ? 2 : 1) * HOUR;
}

describe('the cost estimate', () => {
  // Wednesday 10 June 2026, 15:00 in Prague.
  const now = local(2026, 6, 10, 15);
  const yesterday = running(local(2026, 6, 9), local(2026, 6, 10));

  it('reserved: charges the limits for every hour the server ran (2 cores × 0.5 CZK × 24 h = 24 CZK)', () => {
    const cost = usageCostOf(yesterday, PRICES, now);
    expect(cost.days.at(-2)).toEqual({
      date: '2026-06-09',
      cpu: expect.closeTo(24, 9),
      memory: expect.closeTo(8 * 0.1 * 24, 9), // 8 GiB × 0.1 × 24 h = 19.2
      gpu: 0,
      total: expect.closeTo(43.2, 9),
      hours: expect.closeTo(24, 9)
    });
  });

  it('used: charges the means (0.5 cores × 0.5 × 24 h = 6; 2 GiB × 0.1 × 24 h = 4.8)', () => {
    const cost = usageCostOf(yesterday, used, now);
    expect(cost.days.at(-2)).toEqual({
      date: '2026-06-09',
      cpu: expect.closeTo(6, 9),
      memory: expect.closeTo(4.8, 9),
      gpu: 0,
      total: expect.closeTo(10.8, 9),
      hours: expect.closeTo(24, 9)
    });
  });

  it('reserved without a limit: the whole machine is not what the user holds, so what was used is charged', () => {
    const cost = usageCostOf(yesterday, PRICES, now, ['cpu', 'memory']);
    expect(cost.days.at(-2)).toMatchObject({
      cpu: expect.closeTo(6, 9),
      memory: expect.closeTo(4.8, 9)
    });
    expect(cost.unlimited).toEqual(['cpu', 'memory']);
    // A CPU limit without a memory limit: CPU reserved, memory used.
    const cpuOnly = usageCostOf(yesterday, PRICES, now, ['memory']);
    expect(cpuOnly.days.at(-2)).toMatchObject({
      cpu: expect.closeTo(24, 9),
      memory: expect.closeTo(4.8, 9)
    });
    expect(Value.Check(UsageCost, cost)).toBe(true);
    // With limits set, nothing is said.
    expect(usageCostOf(yesterday, PRICES, now).unlimited).toBeUndefined();
  });

  it('counts each existing 5-minute rollup as 5 minutes, however many samples it holds', () => {
    const cost = usageCostOf(
      [rollup(local(2026, 6, 10, 9), { n: 1, cpu_sum: 1 }), rollup(local(2026, 6, 10, 10))],
      PRICES,
      now
    );
    const today = cost.days.at(-1)!;
    expect(today.hours).toBeCloseTo(10 / 60, 9);
    expect(today.cpu).toBeCloseTo(2 * 0.5 * (10 / 60), 9);
  });

  describe('GPUs', () => {
    const hour = (r: Partial<Rollup>) => running(local(2026, 6, 10, 8), local(2026, 6, 10, 9), r);

    it.each<[string, Partial<Rollup>, PriceTable, number]>([
      // 2 × A40 (priced "a40") × 40 × 1 h
      [
        'reserved, priced by model',
        { gpu_count: 2, gpu_model: 'NVIDIA A40', gpu_n: 60, gpu_sum: 15 },
        PRICES,
        80
      ],
      // 2 × 0.25 utilisation × 40 × 1 h
      [
        'used: GPUs × mean utilisation',
        { gpu_count: 2, gpu_model: 'NVIDIA A40', gpu_n: 60, gpu_sum: 15 },
        used,
        20
      ],
      // a model not in the table: the default, 20
      [
        'reserved, default price',
        { gpu_count: 1, gpu_model: 'Tesla T4', gpu_n: 60, gpu_sum: 60 },
        PRICES,
        20
      ],
      [
        'used, default price',
        { gpu_count: 1, gpu_model: 'Tesla T4', gpu_n: 60, gpu_sum: 30 },
        used,
        10
      ],
      // a MIG profile priced by its name
      ['reserved, MIG profile', { gpu_count: 1, gpu_model: 'mig-1g.10gb' }, PRICES, 5],
      // no utilisation reading (MIG): charged as reserved
      ['used, MIG without utilisation', { gpu_count: 1, gpu_model: 'mig-1g.10gb' }, used, 5]
    ])('%s', (_what, r, prices, expected) => {
      const today = usageCostOf(hour(r), prices, now).days.at(-1)!;
      expect(today.gpu).toBeCloseTo(expected, 9);
      expect(today.total).toBeCloseTo(today.cpu + today.memory + expected, 9);
    });
  });

  it('has 90 local days, oldest first, ending today, zeros where nothing ran', () => {
    const cost = usageCostOf(yesterday, PRICES, now);
    expect(Value.Errors(UsageCost, cost).First()).toBeUndefined();
    expect(cost.estimate).toBe(true);
    expect(cost.prices).toBe(PRICES);
    expect(cost.days).toHaveLength(90);
    expect(cost.days[0].date).toBe('2026-03-13');
    expect(cost.days.at(-1)!.date).toBe('2026-06-10');
    const dates = cost.days.map(d => d.date);
    expect(new Set(dates).size).toBe(90);
    expect(dates).toEqual([...dates].sort());
    expect(cost.days.filter(d => d.date !== '2026-06-09')).toEqual(
      dates
        .filter(d => d !== '2026-06-09')
        .map(date => ({ date, cpu: 0, memory: 0, gpu: 0, total: 0, hours: 0 }))
    );
  });

  it('uses local calendar days: the day the clocks go forward has 23 hours', () => {
    const cost = usageCostOf(running(local(2026, 3, 29), local(2026, 3, 30)), PRICES, now);
    const day = cost.days.find(d => d.date === '2026-03-29')!;
    expect(day.hours).toBeCloseTo(23, 9);
    expect(day.cpu).toBeCloseTo(2 * 0.5 * 23, 9);
    expect(cost.days.filter(d => d.hours > 0)).toHaveLength(1);
  });

  it('puts a bucket just before local midnight in that day, the one at midnight in the next', () => {
    const midnight = local(2026, 6, 10);
    const cost = usageCostOf(
      [rollup(midnight - ROLLUP_MS), rollup(midnight), rollup(midnight + ROLLUP_MS)],
      PRICES,
      now
    );
    expect(cost.days.at(-2)!.hours).toBeCloseTo(5 / 60, 9);
    expect(cost.days.at(-1)!.hours).toBeCloseTo(10 / 60, 9);
  });

  it('totals today, the last 7 days and the last 90 days; older rollups are left out', () => {
    const hourOn = (m: number, d: number) => running(local(2026, m, d, 12), local(2026, m, d, 13));
    // 1 h each: 2 cores × 0.5 + 8 GiB × 0.1 = 1.8 CZK
    const rows = [
      ...hourOn(6, 10), // today
      ...hourOn(6, 4), // 6 days ago: within the 7 days
      ...hourOn(6, 3), // 7 days ago: not
      ...hourOn(3, 13), // the oldest of the 90 days
      ...hourOn(3, 12), // 90 days ago: out
      ...hourOn(1, 1) // long ago: out
    ];
    const { totals } = usageCostOf(rows, PRICES, now);
    expect(totals.today).toBeCloseTo(1.8, 9);
    expect(totals.week).toBeCloseTo(3.6, 9);
    expect(totals.quarter).toBeCloseTo(7.2, 9);
  });

  it('prices each GPU model of a day by its own price (a server restarted with another GPU)', () => {
    const rows = [
      ...running(local(2026, 6, 10, 8), local(2026, 6, 10, 9), {
        gpu_count: 1,
        gpu_model: 'NVIDIA A40'
      }),
      ...running(local(2026, 6, 10, 9), local(2026, 6, 10, 10), {
        gpu_count: 1,
        gpu_model: 'mig-1g.10gb'
      })
    ];
    const today = usageCostOf(rows, PRICES, now).days.at(-1)!;
    expect(today.gpu).toBeCloseTo(40 + 5, 9);
    expect(today.hours).toBeCloseTo(2, 9);
  });
});

describe('usageCost', () => {
  const bounds = [local(2026, 6, 8), local(2026, 6, 9), local(2026, 6, 10)];
  const day = {
    gpuModel: null,
    buckets: 12,
    cpuReserved: 24,
    cpuUsed: 6,
    memReserved: 12 * 8 * GiB,
    memUsed: 12 * 2 * GiB,
    gpuReserved: 0,
    gpuUsed: 0
  };

  it('turns per-day sums of 5-minute rollups into money: 12 buckets of 2 cores is 2 core-hours', () => {
    const cost = usageCost([{ day: 1, ...day }], PRICES, bounds, TZ);
    expect(cost.days.map(d => d.date)).toEqual(['2026-06-08', '2026-06-09']);
    expect(cost.days[1]).toEqual({
      date: '2026-06-09',
      cpu: expect.closeTo(1, 9), // 2 core-hours × 0.5
      memory: expect.closeTo(0.8, 9), // 8 GiB-hours × 0.1
      gpu: 0,
      total: expect.closeTo(1.8, 9),
      hours: expect.closeTo(1, 9)
    });
    expect(cost.totals.today).toBeCloseTo(1.8, 9);
  });

  it('ignores a day outside the bounds', () => {
    const cost = usageCost([{ day: 2, ...day }], PRICES, bounds, TZ);
    expect(cost.totals.quarter).toBe(0);
  });
});

describe('dayBounds and localDate', () => {
  it('are local midnights, the last one tomorrow’s', () => {
    const bounds = dayBounds(local(2026, 6, 10, 15), 3, TZ);
    expect(bounds).toEqual([
      local(2026, 6, 8),
      local(2026, 6, 9),
      local(2026, 6, 10),
      local(2026, 6, 11)
    ]);
  });

  it('name the local date, which is not the UTC date just after midnight', () => {
    const justAfter = local(2026, 6, 10) + 60_000; // 22:01 UTC the day before
    expect(new Date(justAfter).toISOString().slice(0, 10)).toBe('2026-06-09');
    expect(localDate(justAfter, TZ)).toBe('2026-06-10');
  });

  it('follow the server’s own zone when none is named', () => {
    const at = Date.UTC(2026, 5, 10, 23, 30);
    const d = new Date(at);
    const pad = (n: number) => String(n).padStart(2, '0');
    expect(localDate(at)).toBe(`${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`);
    expect(dayBounds(at, 2)).toEqual([
      new Date(d.getFullYear(), d.getMonth(), d.getDate() - 1).getTime(),
      new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime(),
      new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime()
    ]);
  });

  it('dayBounds spans 25 hours on the day the clocks go back', () => {
    const bounds = dayBounds(local(2026, 10, 25, 12), 1, TZ);
    expect(bounds[1] - bounds[0]).toBe(25 * HOUR);
  });
});

describe('costCsv', () => {
  const now = local(2026, 6, 10, 15);

  it('has a header row and one row per day, plain numbers, CRLF line ends', () => {
    const rows = running(local(2026, 6, 9, 8), local(2026, 6, 9, 10), {
      gpu_count: 1,
      gpu_model: 'NVIDIA A40'
    });
    const csv = costCsv(usageCostOf(rows, PRICES, now));
    const lines = csv.split('\r\n');
    expect(lines).toHaveLength(92); // header, 90 days, '' after the final CRLF
    expect(lines[0]).toBe('date,hours,cpu,memory,gpu,total,currency');
    expect(lines[1]).toBe('2026-03-13,0.00,0.0000,0.0000,0.0000,0.0000,CZK');
    // 2 h: 2 cores × 0.5 × 2 = 2; 8 GiB × 0.1 × 2 = 1.6; 1 GPU × 40 × 2 = 80
    expect(lines[89]).toBe('2026-06-09,2.00,2.0000,1.6000,80.0000,83.6000,CZK');
    expect(lines[91]).toBe('');
    expect(csv).not.toMatch(/\n(?<!\r\n)/);
  });

  it('never groups thousands or uses a decimal comma', () => {
    const rows = running(local(2026, 6, 9), local(2026, 6, 10), { cpu_limit: 200 });
    const line = costCsv(usageCostOf(rows, PRICES, now)).split('\r\n')[89];
    // 200 cores × 0.5 × 24 h = 2400
    expect(line).toBe('2026-06-09,24.00,2400.0000,19.2000,0.0000,2419.2000,CZK');
  });
});
