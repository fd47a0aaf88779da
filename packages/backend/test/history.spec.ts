import { Value } from '@sinclair/typebox/value';
import {
  UsageCost,
  UsageHistory as UsageHistoryBody,
  type GpuUsage,
  type HistoryPoint,
  type UsageSnapshot
} from '@hotstepper/api';
import { GRIDS, ROLLUP_MS, UsageHistory } from '../src/features/usage/history';
import { UsageSampler } from '../src/features/usage/service';
import { Store } from '../src/store';
import { alignDown, localDate } from '../src/time';
import { GiB, httpRequest, memoryLogger, startTestServer, type TestServer } from './helpers';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Prague: an offset from UTC (+2 h in summer), so local alignment is really tested. */
const TZ = 'Europe/Prague';

/** Prague wall time as an instant, by the 2026 rules: CEST (+2 h) from 29 March 02:00 to 25 October 03:00. */
function prague(y: number, m: number, d: number, h = 0, min = 0, s = 0): number {
  const wall = Date.UTC(y, m - 1, d, h, min, s);
  const summer = wall >= Date.UTC(2026, 2, 29, 2) && wall < Date.UTC(2026, 9, 25, 3);
  return wall - (summer ? 2 : 1) * HOUR;
}

function snap(cpu: number, memory: number, more: Partial<UsageSnapshot> = {}): UsageSnapshot {
  return {
    sampledAt: new Date(0).toISOString(),
    source: 'cgroup2',
    cpu: { used: cpu, limit: 2, limitSource: 'cgroup' },
    memory: { used: memory, limit: 4 * GiB, limitSource: 'cgroup' },
    intervalSeconds: 5,
    ...more
  };
}

function gpu(model: string, utilization: number | null, memoryUsed: number, index = 0): GpuUsage {
  return { index, uuid: `GPU-${index}`, model, utilization, memoryUsed, memoryTotal: 40 * GiB };
}

interface RollupRow {
  bucket: number;
  n: number;
  cpu_sum: number;
  cpu_max: number;
  cpu_limit: number;
  mem_sum: number;
  mem_max: number;
  mem_limit: number;
  gpu_n: number;
  gpu_sum: number;
  gpu_max: number;
  gpumem_sum: number;
  gpumem_total: number;
  gpu_count: number;
  gpu_model: string | null;
}

/** A rollup written directly, as days of history before this test started. */
function insertRollup(store: Store, bucket: number, row: Partial<RollupRow> = {}): void {
  const full: RollupRow = {
    bucket,
    n: 60,
    cpu_sum: 60,
    cpu_max: 1,
    cpu_limit: 2,
    mem_sum: 60 * GiB,
    mem_max: GiB,
    mem_limit: 4 * GiB,
    gpu_n: 0,
    gpu_sum: 0,
    gpu_max: 0,
    gpumem_sum: 0,
    gpumem_total: 0,
    gpu_count: 0,
    gpu_model: null,
    ...row
  };
  store.db
    .prepare(
      `INSERT INTO usage_rollup VALUES (@bucket, @n, @cpu_sum, @cpu_max, @cpu_limit, @mem_sum, @mem_max,
        @mem_limit, @gpu_n, @gpu_sum, @gpu_max, @gpumem_sum, @gpumem_total, @gpu_count, @gpu_model)`
    )
    .run(full);
}

const GAP: Omit<HistoryPoint, 't'> = {
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
};

