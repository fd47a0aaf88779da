import type { ActivitySummary, Job } from '@hotstepper/api';
import { EventBus } from '../src/bus';
import { ActivityJournal, lastLineOf, SUMMARY_LIST_MAX } from '../src/features/activity/journal';
import { Store } from '../src/store';
import { httpRequest, startTestServer, type TestServer } from './helpers';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 10, 20, 12);

const stores: Store[] = [];
afterEach(() => stores.splice(0).forEach(s => s.close()));

function journal(options: { streamLines?: boolean; retentionDays?: number } = {}) {
  let now = T0;
  const store = new Store({ path: ':memory:' });
  stores.push(store);
  const j = new ActivityJournal(store, {
    retentionDays: options.retentionDays ?? 30,
    streamLines: options.streamLines ?? true,
    clock: () => now
  });
  return { j, store, advance: (ms: number) => (now += ms), now: () => now };
}

describe('the journal', () => {
  it('keeps a cell’s count, duration, last line and error name; the summary groups them', () => {
    const { j, advance, now } = journal();
    j.cellStarted({ kernelId: 'k1', msgId: 'm1', path: 'train.ipynb', count: 14 });
    for (let epoch = 1; epoch <= 50; epoch++) {
      j.cellOutput('k1', 'm1', `epoch ${epoch} accuracy 0.93\n`);
    }
    advance(6 * HOUR + 12 * 60_000);
    j.cellEnded('k1', 'm1');
    j.cellStarted({ kernelId: 'k1', msgId: 'm2', path: 'train.ipynb', count: 15 });
    j.cellError('k1', 'm2', 'ZeroDivisionError');
    j.cellEnded('k1', 'm2');
    j.cellStarted({ kernelId: 'k2', msgId: 'm3', path: 'long.ipynb', count: 3 });
    j.cellOutput('k2', 'm3', 'step 7\r\x1b[32mstep 8\x1b[0m\n\n');
    advance(HOUR);

    const s = j.summary({ since: T0 - 1, until: now(), watching: true });
    expect(s.finished).toEqual([
      {
        kernelId: 'k1',
        path: 'train.ipynb',
        count: 14,
        startedAt: T0,
        endedAt: T0 + 6 * HOUR + 12 * 60_000,
        durationMs: 6 * HOUR + 12 * 60_000,
        status: 'ok',
        ename: null,
        lastLine: 'epoch 50 accuracy 0.93'
      }
    ]);
    expect(s.failed).toMatchObject([{ count: 15, status: 'error', ename: 'ZeroDivisionError' }]);
    // Still running, its elapsed time up to now and the line it printed last.
    expect(s.running).toMatchObject([
      { path: 'long.ipynb', count: 3, endedAt: null, durationMs: HOUR, lastLine: 'step 8' }
    ]);
  });

  it('keeps no stream line when the admin turned them off', () => {
    const { j } = journal({ streamLines: false });
    j.cellStarted({ kernelId: 'k', msgId: 'm', path: 'a.ipynb', count: 1 });
    j.cellOutput('k', 'm', 'password=hunter2\n');
    j.cellEnded('k', 'm');
    const s = j.summary({ since: 0, until: T0 + 1, watching: true });
    expect(s.finished[0].lastLine).toBeNull();
    expect(s.streamLines).toBe(false);
  });

  it('cuts a last line to 200 characters', () => {
    expect(lastLineOf(`${'x'.repeat(500)}\n`)).toHaveLength(200);
    expect(lastLineOf('\n  \n')).toBeUndefined();
  });

  it('lists only what ended in the period, and deletes what is past the retention', () => {
    const { j, advance, now } = journal({ retentionDays: 30 });
    j.cellStarted({ kernelId: 'k', msgId: 'old', path: 'a.ipynb', count: 1 });
    j.cellEnded('k', 'old');
    j.record({ kind: 'document-saved', name: 'a.ipynb' });
    advance(2 * DAY);
    const since = now();
    j.cellStarted({ kernelId: 'k', msgId: 'new', path: 'a.ipynb', count: 2 });
    advance(1000);
    j.cellEnded('k', 'new');
    expect(j.summary({ since, until: now(), watching: true }).finished.map(c => c.count)).toEqual([
      2
    ]);
    expect(j.summary({ since, until: now(), watching: true }).documents).toEqual([]);

    advance(29 * DAY);
    expect(j.prune()).toBe(2); // the old cell and the old event
    expect(
      j.summary({ since: 0, until: now(), watching: true }).finished.map(c => c.count)
    ).toEqual([2]);
  });

  it('ends the running cells of a kernel that restarted, once per restart however many say so', () => {
    const { j, advance, now } = journal();
    j.cellStarted({ kernelId: 'k', msgId: 'm', path: 'a.ipynb', count: 1 });
    advance(5000);
    expect(j.endKernelCells('k', now(), 'interrupted')).toBe(1);
    expect(j.recordKernelEvent({ kind: 'kernel-restarted', ref: 'k', name: 'a.ipynb' })).toBe(true);
    advance(2000);
    expect(j.recordKernelEvent({ kind: 'kernel-restarted', ref: 'k', name: 'a.ipynb' })).toBe(
      false
    );
    const s = j.summary({ since: 0, until: now(), watching: true });
    expect(s.failed).toMatchObject([{ status: 'interrupted', durationMs: 5000 }]);
    expect(s.kernels).toHaveLength(1);
  });

  it('says when a list was cut', () => {
    const { j, advance, now } = journal();
    for (let i = 0; i <= SUMMARY_LIST_MAX; i++) {
      j.record({ kind: 'document-opened', name: `n${i}.ipynb` });
      advance(1);
    }
    const s = j.summary({ since: 0, until: now(), watching: false });
    expect(s.documents).toHaveLength(SUMMARY_LIST_MAX);
    expect(s.documents[0].name).toBe(`n${SUMMARY_LIST_MAX}.ipynb`); // newest first
    expect(s.truncated).toBe(true);
  });
});

