import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Value } from '@sinclair/typebox/value';
import { IdleStatus } from '@hotstepper/api';
import { parseConfig, type Config } from '../src/config';
import {
  busiestSegment,
  createIdleRoutes,
  hubEnforcer,
  hubStopTarget,
  idleVerdict,
  idleWarning,
  IdleWatch,
  nextCheckAt,
  nextIdleDays,
  removalAt,
  segmentMeans,
  stopThroughHub,
  UsageEvents,
  type EventClient
} from '../src/features/usage/idle';
import { Store } from '../src/store';
import { xsrfGuard } from '../src/xsrf';
import { httpRequest, memoryLogger, until, startTestServer, type TestServer } from './helpers';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** The daily check of 25 Nov 2026 at the default hour, 03:00, in UTC (the tests' zone). */
const CHECK = Date.UTC(2026, 10, 25, 3);
const GiB = 1024 ** 3;

const idleConfig = (idle: Partial<Config['idle']> = {}) => parseConfig({ idle }).idle;

interface Reading {
  cpu: number;
  /** GPU utilisation; absent: the server has no GPU; null: a GPU that reports none (MIG). */
  gpu?: number | null;
}

/** Stores one sample every `step` ms in [from, to), as the sampler would. */
function seed(store: Store, from: number, to: number, at: (ts: number) => Reading, step = MIN) {
  const insert = store.db.prepare(
    `INSERT OR REPLACE INTO usage_sample (ts, cpu_used, cpu_limit, mem_used, mem_limit, gpu_util, gpu_mem)
     VALUES (?, ?, 4, ?, ?, ?, ?)`
  );
  store.db.transaction(() => {
    for (let ts = from; ts < to; ts += step) {
      const r = at(ts);
      const hasGpu = r.gpu !== undefined;
      insert.run(ts, r.cpu, GiB, 8 * GiB, hasGpu ? r.gpu : null, hasGpu ? GiB : null);
    }
  })();
}

/** A stored check of an earlier day, as the watch writes it. */
function storedCheck(store: Store, at: number, idleDays: number, day = isoDay(at)) {
  store.db
    .prepare(
      `INSERT INTO idle_check (day, checked_at, resource, busiest, idle, idle_days)
       VALUES (?, ?, 'cpu', 0.01, 1, ?)`
    )
    .run(day, at, idleDays);
}

const isoDay = (at: number) => new Date(at).toISOString().slice(0, 10);
const iso = (at: number) => new Date(at).toISOString();
const checks = (store: Store) =>
  store.db.prepare('SELECT * FROM idle_check ORDER BY day').all() as Array<{
    day: string;
    checked_at: number;
    resource: string;
    busiest: number | null;
    idle: number;
    idle_days: number;
  }>;

describe('the idle rule', () => {
  describe('segmentMeans', () => {
    it('cuts the 24 h before the end into segments, oldest first, each the mean of its samples', () => {
      const end = CHECK;
      const samples = [
        { ts: end - DAY, value: 1 }, // the first instant of the window
        { ts: end - DAY + MIN, value: 3 },
        { ts: end - 10 * MIN, value: 0.5 },
        { ts: end - 1, value: 0.25 },
        { ts: end - DAY - 1, value: 99 }, // before the window
        { ts: end, value: 99 }, // the end is not in it
        { ts: end - 2 * HOUR, value: null } // not reported
      ];
      const segments = segmentMeans(samples, end, 5 * MIN);
      expect(segments).toHaveLength(288);
      expect(segments[0]).toEqual({ t: end - DAY, value: 2 });
      expect(segments[286]).toEqual({ t: end - 10 * MIN, value: 0.5 });
      expect(segments[287]).toEqual({ t: end - 5 * MIN, value: 0.25 });
      expect(segments.filter(s => s.value !== null)).toHaveLength(3);
      expect(segments.every((s, i) => s.t === end - DAY + i * 5 * MIN)).toBe(true);
    });

    it('never looks further back than 24 h when the segment does not divide the day', () => {
      const end = CHECK;
      const segments = segmentMeans(
        [
          { ts: end - DAY - 1, value: 5 },
          { ts: end - DAY, value: 1 }
        ],
        end,
        7 * MIN
      );
      expect(segments).toHaveLength(Math.ceil(1440 / 7));
      expect(segments[segments.length - 1].t).toBe(end - 7 * MIN);
      expect(segments[0].value).toBe(1);
    });

    it('gives a segment of readings all at the threshold a mean exactly at it', () => {
      // Summed and divided, sixty readings of 0.1 average 0.09999999999999991: below 0.1.
      const samples = Array.from({ length: 60 }, (_, i) => ({
        ts: CHECK - 5 * MIN + i,
        value: 0.1
      }));
      const [last] = segmentMeans(samples, CHECK, 5 * MIN).slice(-1);
      expect(last.value).toBe(0.1);
      expect(idleVerdict(busiestSegment([last]), 0.1)).toBe('busy');
    });
  });

  it('takes the busiest segment, ignoring segments without samples', () => {
    expect(
      busiestSegment([
        { t: 0, value: null },
        { t: 1, value: 0.02 },
        { t: 2, value: 0.07 },
        { t: 3, value: null }
      ])
    ).toBe(0.07);
    expect(busiestSegment([{ t: 0, value: null }])).toBeNull();
    expect(busiestSegment([])).toBeNull();
  });

  it('is idle strictly below the threshold, busy at it, unknown without samples', () => {
    expect(idleVerdict(0.099, 0.1)).toBe('idle');
    expect(idleVerdict(0.1, 0.1)).toBe('busy');
    expect(idleVerdict(0.005, 0.005)).toBe('busy');
    expect(idleVerdict(0, 0.005)).toBe('idle');
    expect(idleVerdict(null, 0.1)).toBe('unknown');
  });

  it('counts idle days up, resets them on a busy day, and keeps them on an unknown day', () => {
    expect(nextIdleDays(0, 'idle')).toBe(1);
    expect(nextIdleDays(3, 'idle')).toBe(4);
    expect(nextIdleDays(3, 'busy')).toBe(0);
    expect(nextIdleDays(3, 'unknown')).toBe(3);
  });

  describe('nextCheckAt', () => {
    it('is today at the check hour when that is still ahead, else tomorrow', () => {
      expect(nextCheckAt(CHECK - 1, 3, 'UTC')).toBe(CHECK);
      expect(nextCheckAt(CHECK, 3, 'UTC')).toBe(CHECK + DAY);
      expect(nextCheckAt(CHECK + 20 * HOUR, 3, 'UTC')).toBe(CHECK + DAY);
      expect(nextCheckAt(Date.UTC(2026, 11, 31, 23), 0, 'UTC')).toBe(Date.UTC(2027, 0, 1));
    });

    it('is in local time, across a change of the clocks', () => {
      // Prague: 03:00 is 02:00 UTC in winter; summer time starts on Sunday 29 March 2026.
      expect(nextCheckAt(Date.UTC(2026, 0, 10, 12), 3, 'Europe/Prague')).toBe(
        Date.UTC(2026, 0, 11, 2)
      );
      expect(nextCheckAt(Date.UTC(2026, 2, 28, 12), 3, 'Europe/Prague')).toBe(
        Date.UTC(2026, 2, 29, 1)
      );
      expect(nextCheckAt(Date.UTC(2026, 2, 29, 12), 3, 'Europe/Prague')).toBe(
        Date.UTC(2026, 2, 30, 1)
      );
    });
  });

  describe('removalAt', () => {
    const base = {
      maxIdleDays: 4,
      nextCheck: CHECK,
      lastCheck: CHECK - DAY,
      checkHour: 3,
      timeZone: 'UTC'
    };

    it('is null while the counter is 0 and today is busy', () => {
      expect(removalAt({ ...base, idleDays: 0, verdict: 'busy' })).toBeNull();
    });

    it('is the check at which the counter would pass the maximum if every day stays idle', () => {
      // 0 now: 1, 2, 3, 4 at the next four checks, 5 > 4 at the fifth.
      expect(removalAt({ ...base, idleDays: 0, verdict: 'idle' })).toBe(CHECK + 4 * DAY);
      expect(removalAt({ ...base, idleDays: 2, verdict: 'idle' })).toBe(CHECK + 2 * DAY);
      expect(removalAt({ ...base, idleDays: 4, verdict: 'idle' })).toBe(CHECK);
      // A counter already running keeps its date while today is busy so far.
      expect(removalAt({ ...base, idleDays: 2, verdict: 'busy' })).toBe(CHECK + 2 * DAY);
    });

    it('is the last check once the counter has passed the maximum', () => {
      expect(removalAt({ ...base, idleDays: 5, verdict: 'idle' })).toBe(CHECK - DAY);
    });
  });

  it('warns on a counted idle day or a removal within warnDaysBefore days', () => {
    const config = idleConfig({ warnDaysBefore: 1 });
    expect(idleWarning(config, 0, null, CHECK)).toBe(false);
    expect(idleWarning(config, 1, CHECK + 3 * DAY, CHECK)).toBe(true);
    expect(idleWarning(config, 0, CHECK + 2 * DAY, CHECK)).toBe(false);
    expect(idleWarning(config, 0, CHECK + DAY, CHECK)).toBe(true);
    expect(idleWarning({ ...config, enabled: false }, 3, CHECK, CHECK)).toBe(false);
  });
});

describe('IdleWatch on synthetic 24-h traces', () => {
  let store: Store;
  let clock: number;
  const { log, lines } = memoryLogger();
  const watch = (
    idle: Partial<Config['idle']> = {},
    extra: { enforce?: () => Promise<void> } = {}
  ) =>
    new IdleWatch({
      store,
      config: idleConfig(idle),
      log,
      now: () => clock,
      timeZone: 'UTC',
      ...extra
    });

  beforeEach(() => {
    store = new Store({ path: ':memory:' });
    clock = CHECK;
    lines.length = 0;
  });
  afterEach(() => store.close());

  /** The 24 h before the check, a sample a minute. */
  const day = (at: (ts: number) => Reading, end = CHECK) => seed(store, end - DAY, end, at);

  it('a busy GPU with an idle CPU is not idle when a GPU was reserved', () => {
    day(() => ({ cpu: 0.01, gpu: 0.6 }));
    const w = watch();
    const status = w.status(CHECK - MIN);
    expect(status).toMatchObject({
      resource: 'gpu',
      threshold: 0.005,
      maxIdleDays: 2,
      verdict: 'busy'
    });
    expect(status.busiest).toBeCloseTo(0.6);
    const check = w.check();
    expect(check).toMatchObject({ resource: 'gpu', verdict: 'busy', idleDays: 0 });
  });

  it('an idle GPU with a busy CPU is idle when a GPU was reserved', () => {
    day(() => ({ cpu: 2.5, gpu: 0 }));
    const w = watch();
    expect(w.status(CHECK - MIN)).toMatchObject({ resource: 'gpu', verdict: 'idle', busiest: 0 });
    expect(w.check()).toMatchObject({ resource: 'gpu', verdict: 'idle', idleDays: 1, busiest: 0 });
    expect(checks(store)).toEqual([
      {
        day: '2026-11-25',
        checked_at: CHECK,
        resource: 'gpu',
        busiest: 0,
        idle: 1,
        idle_days: 1
      }
    ]);
  });

  it('without a GPU the CPU counts, against its own threshold and limit', () => {
    day(() => ({ cpu: 0.05 }));
    const w = watch();
    expect(w.status(CHECK - MIN)).toMatchObject({
      resource: 'cpu',
      threshold: 0.1,
      maxIdleDays: 4,
      verdict: 'idle'
    });
    expect(w.check()).toMatchObject({ resource: 'cpu', verdict: 'idle', idleDays: 1 });
  });

  it('follows the latest sample: a GPU released yesterday no longer counts', () => {
    day(ts => (ts < CHECK - 12 * HOUR ? { cpu: 0.01, gpu: 0.9 } : { cpu: 0.01 }));
    expect(watch().check()).toMatchObject({ resource: 'cpu', verdict: 'idle' });
  });

  it('one busy 5-minute segment resets the counter', () => {
    storedCheck(store, CHECK - DAY, 3);
    const spike = CHECK - 9 * HOUR;
    day(ts => ({ cpu: ts >= spike && ts < spike + 5 * MIN ? 0.5 : 0.02 }));
    const w = watch();
    const status = w.status(CHECK - MIN);
    expect(status.segments.filter(s => s.value !== null && s.value >= 0.1)).toEqual([
      { t: spike, value: 0.5 }
    ]);
    expect(status).toMatchObject({ verdict: 'busy', idleDays: 3 });
    expect(w.check()).toMatchObject({ verdict: 'busy', idleDays: 0, busiest: 0.5 });
    const after = w.status(CHECK + MIN);
    expect(after).toMatchObject({ idleDays: 0, verdict: 'busy', removalAt: null, warning: false });
  });

  it('a segment that averages below the threshold stays idle even with one busy sample in it', () => {
    // One reading of 0.4 among five in a segment averages 0.08.
    day(ts => ({ cpu: ts === CHECK - 5 * HOUR ? 0.4 : 0 }));
    const check = watch().check();
    expect(check.verdict).toBe('idle');
    expect(check.busiest).toBeCloseTo(0.08);
  });

  it.each([
    ['CPU', { cpu: 0.1 }, 'busy'],
    ['GPU', { cpu: 0, gpu: 0.005 }, 'busy'],
    ['CPU just below', { cpu: 0.0999 }, 'idle'],
    ['GPU just below', { cpu: 3, gpu: 0.0049 }, 'idle']
  ] as Array<[string, Reading, string]>)(
    'values exactly at the threshold are not idle: %s',
    (_what, reading, verdict) => {
      // Every 5 s: sixty readings a segment, whose plain average falls below 0.1.
      seed(store, CHECK - DAY, CHECK, () => reading, 5000);
      const w = watch();
      expect(w.status(CHECK - MIN).verdict).toBe(verdict);
      expect(w.check().verdict).toBe(verdict);
    }
  );

  it('counts consecutive idle checks up, and removalAt stays on the day the counter passes the maximum', () => {
    seed(store, CHECK - DAY, CHECK + 5 * DAY, () => ({ cpu: 0.02 }));
    const w = watch({ cpuMaxIdleDays: 3 });
    const removal = iso(CHECK + 3 * DAY);
    expect(w.status(CHECK - HOUR)).toMatchObject({
      idleDays: 0,
      verdict: 'idle',
      lastCheck: null,
      nextCheck: iso(CHECK),
      removalAt: removal
    });
    for (let n = 1; n <= 3; n++) {
      const at = CHECK + (n - 1) * DAY;
      expect(w.check(at)).toMatchObject({ idleDays: n, verdict: 'idle' });
      expect(w.status(at + HOUR)).toMatchObject({
        idleDays: n,
        lastCheck: iso(at),
        nextCheck: iso(at + DAY),
        removalAt: removal,
        warning: true
      });
    }
    // The fourth check passes the maximum: the removal is due now.
    expect(w.check(CHECK + 3 * DAY)).toMatchObject({ idleDays: 4 });
    expect(w.status(CHECK + 3 * DAY + HOUR).removalAt).toBe(removal);
    expect(checks(store).map(c => [c.day, c.idle_days])).toEqual([
      ['2026-11-25', 1],
      ['2026-11-26', 2],
      ['2026-11-27', 3],
      ['2026-11-28', 4]
    ]);
  });

  it('a busy day resets the countdown: removalAt moves out of sight', () => {
    seed(store, CHECK - DAY, CHECK + DAY, ts => ({ cpu: ts < CHECK ? 0.02 : 1.5 }));
    const w = watch({ cpuMaxIdleDays: 3 });
    w.check(CHECK);
    expect(w.status(CHECK + HOUR).removalAt).toBe(iso(CHECK + 3 * DAY));
    expect(w.check(CHECK + DAY)).toMatchObject({ verdict: 'busy', idleDays: 0 });
    expect(w.status(CHECK + DAY + HOUR)).toMatchObject({ removalAt: null, idleDays: 0 });
  });

  it('an unknown day (no samples) leaves the counter, and the removal moves a day later', () => {
    seed(store, CHECK - DAY, CHECK, () => ({ cpu: 0.02 }));
    const w = watch({ cpuMaxIdleDays: 3 });
    expect(w.check(CHECK)).toMatchObject({ idleDays: 1 });
    expect(w.status(CHECK + MIN).removalAt).toBe(iso(CHECK + 3 * DAY));
    // The server did not sample for the next 24 h.
    const unknown = w.check(CHECK + DAY);
    expect(unknown).toMatchObject({ verdict: 'unknown', busiest: null, idleDays: 1 });
    expect(checks(store)[1]).toMatchObject({ busiest: null, idle: 0, idle_days: 1 });
    expect(w.status(CHECK + DAY + HOUR)).toMatchObject({
      verdict: 'unknown',
      busiest: null,
      idleDays: 1,
      removalAt: iso(CHECK + 4 * DAY)
    });
  });

  it('the check is idempotent for the same day', () => {
    storedCheck(store, CHECK - DAY, 1);
    day(() => ({ cpu: 0.01 }));
    const w = watch();
    const first = w.check(CHECK);
    expect(first.idleDays).toBe(2);
    // Later the same day, after a busy spell: the day's check stands.
    seed(store, CHECK, CHECK + 10 * HOUR, () => ({ cpu: 3 }));
    expect(w.check(CHECK + 10 * HOUR)).toEqual(first);
    expect(checks(store)).toHaveLength(2);
    expect(lines.filter(l => l.msg === 'daily idle check')).toHaveLength(1);
  });

  it('continues from the last check however long ago: missed checks are not made up', () => {
    storedCheck(store, CHECK - 5 * DAY, 2);
    day(() => ({ cpu: 0.01 }));
    expect(watch().check(CHECK)).toMatchObject({ idleDays: 3 });
    expect(checks(store)).toHaveLength(2);
  });

  it('answers a status the wire contract accepts, the segments on a grid up to now', () => {
    day(() => ({ cpu: 0.02 }));
    storedCheck(store, CHECK - DAY, 1);
    const now = CHECK - 2 * MIN - 30_000;
    const status = watch().status(now);
    expect([...Value.Errors(IdleStatus, status)]).toEqual([]);
    expect(status.segments).toHaveLength(288);
    // The last segment is the one in progress: 02:55 – 03:00.
    expect(status.segments[287].t).toBe(CHECK - 5 * MIN);
    expect(status.segments[0].t).toBe(CHECK - DAY);
    expect(status).toMatchObject({
      enabled: true,
      enforce: 'off',
      checkHour: 3,
      segmentMinutes: 5,
      idleDays: 1,
      lastCheck: iso(CHECK - DAY),
      nextCheck: iso(CHECK),
      removalAt: iso(CHECK + 3 * DAY),
      warning: true
    });
  });

  it('says nothing is counting down while the clean-up is disabled', () => {
    storedCheck(store, CHECK - DAY, 3);
    day(() => ({ cpu: 0.01 }));
    expect(watch({ enabled: false }).status(CHECK - MIN)).toMatchObject({
      enabled: false,
      removalAt: null,
      warning: false
    });
  });

  it('warns before a first idle day only when the removal is within warnDaysBefore', () => {
    day(() => ({ cpu: 0.01 }));
    const at = CHECK - 2 * HOUR; // next check in 2 h, removal a day after it
    expect(watch({ cpuMaxIdleDays: 1, warnDaysBefore: 1 }).status(at)).toMatchObject({
      idleDays: 0,
      removalAt: iso(CHECK + DAY),
      warning: false
    });
    expect(watch({ cpuMaxIdleDays: 1, warnDaysBefore: 2 }).status(at).warning).toBe(true);
  });
});

describe('the daily timer', () => {
  let store: Store;
  const { log } = memoryLogger();

  beforeEach(() => {
    store = new Store({ path: ':memory:' });
    seed(store, CHECK - 2 * DAY, CHECK + 3 * DAY, () => ({ cpu: 0.01 }), 5 * MIN);
  });
  afterEach(() => {
    jest.useRealTimers();
    store.close();
  });

  const start = (at: number, idle: Partial<Config['idle']> = {}) => {
    jest.useFakeTimers({ now: at });
    const w = new IdleWatch({
      store,
      config: idleConfig(idle),
      log,
      now: () => Date.now(),
      timeZone: 'UTC'
    });
    w.start();
    return w;
  };

  it('fires at checkHour, then every day at checkHour, until closed', () => {
    const w = start(CHECK - 2 * HOUR);
    jest.advanceTimersByTime(2 * HOUR - 1);
    expect(checks(store)).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(checks(store)).toEqual([
      expect.objectContaining({ day: '2026-11-25', checked_at: CHECK, idle_days: 1 })
    ]);
    jest.advanceTimersByTime(DAY);
    expect(checks(store).map(c => [c.day, c.checked_at, c.idle_days])).toEqual([
      ['2026-11-25', CHECK, 1],
      ['2026-11-26', CHECK + DAY, 2]
    ]);
    w.close();
    jest.advanceTimersByTime(3 * DAY);
    expect(checks(store)).toHaveLength(2);
  });

  it('fires at another configured hour', () => {
    const w = start(CHECK, { checkHour: 22 });
    jest.advanceTimersByTime(19 * HOUR - 1);
    expect(checks(store)).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(checks(store)).toEqual([
      expect.objectContaining({ day: '2026-11-25', checked_at: CHECK + 19 * HOUR })
    ]);
    w.close();
  });

  it('started after the hour, waits for tomorrow: the missed check is not made up', () => {
    const w = start(CHECK + 7 * HOUR);
    jest.advanceTimersByTime(17 * HOUR - 1);
    expect(checks(store)).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(checks(store)).toEqual([expect.objectContaining({ day: '2026-11-26', idle_days: 1 })]);
    w.close();
  });

  it('does not check while the clean-up is disabled', () => {
    const w = start(CHECK - HOUR, { enabled: false });
    jest.advanceTimersByTime(3 * DAY);
    expect(checks(store)).toEqual([]);
    w.close();
  });
});

describe('the usage event hub', () => {
  const client = () => {
    const chunks: string[] = [];
    const c: EventClient & { chunks: string[]; ended: boolean } = {
      chunks,
      ended: false,
      write: chunk => void chunks.push(chunk),
      end: () => void (c.ended = true)
    };
    return c;
  };
  afterEach(() => jest.useRealTimers());

  it('sends a comment every 15 s while someone listens', () => {
    jest.useFakeTimers();
    const events = new UsageEvents();
    const a = client();
    const disconnect = events.connect(a);
    expect(a.chunks).toEqual([': hotstepper usage events\n\n']);
    jest.advanceTimersByTime(15_000);
    expect(a.chunks.slice(1)).toEqual([': keep-alive\n\n']);
    disconnect();
    jest.advanceTimersByTime(60_000);
    expect(a.chunks).toHaveLength(2);
    expect(events.connected).toBe(0);
  });

  it('waits for every frontend connected when asked, and repeats the request to late ones', async () => {
    const events = new UsageEvents();
    const a = client();
    const b = client();
    events.connect(a);
    events.connect(b);
    let answer: string | undefined;
    const done = events
      .requestSave({ reason: 'idle', deadline: 1 }, 60_000)
      .then(x => (answer = x));
    const frame = 'id: 1\nevent: save-all\ndata: {"reason":"idle","deadline":1}\n\n';
    expect(a.chunks[1]).toBe(frame);
    expect(b.chunks[1]).toBe(frame);
    const late = client();
    events.connect(late);
    expect(late.chunks).toEqual([': hotstepper usage events\n\n', frame]);
    expect(events.saved()).toBe(true);
    await Promise.resolve();
    expect(answer).toBeUndefined();
    events.saved();
    await done;
    expect(answer).toBe('saved');
    expect(events.saved()).toBe(false);
    events.close();
    expect([a.ended, b.ended, late.ended]).toEqual([true, true, true]);
  });

  it('gives up waiting after the timeout', async () => {
    const events = new UsageEvents();
    await expect(events.requestSave({ reason: 'idle', deadline: 1 }, 5)).resolves.toBe('timeout');
  });
});

describe('stopping the server through JupyterHub', () => {
  /**
   * A stand-in for JupyterHub's REST API on 127.0.0.1 that records each request: the recorded
   * request is the check of the JupyterHub REST contract. The path and verb expected below are
   * those of JupyterHub's REST API (`DELETE /hub/api/users/{name}/server` for the default server,
   * `DELETE /hub/api/users/{name}/servers/{server_name}` for a named one, `Authorization: token …`;
   * 202 while stopping, 204 once stopped, 403 without the scope).
   */
  let hub: Server;
  let hubUrl: string;
  let status = 204;
  const requests: Array<{ method?: string; url?: string; authorization?: string }> = [];

  beforeAll(async () => {
    hub = createServer((req, res) => {
      requests.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
      res.statusCode = status;
      res.end(status === 403 ? '{"status": 403, "message": "Action is not authorized"}' : '');
    });
    await new Promise<void>(resolve => hub.listen(0, '127.0.0.1', resolve));
    hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}/hub/api`;
  });
  afterAll(() => new Promise(resolve => hub.close(resolve)));
  beforeEach(() => {
    requests.length = 0;
    status = 204;
  });

  const env = (over: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({
    JUPYTERHUB_API_URL: hubUrl,
    JUPYTERHUB_API_TOKEN: 's3cret',
    JUPYTERHUB_USER: 'alice',
    JUPYTERHUB_SERVER_NAME: 'gpu-box',
    ...over
  });

  describe('hubStopTarget: the path and verb of JupyterHub REST API', () => {
    it('names a named server under /users/{name}/servers/{server_name}', () => {
      expect(hubStopTarget(env({ JUPYTERHUB_API_URL: 'http://hub:8081/hub/api/' }))).toEqual({
        url: 'http://hub:8081/hub/api/users/alice/servers/gpu-box',
        token: 's3cret'
      });
    });

    it('names the default server (empty or no name) under /users/{name}/server', () => {
      for (const name of ['', undefined]) {
        expect(hubStopTarget(env({ JUPYTERHUB_SERVER_NAME: name }))).toMatchObject({
          url: `${hubUrl}/users/alice/server`
        });
      }
    });

    it('escapes the names', () => {
      expect(
        hubStopTarget(env({ JUPYTERHUB_USER: 'bob@example.org', JUPYTERHUB_SERVER_NAME: 'a/b c' }))
      ).toMatchObject({ url: `${hubUrl}/users/bob%40example.org/servers/a%2Fb%20c` });
    });

    it.each(['JUPYTERHUB_API_URL', 'JUPYTERHUB_API_TOKEN', 'JUPYTERHUB_USER'])(
      'names the missing variable: %s',
      name => {
        expect(hubStopTarget(env({ [name]: undefined }))).toEqual({ missing: name });
        expect(hubStopTarget(env({ [name]: '' }))).toEqual({ missing: name });
      }
    );
  });

  it('sends DELETE with the token to the hub, and logs the answer without the token', async () => {
    const { log, lines } = memoryLogger();
    const target = hubStopTarget(env({ JUPYTERHUB_SERVER_NAME: '' }));
    await expect(stopThroughHub(target as { url: string; token: string }, log)).resolves.toBe(true);
    expect(requests).toEqual([
      { method: 'DELETE', url: '/hub/api/users/alice/server', authorization: 'token s3cret' }
    ]);
    expect(JSON.stringify(lines)).not.toContain('s3cret');
  });

  it('logs a refusal with the scope it needs, without the token', async () => {
    status = 403;
    const { log, lines } = memoryLogger();
    const target = hubStopTarget(env()) as { url: string; token: string };
    await expect(stopThroughHub(target, log)).resolves.toBe(false);
    expect(requests).toHaveLength(1);
    const error = lines.find(l => l.level === 50)!;
    expect(error.msg).toContain('HTTP 403');
    expect(error.msg).toContain('servers!server');
    expect(JSON.stringify(lines)).not.toContain('s3cret');
  });

  describe('the enforcement, through the routes', () => {
    let store: Store;
    let dir: string;
    let socket: string;
    let app: ReturnType<typeof Fastify>;
    let watch: IdleWatch;
    let events: UsageEvents;
    let logs: Array<Record<string, unknown>>;
    const XSRF = { 'x-xsrftoken': '2|abc|', cookie: '_xsrf=2|abc|; theme=dark' };

    /** A server idle for one day more than the maximum (1) at the next check. */
    async function serve(
      idle: Partial<Config['idle']>,
      options: { env?: NodeJS.ProcessEnv; saveTimeoutMs?: number } = {}
    ) {
      store = new Store({ path: ':memory:' });
      seed(store, CHECK - DAY, CHECK, () => ({ cpu: 0.01 }));
      storedCheck(store, CHECK - DAY, 1);
      const memory = memoryLogger();
      logs = memory.lines;
      const config = parseConfig({ idle: { cpuMaxIdleDays: 1, ...idle } });
      events = new UsageEvents();
      watch = new IdleWatch({
        store,
        config: config.idle,
        log: memory.log,
        now: () => CHECK,
        timeZone: 'UTC',
        enforce: hubEnforcer({
          events,
          log: memory.log,
          env: options.env ?? env(),
          saveTimeoutMs: options.saveTimeoutMs,
          now: () => CHECK
        })
      });
      app = Fastify({ logger: false }).withTypeProvider<TypeBoxTypeProvider>();
      app.addHook('onRequest', xsrfGuard);
      await app.register(createIdleRoutes({ watch, events }), {
        prefix: '/api/v1/usage',
        config,
        store,
        platform: undefined as never,
        sampler: undefined as never
      });
      dir = mkdtempSync(join(tmpdir(), 'hotstepper-idle-'));
      socket = join(dir, 'backend.sock');
      await app.listen({ path: socket });
    }

    afterEach(async () => {
      await app.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('asks the frontends to save, waits for POST /idle/saved, then sends DELETE with the token', async () => {
      await serve({ enforce: 'hub' });
      const stream = await openStream(socket, '/api/v1/usage/events');
      expect(stream.res.statusCode).toBe(200);
      expect(stream.res.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(stream.res.headers['cache-control']).toBe('no-cache');
      expect(stream.res.headers['x-accel-buffering']).toBe('no');
      await until(() => stream.text().includes(': hotstepper usage events'));

      expect(watch.check()).toMatchObject({ idleDays: 2 });
      await until(() => stream.text().includes('event: save-all'));
      const data = /event: save-all\ndata: (.*)\n\n/.exec(stream.text())![1];
      expect(JSON.parse(data)).toEqual({
        reason: expect.stringContaining('idle for 2 days, more than the 1 allowed'),
        deadline: CHECK + 60_000
      });
      // Nothing is stopped before the frontend answers.
      expect(requests).toEqual([]);

      const refused = await httpRequest(socket, {
        method: 'POST',
        path: '/api/v1/usage/idle/saved'
      });
      expect(refused.statusCode).toBe(403);
      const saved = await httpRequest(socket, {
        method: 'POST',
        path: '/api/v1/usage/idle/saved',
        headers: XSRF
      });
      expect(saved.statusCode).toBe(200);
      expect(saved.json()).toEqual({ ok: true });
      await watch.enforcing;
      expect(requests).toEqual([
        {
          method: 'DELETE',
          url: '/hub/api/users/alice/servers/gpu-box',
          authorization: 'token s3cret'
        }
      ]);
      expect(JSON.stringify(logs)).not.toContain('s3cret');

      // The same day's check again: no second stop.
      watch.check();
      expect(watch.enforcing).toBeUndefined();
      stream.close();
    });

    it('stops the server after the timeout when no frontend answers', async () => {
      await serve(
        { enforce: 'hub' },
        { saveTimeoutMs: 10, env: env({ JUPYTERHUB_SERVER_NAME: '' }) }
      );
      watch.check();
      await watch.enforcing;
      expect(requests).toEqual([
        { method: 'DELETE', url: '/hub/api/users/alice/server', authorization: 'token s3cret' }
      ]);
    });

    it('does nothing with enforce off, though the counter passed the maximum', async () => {
      await serve({ enforce: 'off' });
      const emit = jest.spyOn(events, 'emit');
      const stream = await openStream(socket, '/api/v1/usage/events');
      await until(() => stream.text().includes(': hotstepper usage events'));
      expect(watch.check()).toMatchObject({ idleDays: 2 });
      expect(watch.enforcing).toBeUndefined();
      expect(emit).not.toHaveBeenCalled();
      expect(requests).toEqual([]);
      const status = await httpRequest(socket, { method: 'GET', path: '/api/v1/usage/idle' });
      expect(status.json()).toMatchObject({ enforce: 'off', idleDays: 2, removalAt: iso(CHECK) });
      stream.close();
    });

    it('without the hub variables, logs the missing one and does nothing', async () => {
      await serve({ enforce: 'hub' }, { env: env({ JUPYTERHUB_API_TOKEN: undefined }) });
      const emit = jest.spyOn(events, 'emit');
      watch.check();
      await watch.enforcing;
      expect(emit).not.toHaveBeenCalled();
      expect(requests).toEqual([]);
      const errors = logs.filter(l => l.level === 50);
      expect(errors).toHaveLength(1);
      expect(errors[0].msg).toContain('JUPYTERHUB_API_TOKEN is not set');
    });

    it('does not stop below the maximum', async () => {
      await serve({ enforce: 'hub', cpuMaxIdleDays: 2 });
      expect(watch.check()).toMatchObject({ idleDays: 2 });
      expect(watch.enforcing).toBeUndefined();
    });
  });
});

describe('the idle routes in the server', () => {
  let socket: string;
  const { log } = memoryLogger();

  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ log });
    ({ socket } = server);
  });
  // An open event stream must not keep the server from closing.
  afterAll(() => server.close());

  it('lists GET /idle, GET /events and POST /idle/saved in OpenAPI with their responses', async () => {
    const doc = (await httpRequest(socket, { method: 'GET', path: '/api/v1/openapi.json' })).json();
    expect(doc.paths['/api/v1/usage/idle'].get.responses['200']).toBeDefined();
    expect(doc.paths['/api/v1/usage/idle/saved'].post.responses['200']).toBeDefined();
    expect(
      doc.paths['/api/v1/usage/events'].get.responses['200'].content['text/event-stream']
    ).toBeDefined();
  });

  it('GET /api/v1/usage/idle answers an IdleStatus from the live samples', async () => {
    const res = await httpRequest(socket, { method: 'GET', path: '/api/v1/usage/idle' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect([...Value.Errors(IdleStatus, body)].map(e => `${e.path}: ${e.message}`)).toEqual([]);
    expect(body).toMatchObject({ enabled: true, enforce: 'off', resource: 'cpu', checkHour: 3 });
    expect(body.segments.some((s: { value: number | null }) => s.value !== null)).toBe(true);
  });

  it('GET /api/v1/usage/events opens a stream (left open: closing the server ends it)', async () => {
    const stream = await openStream(socket, '/api/v1/usage/events');
    expect(stream.res.headers['content-type']).toMatch(/^text\/event-stream/);
    await until(() => stream.text().includes(': hotstepper usage events'));
  });
});

/** A GET over the unix socket whose body is read as it streams. */
function openStream(
  socketPath: string,
  path: string
): Promise<{ res: IncomingMessage; text: () => string; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath, path, method: 'GET', agent: false, headers: { accept: 'text/event-stream' } },
      res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', chunk => (text += chunk));
        res.on('error', () => undefined);
        req.removeListener('error', reject);
        req.on('error', () => undefined);
        resolve({ res, text: () => text, close: () => req.destroy() });
      }
    );
    req.on('error', reject);
    req.end();
  });
}