describe('UsageHistory', () => {
  let store: Store;
  let history: UsageHistory;
  const rollups = () =>
    store.db.prepare('SELECT * FROM usage_rollup ORDER BY bucket').all() as RollupRow[];
  /** A sample as the sampler stores it: the raw row, then the listeners. */
  const sample = (at: number, snapshot: UsageSnapshot) => {
    const g = snapshot.gpus;
    store.db
      .prepare('INSERT INTO usage_sample VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(
        at,
        snapshot.cpu.used,
        snapshot.cpu.limit,
        snapshot.memory.used,
        snapshot.memory.limit,
        g ? (g[0].utilization ?? null) : null,
        g ? g.reduce((s, x) => s + x.memoryUsed, 0) : null
      );
    history.record(snapshot, at);
  };
  // A Monday in June, 10:02:30 in Prague (08:02:30 UTC).
  const now = prague(2026, 6, 15, 10, 2, 30);
  const bucketOf = (at: number) => at - (at % ROLLUP_MS);

  beforeEach(() => {
    store = new Store({ path: ':memory:' });
    history = new UsageHistory(store, { sampleIntervalSeconds: 5, historyDays: 90, timeZone: TZ });
  });
  afterEach(() => store.close());

  describe('rollups', () => {
    it('keeps n, sums, maxima and the largest limit of each 5-minute bucket', () => {
      const start = bucketOf(now);
      sample(start, snap(0.5, 1 * GiB));
      sample(start + 5000, snap(1.5, 3 * GiB));
      sample(
        start + 10_000,
        snap(1.0, 2 * GiB, { cpu: { used: 1, limit: 4, limitSource: 'cgroup' } })
      );
      expect(rollups()).toEqual([
        {
          bucket: start,
          n: 3,
          cpu_sum: 3,
          cpu_max: 1.5,
          cpu_limit: 4,
          mem_sum: 6 * GiB,
          mem_max: 3 * GiB,
          mem_limit: 4 * GiB,
          gpu_n: 0,
          gpu_sum: 0,
          gpu_max: 0,
          gpumem_sum: 0,
          gpumem_total: 0,
          gpu_count: 0,
          gpu_model: null
        }
      ]);
      const point = history.query('day', start + 20_000).points.at(-1)!;
      expect(point).toEqual({
        t: start,
        cpu: 1,
        cpuMax: 1.5,
        cpuLimit: 4,
        memory: 2 * GiB,
        memoryMax: 3 * GiB,
        memoryLimit: 4 * GiB,
        gpu: null,
        gpuMax: null,
        gpuMemory: null,
        gpuMemoryTotal: null
      });
    });

    it('puts a sample at the first millisecond of a bucket in it, and one a millisecond before in the previous one', () => {
      const start = bucketOf(now);
      sample(start - 1, snap(1, GiB));
      sample(start, snap(2, GiB));
      sample(start + ROLLUP_MS - 1, snap(4, GiB));
      sample(start + ROLLUP_MS, snap(8, GiB));
      expect(rollups().map(r => [r.bucket, r.n, r.cpu_sum])).toEqual([
        [start - ROLLUP_MS, 1, 1],
        [start, 2, 6],
        [start + ROLLUP_MS, 1, 8]
      ]);
    });

    it('keeps GPU utilisation mean and maximum, memory, the GPU count and the first GPU model', () => {
      const start = bucketOf(now);
      const a40s = (u0: number, u1: number, mem: number) => [
        gpu('NVIDIA A40', u0, mem, 0),
        gpu('NVIDIA A40', u1, mem, 1)
      ];
      sample(start, snap(1, GiB, { gpus: a40s(0.2, 0.6, 2 * GiB) })); // summary: 0.4, 4 GiB
      sample(start + 5000, snap(1, GiB, { gpus: a40s(1, 0.6, 4 * GiB) })); // summary: 0.8, 8 GiB
      const [row] = rollups();
      expect(row).toMatchObject({
        n: 2,
        gpu_n: 2,
        gpu_count: 2,
        gpu_model: 'NVIDIA A40',
        gpumem_sum: 12 * GiB,
        gpumem_total: 80 * GiB
      });
      expect(row.gpu_sum).toBeCloseTo(1.2);
      expect(row.gpu_max).toBeCloseTo(0.8);

      const point = history.query('day', start + 10_000).points.at(-1)!;
      expect(point.gpu).toBeCloseTo(0.6);
      expect(point.gpuMax).toBeCloseTo(0.8);
      expect(point.gpuMemory).toBe(6 * GiB);
      expect(point.gpuMemoryTotal).toBe(80 * GiB);
    });

    it('gives a MIG instance, which reports no utilisation, a null utilisation but its memory', () => {
      const start = bucketOf(now);
      sample(start, snap(1, GiB, { gpus: [gpu('mig-1g.10gb', null, GiB)] }));
      sample(start + 5000, snap(1, GiB, { gpus: [gpu('mig-1g.10gb', null, 3 * GiB)] }));
      expect(rollups()[0]).toMatchObject({ gpu_n: 0, gpu_count: 1, gpu_model: 'mig-1g.10gb' });
      const point = history.query('day', start + 10_000).points.at(-1)!;
      expect(point).toMatchObject({ gpu: null, gpuMax: null, gpuMemory: 2 * GiB });
    });

    it('averages GPU memory over the samples that had a GPU only', () => {
      const start = bucketOf(now);
      insertRollup(store, start, {
        n: 10,
        gpu_count: 1,
        gpumem_sum: 10 * GiB,
        gpumem_total: 40 * GiB
      });
      insertRollup(store, start + ROLLUP_MS, { n: 50 }); // no GPU in this one
      const point = history.query('week', start + 2 * ROLLUP_MS).points.at(-1)!;
      expect(point.gpuMemory).toBe(GiB);
      expect(point.gpuMemoryTotal).toBe(40 * GiB);
    });
  });

  describe('ranges', () => {
    it.each(Object.entries(GRIDS))(
      '%s: every bucket of the range, consecutive, aligned to local time, the last holding now',
      (range, { width, count }) => {
        const result = history.query(range as 'day', now);
        expect(Value.Errors(UsageHistoryBody, result).First()).toBeUndefined();
        expect(result.resolution).toBe(width / 1000);
        expect(result.points).toHaveLength(count);
        expect(result.from).toBe(result.points[0].t);
        expect(result.to).toBe(now);
        result.points.forEach((p, i) => expect(p.t).toBe(result.from + i * width));
        const last = result.points.at(-1)!.t;
        expect(last).toBeLessThanOrEqual(now);
        expect(last + width).toBeGreaterThan(now);
        // Local time: Prague is UTC+2 in June; buckets start at local 00:00, 06:00…
        expect((last + 2 * HOUR) % width).toBe(0);
        // With nothing stored every point is a gap.
        expect(
          result.points.every(p => Object.values({ ...p, t: null }).every(v => v === null))
        ).toBe(true);
      }
    );

    it('quarter buckets cover 90 days in 6-hour steps starting at local midnight', () => {
      const result = history.query('quarter', now);
      expect(result.points).toHaveLength(360);
      expect(now - result.from).toBeLessThan(90 * DAY);
      expect(now - result.from).toBeGreaterThanOrEqual(90 * DAY - 6 * HOUR);
      // 10:02 local is in the 06:00 bucket.
      expect(result.points.at(-1)!.t).toBe(prague(2026, 6, 15, 6));
    });

    it('day: 5-minute rollups as they are, gaps as nulls', () => {
      const start = bucketOf(now);
      insertRollup(store, start - 2 * ROLLUP_MS, { n: 60, cpu_sum: 30, cpu_max: 0.9 });
      insertRollup(store, start, { n: 30, cpu_sum: 45, cpu_max: 2 });
      insertRollup(store, start - DAY, {}); // just outside the 24 h
      const { points } = history.query('day', now);
      expect(points.slice(-3)).toEqual([
        expect.objectContaining({ t: start - 2 * ROLLUP_MS, cpu: 0.5, cpuMax: 0.9, cpuLimit: 2 }),
        { t: start - ROLLUP_MS, ...GAP },
        expect.objectContaining({
          t: start,
          cpu: 1.5,
          cpuMax: 2,
          memory: 2 * GiB,
          memoryLimit: 4 * GiB
        })
      ]);
      expect(points.filter(p => p.cpu !== null)).toHaveLength(2);
    });

    it('week: six rollups make a 30-minute bucket (sum / n, maxima, the largest limit); days ago with nothing are gaps', () => {
      const threeDaysAgo = alignDown(now - 3 * DAY, 30 * MIN, 2 * HOUR);
      const ns = [60, 60, 60, 60, 60, 30];
      ns.forEach((n, i) =>
        insertRollup(store, threeDaysAgo + i * ROLLUP_MS, {
          n,
          cpu_sum: n * (i + 1) * 0.1,
          cpu_max: (i + 1) * 0.2,
          cpu_limit: i === 3 ? 8 : 2,
          mem_sum: n * i * GiB,
          mem_max: i * GiB
        })
      );
      const { points } = history.query('week', now);
      const i = points.findIndex(p => p.t === threeDaysAgo);
      expect(i).toBeGreaterThan(0);
      const expectedCpu = (60 * (0.1 + 0.2 + 0.3 + 0.4 + 0.5) + 30 * 0.6) / 330;
      expect(points[i].cpu).toBeCloseTo(expectedCpu, 10);
      expect(points[i].cpuMax).toBeCloseTo(1.2, 10);
      expect(points[i].cpuLimit).toBe(8);
      expect(points[i].memory).toBeCloseTo(((60 * (0 + 1 + 2 + 3 + 4) + 30 * 5) * GiB) / 330, 0);
      expect(points[i].memoryMax).toBe(5 * GiB);
      expect(points[i - 1]).toEqual({ t: threeDaysAgo - 30 * MIN, ...GAP });
      expect(points[i + 1]).toEqual({ t: threeDaysAgo + 30 * MIN, ...GAP });
      expect(points.filter(p => p.cpu !== null)).toHaveLength(1);
    });

    it('quarter: a day of history 60 days ago fills its four 6-hour buckets, the days around are gaps', () => {
      const day = prague(2026, 4, 16); // 60 days before 15 June, local midnight
      for (let t = day; t < day + DAY; t += ROLLUP_MS) {
        insertRollup(store, t, {
          n: 60,
          cpu_sum: 60 * 0.25,
          cpu_max: 0.5,
          gpu_count: 1,
          gpu_n: 60,
          gpu_sum: 6,
          gpu_max: 0.3,
          gpumem_sum: 60 * GiB,
          gpumem_total: 10 * GiB
        });
      }
      const { points } = history.query('quarter', now);
      const filled = points.filter(p => p.cpu !== null);
      expect(filled.map(p => p.t)).toEqual([0, 6, 12, 18].map(h => day + h * HOUR));
      for (const p of filled) {
        expect(p).toEqual({
          t: p.t,
          cpu: 0.25,
          cpuMax: 0.5,
          cpuLimit: 2,
          memory: GiB,
          memoryMax: GiB,
          memoryLimit: 4 * GiB,
          gpu: expect.closeTo(0.1, 10),
          gpuMax: 0.3,
          gpuMemory: GiB,
          gpuMemoryTotal: 10 * GiB
        });
      }
      const before = points.findIndex(p => p.t === day) - 1;
      expect(points[before]).toEqual({ t: day - 6 * HOUR, ...GAP });
      expect(points[before + 5]).toEqual({ t: day + DAY, ...GAP });
    });

    it('hour: each raw sample is a point, and a stop of the server is a null point, not zeros', () => {
      const from = now - HOUR;
      // Running from 10 to 25 minutes into the hour, stopped, then running again until now.
      for (let t = from + 10 * MIN; t < from + 25 * MIN; t += 5000) {
        sample(t, snap(1, 2 * GiB, { gpus: [gpu('NVIDIA A40', 0.5, GiB)] }));
      }
      for (let t = from + 40 * MIN; t <= now; t += 5000) {
        sample(t, snap(0.5, GiB));
      }
      sample(from - 5000, snap(9, GiB)); // older than the hour
      const result = history.query('hour', now);
      expect(result.resolution).toBe(5);
      expect(result.from).toBe(from);
      const gaps = result.points.filter(p => p.cpu === null);
      expect(gaps.map(p => p.t)).toEqual([from, from + 25 * MIN]);
      expect(gaps.every(p => Object.values({ ...p, t: null }).every(v => v === null))).toBe(true);
      const samples = result.points.filter(p => p.cpu !== null);
      expect(samples).toHaveLength(180 + 241);
      expect(samples[0]).toEqual({
        t: from + 10 * MIN,
        cpu: 1,
        cpuMax: 1,
        cpuLimit: 2,
        memory: 2 * GiB,
        memoryMax: 2 * GiB,
        memoryLimit: 4 * GiB,
        gpu: 0.5,
        gpuMax: 0.5,
        gpuMemory: GiB,
        gpuMemoryTotal: 40 * GiB
      });
      expect(samples.at(-1)).toMatchObject({
        t: now,
        cpu: 0.5,
        gpu: null,
        gpuMemory: null,
        gpuMemoryTotal: null
      });
      // Points are in time order.
      const ts = result.points.map(p => p.t);
      expect(ts).toEqual([...ts].sort((a, b) => a - b));
    });

    it('hour: a silence at the end (the sampler stopped) ends with a null point; nothing at all is one gap', () => {
      expect(history.query('hour', now).points).toEqual([{ t: now - HOUR, ...GAP }]);
      sample(now - 10 * MIN, snap(1, GiB));
      const { points } = history.query('hour', now);
      expect(points.map(p => [p.t, p.cpu])).toEqual([
        [now - HOUR, null],
        [now - 10 * MIN, 1],
        [now - 10 * MIN + 5000, null]
      ]);
    });
  });

  describe('pruning', () => {
    it('deletes rollups older than historyDays when a sample arrives, at most once an hour', () => {
      insertRollup(store, bucketOf(now - 91 * DAY));
      insertRollup(store, bucketOf(now - 89 * DAY));
      sample(now, snap(1, GiB));
      expect(rollups().map(r => r.bucket)).toEqual([bucketOf(now - 89 * DAY), bucketOf(now)]);

      // Old again, but the last pruning was less than an hour ago.
      insertRollup(store, bucketOf(now - 95 * DAY));
      sample(now + 30 * MIN, snap(1, GiB));
      expect(rollups()).toHaveLength(4);
      sample(now + 61 * MIN, snap(1, GiB));
      expect(rollups().map(r => r.bucket)).toEqual([
        bucketOf(now - 89 * DAY),
        bucketOf(now),
        bucketOf(now + 30 * MIN),
        bucketOf(now + 61 * MIN)
      ]);
    });

    it('keeps historyDays of rollups: a longer setting keeps more', () => {
      history = new UsageHistory(store, {
        sampleIntervalSeconds: 5,
        historyDays: 365,
        timeZone: TZ
      });
      insertRollup(store, bucketOf(now - 300 * DAY));
      insertRollup(store, bucketOf(now - 366 * DAY));
      expect(history.pruneBefore(now)).toBe(1);
      expect(rollups().map(r => r.bucket)).toEqual([bucketOf(now - 300 * DAY)]);
    });
  });
});

