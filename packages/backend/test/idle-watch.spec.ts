import { request, type IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Value } from '@sinclair/typebox/value';
import { IdleStatus } from '@hotstepper/api';
import { parseConfig, type Config } from '../src/config';
import { UsageEvents } from '../src/features/usage/events';
import { createIdleRoutes } from '../src/features/usage/idle-routes';
import { hubEnforcer, IdleWatch, type IdleWatchOptions } from '../src/features/usage/idle-watch';
import type { EventClient } from '../src/sse';
import { Store } from '../src/store';
import { xsrfGuard } from '../src/xsrf';
import { httpRequest, memoryLogger, until, startTestServer, type TestServer } from './helpers';
import { useHubStandIn } from './hub-standin';

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

describe('IdleWatch on synthetic 24-h traces', () => {
  let store: Store;
  let clock: number;
  const { log, lines } = memoryLogger();
  const watch = (
    idle: Partial<Config['idle']> = {},
    extra: Pick<IdleWatchOptions, 'enforce' | 'onCheck'> = {}
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

  it('tells each new check, with the counter before it, once per day', () => {
    const told: Array<[string, number, number, number]> = [];
    const w = watch(
      {},
      { onCheck: (c, before, max) => told.push([c.verdict, before, c.idleDays, max]) }
    );
    day(() => ({ cpu: 0.01 }));
    w.check();
    w.check();
    clock = CHECK + DAY;
    day(() => ({ cpu: 0.01 }), CHECK + DAY);
    w.check();
    clock = CHECK + 2 * DAY;
    day(() => ({ cpu: 3 }), CHECK + 2 * DAY);
    w.check();
    expect(told).toEqual([
      ['idle', 0, 1, 4],
      ['idle', 1, 2, 4],
      ['busy', 2, 0, 4]
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

  // The greeting and the keep-alive comment are the stream's (sse.spec.ts).
  it('counts the connected frontends and sends nothing more to one that left', () => {
    const events = new UsageEvents();
    const a = client();
    const disconnect = events.connect(a);
    expect(events.connected).toBe(1);
    disconnect();
    events.emit('save-all', { reason: 'idle', deadline: 1 });
    expect(a.chunks).toEqual([]);
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
    expect(a.chunks).toEqual([frame]);
    expect(b.chunks).toEqual([frame]);
    const late = client();
    events.connect(late);
    expect(late.chunks).toEqual([frame]);
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
  const hub = useHubStandIn();

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
          env: options.env ?? hub.env(),
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
      expect(hub.requests).toEqual([]);

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
      expect(hub.requests).toEqual([
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
        { saveTimeoutMs: 10, env: hub.env({ JUPYTERHUB_SERVER_NAME: '' }) }
      );
      watch.check();
      await watch.enforcing;
      expect(hub.requests).toEqual([
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
      expect(hub.requests).toEqual([]);
      const status = await httpRequest(socket, { method: 'GET', path: '/api/v1/usage/idle' });
      expect(status.json()).toMatchObject({ enforce: 'off', idleDays: 2, removalAt: iso(CHECK) });
      stream.close();
    });

    it('without the hub variables, logs the missing one and does nothing', async () => {
      await serve({ enforce: 'hub' }, { env: hub.env({ JUPYTERHUB_API_TOKEN: undefined }) });
      const emit = jest.spyOn(events, 'emit');
      watch.check();
      await watch.enforcing;
      expect(emit).not.toHaveBeenCalled();
      expect(hub.requests).toEqual([]);
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