describe('the activity routes', () => {
  let server: TestServer;
  const bus = new EventBus();
  const XSRF = {
    cookie: '_xsrf=2|abc|',
    'x-xsrftoken': '2|abc|',
    'content-type': 'application/json'
  };
  beforeAll(async () => (server = await startTestServer({ bus })));
  afterAll(() => server.close());

  const get = async (path: string) => {
    const res = await httpRequest(server.socket, { method: 'GET', path });
    return { status: res.statusCode, body: res.json() };
  };
  const post = async (path: string, body: unknown) => {
    const res = await httpRequest(server.socket, {
      method: 'POST',
      path,
      headers: XSRF,
      body: JSON.stringify(body)
    });
    return { status: res.statusCode, body: res.json() };
  };

  it('keeps the last page seen and summarises since then by default', async () => {
    expect((await get('/api/v1/activity/seen')).body).toEqual({ lastSeen: null });
    const nineHoursAgo = Date.now() - 9 * HOUR;
    expect((await post('/api/v1/activity/seen', { at: nineHoursAgo })).body).toEqual({
      lastSeen: nineHoursAgo
    });
    const s = (await get('/api/v1/activity')).body as ActivitySummary;
    expect(s.since).toBe(nineHoursAgo);
    expect(s.lastSeen).toBe(nineHoursAgo);
    // No Jupyter server was handed over: the summary says the kernels are not watched.
    expect(s.watching).toBe(false);
  });

  it('refuses a period that ends before it starts, and a "seen" in the future', async () => {
    const bad = await get('/api/v1/activity?since=2000&until=1000');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/"since" \(2000\) is after "until" \(1000\)/);
    const future = await post('/api/v1/activity/seen', { at: Date.now() + DAY });
    expect(future.status).toBe(400);
    expect(future.body.message).toMatch(/in the future/);
  });

  it('takes page events by the schema and journals them', async () => {
    const bad = await post('/api/v1/activity/events', { events: [{ kind: 'x', path: 'a' }] });
    expect(bad.status).toBe(400);
    const ok = await post('/api/v1/activity/events', {
      events: [
        { kind: 'document-opened', path: '<img src=x onerror=alert(1)>.ipynb' },
        { kind: 'kernel-died', path: 'a.ipynb', kernelId: 'abc-1' },
        { kind: 'kernel-died', path: 'a.ipynb', kernelId: 'abc-1' }
      ]
    });
    expect(ok.body).toEqual({ accepted: 2 });
    const s = (await get('/api/v1/activity?since=0')).body as ActivitySummary;
    expect(s.documents.map(d => d.name)).toEqual(['<img src=x onerror=alert(1)>.ipynb']);
    expect(s.kernels).toMatchObject([{ kind: 'kernel-died', ref: 'abc-1' }]);
  });

  it('journals the jobs other features publish on the bus, once each', async () => {
    const job = { id: 'j1', name: 'train', status: 'failed', reason: 'exit code 2' } as Job;
    bus.publish('job', { ...job, status: 'running' });
    bus.publish('job', job);
    bus.publish('job', job);
    bus.publish('job', { ...job, id: 'j2', name: 'sweep', status: 'succeeded', reason: undefined });
    const s = (await get('/api/v1/activity?since=0')).body as ActivitySummary;
    expect(s.jobs.map(e => [e.kind, e.name, e.detail]).sort()).toEqual([
      ['job-failed', 'train', 'failed: exit code 2'],
      ['job-finished', 'sweep', 'succeeded']
    ]);
  });

  it('journals the idle days counted and a counter reset, not a busy day after a busy one', async () => {
    const checks = [
      ['idle', 0, 1],
      ['idle', 1, 2],
      ['busy', 2, 0],
      ['busy', 0, 0],
      ['unknown', 0, 0]
    ] as const;
    checks.forEach(([verdict, idleDaysBefore, idleDays], i) =>
      bus.publish('idle-check', {
        day: `2026-11-2${i}`,
        checkedAt: Date.now() - (5 - i) * HOUR,
        verdict,
        idleDaysBefore,
        idleDays,
        maxIdleDays: 4
      })
    );
    const s = (await get('/api/v1/activity?since=0')).body as ActivitySummary;
    // Newest first, as every list of the summary.
    expect(s.idle.map(e => [e.kind, e.name, e.detail])).toEqual([
      ['idle-reset', '2026-11-22', '2'],
      ['idle-day', '2026-11-21', '2/4'],
      ['idle-day', '2026-11-20', '1/4']
    ]);
  });

  it('journals the platform apps’ starts, stops and crashes', async () => {
    bus.publish('app', {
      name: 'desktop-websockify',
      title: 'Desktop',
      event: 'started',
      at: 1000
    });
    bus.publish('app', {
      name: 'desktop-websockify',
      title: 'Desktop',
      event: 'crashed',
      at: 2000,
      detail: 'Fatal server error'
    });
    const s = (await get('/api/v1/activity?since=0')).body as ActivitySummary;
    expect(s.apps?.map(e => [e.kind, e.name, e.ref, e.detail])).toEqual([
      ['app-crashed', 'Desktop', 'desktop-websockify', 'Fatal server error'],
      ['app-started', 'Desktop', 'desktop-websockify', null]
    ]);
  });
});