describe('the history and cost routes', () => {
  let store: Store;
  let sampler: UsageSampler;
  let socket: string;
  const { log, lines } = memoryLogger();
  const get = (path: string) => httpRequest(socket, { method: 'GET', path });
  const yesterdayNoon = () => {
    const d = new Date();
    return new Date(d.getFullYear(), d.getMonth(), d.getDate() - 1, 12).getTime();
  };

  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      log,
      config: {
        usage: { sampleIntervalSeconds: 60 },
        prices: { currency: 'EUR', cpuHour: 1, memoryGiBHour: 0.5, gpuHour: { default: 3 } }
      }
    });
    ({ store, sampler, socket } = server);
    // One more reading, surely after the history subscribed.
    await sampler.sample();
    // An hour of yesterday: 2 cores, 4 GiB reserved.
    for (let i = 0; i < 12; i++) {
      insertRollup(store, yesterdayNoon() + i * ROLLUP_MS, { cpu_limit: 2, mem_limit: 4 * GiB });
    }
  });
  afterAll(() => server.close());
  afterEach(() => {
    expect(lines.filter(l => (l.level as number) >= 50)).toEqual([]);
  });

  it('GET /history?range=hour has the sampler’s readings', async () => {
    const res = await get('/api/v1/usage/history?range=hour');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Value.Errors(UsageHistoryBody, body).First()).toBeUndefined();
    expect(body.range).toBe('hour');
    expect(body.resolution).toBe(60);
    const readings = body.points.filter((p: HistoryPoint) => p.cpu !== null);
    expect(readings.length).toBeGreaterThanOrEqual(1);
    expect(readings.at(-1).memory).toBe(sampler.snapshot!.memory.used);
  });

  it.each([
    ['day', 288],
    ['week', 336],
    ['quarter', 360]
  ])(
    'GET /history?range=%s has %i buckets, the current one filled by the sampler',
    async (range, count) => {
      const res = await get(`/api/v1/usage/history?range=${range}`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.points).toHaveLength(count);
      // The current bucket, or the one before if a boundary passed since the readings.
      const limits = body.points.slice(-2).map((p: HistoryPoint) => p.cpuLimit);
      expect(limits).toContain(sampler.snapshot!.cpu.limit);
      expect(body.points[0].cpu).toBeNull();
    }
  );

  it.each([
    ['range=year', '"range" is "year"; it must be one of "hour", "day", "week", "quarter"'],
    ['', '"range" is required; it must be one of "hour", "day", "week", "quarter"']
  ])('GET /history?%s is 400 with a message saying what is allowed', async (query, message) => {
    const res = await get(`/api/v1/usage/history?${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message
    });
  });

  it('GET /cost: 90 days of the estimate, yesterday’s hour priced by hand', async () => {
    const res = await get('/api/v1/usage/cost');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Value.Errors(UsageCost, body).First()).toBeUndefined();
    expect(body.prices).toEqual({
      currency: 'EUR',
      basis: 'reserved',
      cpuHour: 1,
      memoryGiBHour: 0.5,
      gpuHour: { default: 3 }
    });
    expect(body.estimate).toBe(true);
    expect(body.days).toHaveLength(90);
    expect(body.days.at(-1).date).toBe(localDate(Date.now()));
    // Reserved: 2 cores × 1 EUR × 1 h + 4 GiB × 0.5 EUR × 1 h; but a resource without a limit
    // here (its "limit" is the whole machine) is priced on what was used: 1 core, 1 GiB.
    const unlimited = (['cpu', 'memory'] as const).filter(
      r => sampler.snapshot![r].limitSource === 'host'
    );
    const cpu = unlimited.includes('cpu') ? 1 : 2;
    const memory = unlimited.includes('memory') ? 0.5 : 2;
    expect(body.unlimited).toEqual(unlimited.length ? unlimited : undefined);
    expect(body.days.at(-2)).toEqual({
      date: localDate(yesterdayNoon()),
      cpu: expect.closeTo(cpu, 10),
      memory: expect.closeTo(memory, 10),
      gpu: 0,
      total: expect.closeTo(cpu + memory, 10),
      hours: expect.closeTo(1, 10)
    });
    expect(body.days.at(-1).hours).toBeGreaterThan(0); // the sampler ran today
    expect(body.totals.week).toBeCloseTo(cpu + memory + body.totals.today, 10);
    expect(body.totals.quarter).toBeCloseTo(body.totals.week, 10);
  });

  it('GET /cost.csv: an attachment named by today’s date, a header and a row per day', async () => {
    const res = await get('/api/v1/usage/cost.csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="hotstepper-usage-${localDate(Date.now())}.csv"`
    );
    const rows = res.body.split('\r\n');
    expect(rows).toHaveLength(92); // header, 90 days, the empty string after the last CRLF
    expect(rows[0]).toBe('date,hours,cpu,memory,gpu,total,currency');
    const { cpu, memory, total } = (await get('/api/v1/usage/cost')).json().days.at(-2);
    expect(rows[89]).toBe(
      `${localDate(yesterdayNoon())},1.00,${cpu.toFixed(4)},${memory.toFixed(4)},0.0000,${total.toFixed(4)},EUR`
    );
  });

  it('lists the routes in OpenAPI with their responses', async () => {
    const doc = (await get('/api/v1/openapi.json')).json();
    expect(doc.paths['/api/v1/usage/history'].get.responses['200']).toBeDefined();
    expect(doc.paths['/api/v1/usage/history'].get.parameters).toEqual([
      expect.objectContaining({ name: 'range', in: 'query', required: true })
    ]);
    expect(doc.paths['/api/v1/usage/cost'].get.responses['200']).toBeDefined();
    expect(
      doc.paths['/api/v1/usage/cost.csv'].get.responses['200'].content['text/csv']
    ).toBeDefined();
  });
});
