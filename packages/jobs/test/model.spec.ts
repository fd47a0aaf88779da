import type { JobList } from '@hotstepper/api';
import { JobLogModel } from '../src/logModel';
import { PageEvents } from '@hotstepper/core';
import { JobsModel } from '../src/model';
import { FakeBackend, info, job, until } from './helpers';

const list = (
  jobs: ReturnType<typeof job>[],
  counts: Record<string, number>,
  total = jobs.length
): JobList => ({
  jobs,
  total,
  counts
});

describe('JobsModel', () => {
  let model: JobsModel | undefined;
  afterEach(() => model?.dispose());

  it("loads the list and the info, then follows the page's event stream: new jobs on top, counts moved", async () => {
    const backend = new FakeBackend();
    backend.routes['api/v1/jobs?limit=50&offset=0'] = {
      status: 200,
      body: list(
        [job('j2', 'running', { createdAt: '2026-11-25T10:02:00Z' }), job('j1', 'succeeded')],
        { running: 1, succeeded: 1 }
      )
    };
    backend.routes['api/v1/jobs/info'] = { status: 200, body: info() };
    const events = new PageEvents(backend.settings, { minDelay: 10 });
    model = new JobsModel({ serverSettings: backend.settings, events });
    const m = model;
    await until(m.changed, () => !m.loading);
    expect(m.jobs.map(j => j.id)).toEqual(['j2', 'j1']);
    expect(m.info?.quota.cpu.limit).toBe(4);
    expect(m.count('all')).toBe(2);

    const stream = await backend.streamOpened();
    expect(stream.request.headers.get('Accept')).toBe('text/event-stream');
    expect(new URL(stream.request.url).pathname).toBe('/hotstepper/api/v1/events');
    stream.send('job', job('j3', 'queued', { createdAt: '2026-11-25T10:03:00Z' }));
    await until(m.changed, () => m.jobs.length === 3);
    expect(m.live).toBe(true);
    expect(m.jobs.map(j => j.id)).toEqual(['j3', 'j2', 'j1']);
    expect(m.count('active')).toBe(2);

    stream.send('job', job('j2', 'failed', { createdAt: '2026-11-25T10:02:00Z', exitCode: 1 }));
    await until(m.changed, () => m.jobs[1].status === 'failed');
    expect(m.counts).toMatchObject({ running: 0, failed: 1, queued: 1, succeeded: 1 });
    expect(m.count('active')).toBe(1);

    stream.send('job-deleted', { id: 'j1' });
    await until(m.changed, () => m.jobs.length === 2);
    expect(m.counts.succeeded).toBe(0);

    // The stream drops: polling takes over until the page reconnects, then the list is asked
    // again for whatever happened in between.
    backend.refuseStreams = true;
    stream.close();
    await until(m.changed, () => !m.live);
    backend.refuseStreams = false;
    const asked = backend.seen.filter(r => r.url.includes('/jobs?')).length;
    await backend.streamOpened(2);
    await until(m.changed, () => m.live);
    await until(m.changed, () => backend.seen.filter(r => r.url.includes('/jobs?')).length > asked);
  });

  it('shares the page stream with the other models, and stops following it when disposed', async () => {
    const backend = new FakeBackend();
    backend.routes['api/v1/jobs?limit=50&offset=0'] = { status: 200, body: list([], {}) };
    backend.routes['api/v1/jobs/info'] = { status: 200, body: info() };
    const events = new PageEvents(backend.settings, { minDelay: 10 });
    const other = events.subscribe('usage', () => {});
    const stream = await backend.streamOpened();
    stream.send('usage', {});
    await until(events.liveChanged, () => events.live);
    model = new JobsModel({ serverSettings: backend.settings, events });
    // Live at once: the page's stream is already open.
    expect(model.live).toBe(true);
    stream.send('job', job('j9', 'running'));
    await until(model.changed, () => model!.jobs.length === 1);
    model.dispose();
    other.dispose();
    expect(events.live).toBe(false);
    expect(backend.streams).toHaveLength(1);
  });

  it('filters: the query asks for the statuses, and a job leaving them leaves the list', async () => {
    const backend = new FakeBackend();
    backend.routes['api/v1/jobs?limit=50&offset=0&status=queued,starting,running'] = {
      status: 200,
      body: list([job('j2', 'running')], { running: 1, failed: 4 })
    };
    backend.routes['api/v1/jobs/info'] = { status: 200, body: info() };
    model = new JobsModel({ serverSettings: backend.settings, filter: 'active', live: false });
    const m = model;
    await until(m.changed, () => !m.loading);
    expect(m.jobs.map(j => j.id)).toEqual(['j2']);
    expect(m.count('failed')).toBe(4);
    m.handle({ event: 'job', data: JSON.stringify(job('j2', 'succeeded')) });
    expect(m.jobs).toEqual([]);
    expect(m.total).toBe(0);
    expect(m.counts).toMatchObject({ running: 0, succeeded: 1 });
  });

  it("shows the backend's message when the list cannot be loaded, and loads again on retry", async () => {
    const backend = new FakeBackend();
    backend.routes['api/v1/jobs?limit=50&offset=0'] = {
      status: 500,
      body: { message: 'The jobs database is locked' }
    };
    backend.routes['api/v1/jobs/info'] = { status: 200, body: info() };
    model = new JobsModel({ serverSettings: backend.settings, live: false });
    const m = model;
    await until(m.changed, () => !m.loading);
    expect(m.error).toBe('The jobs database is locked');
    backend.routes['api/v1/jobs?limit=50&offset=0'] = { status: 200, body: list([], {}) };
    await m.refresh();
    await until(m.changed, () => m.error === undefined);
    expect(m.jobs).toEqual([]);
  });

  it('pages: "Show more" asks for a longer page', async () => {
    const backend = new FakeBackend();
    const jobs = Array.from({ length: 5 }, (_, i) =>
      job(`j${i}`, 'succeeded', { createdAt: `2026-11-25T10:0${9 - i}:00Z` })
    );
    backend.routes['api/v1/jobs?limit=2&offset=0'] = {
      status: 200,
      body: list(jobs.slice(0, 2), { succeeded: 5 }, 5)
    };
    backend.routes['api/v1/jobs?limit=4&offset=0'] = {
      status: 200,
      body: list(jobs.slice(0, 4), { succeeded: 5 }, 5)
    };
    backend.routes['api/v1/jobs/info'] = { status: 200, body: info() };
    model = new JobsModel({ serverSettings: backend.settings, pageSize: 2, live: false });
    const m = model;
    await until(m.changed, () => !m.loading);
    expect(m.jobs).toHaveLength(2);
    expect(m.hasMore).toBe(true);
    await m.showMore();
    await until(m.changed, () => m.jobs.length === 4);
    expect(m.hasMore).toBe(true);
  });

  it('submits with POST and the idempotency key, and lists the new job at once', async () => {
    const backend = new FakeBackend();
    backend.routes['api/v1/jobs?limit=50&offset=0'] = { status: 200, body: list([], {}) };
    backend.routes['api/v1/jobs/info'] = { status: 200, body: info() };
    backend.routes['POST api/v1/jobs'] = { status: 201, body: job('j9', 'queued') };
    model = new JobsModel({ serverSettings: backend.settings, live: false });
    const m = model;
    await until(m.changed, () => !m.loading);
    const made = await m.submit({
      name: 'x',
      kind: 'command',
      command: ['true'],
      idempotencyKey: 'k'
    });
    expect(made.id).toBe('j9');
    expect(m.jobs.map(j => j.id)).toEqual(['j9']);
    const post = backend.seen.find(r => r.method === 'POST')!;
    expect(await post.json()).toMatchObject({ idempotencyKey: 'k', command: ['true'] });
    backend.routes['POST api/v1/jobs'] = {
      status: 400,
      body: { message: 'resources.cpu: 64 is more than the quota allows (4 CPU)' }
    };
    await expect(m.submit({ name: 'x', kind: 'command', command: ['true'] })).rejects.toThrow(
      'resources.cpu: 64 is more than the quota allows (4 CPU)'
    );
  });
});

describe('JobLogModel', () => {
  it('appends chunks in arrival order, skips bytes it has, resumes from its own position, and stops at end', async () => {
    const backend = new FakeBackend();
    const log = new JobLogModel({
      serverSettings: backend.settings,
      jobId: 'j1',
      reconnectDelay: 10
    });
    try {
      const first = await backend.streamOpened();
      expect(new URL(first.request.url).pathname).toBe('/hotstepper/api/v1/jobs/j1/log');
      expect(first.request.headers.get('Last-Event-ID')).toBeNull();
      first.send('status', job('j1', 'running'));
      first.send('log', { stream: 'stdout', offset: 0, text: '0\n' }, '2:0');
      first.send('log', { stream: 'stderr', offset: 0, text: 'warn é\n' }, '2:8');
      first.send('log', { stream: 'stdout', offset: 2, text: '1\n' }, '4:8');
      await until(log.changed, () => log.position === '4:8');
      expect(log.job?.status).toBe('running');
      expect(log.entries).toEqual([
        { stream: 'stdout', text: '0\n' },
        { stream: 'stderr', text: 'warn é\n' },
        { stream: 'stdout', text: '1\n' }
      ]);
      first.close();

      const second = await backend.streamOpened(2);
      expect(second.request.headers.get('Last-Event-ID')).toBe('4:8');
      // A server that resends from an earlier offset: only the new part is shown.
      second.send('log', { stream: 'stdout', offset: 2, text: '1\n2\n' }, '6:8');
      second.send('log', { stream: 'stdout', offset: 6, text: '3\n' }, '8:8');
      second.send('status', job('j1', 'succeeded', { exitCode: 0 }));
      second.send('end', {});
      await until(log.changed, () => log.ended);
      expect(log.text).toBe('0\nwarn é\n1\n2\n3\n');
      expect(log.job?.status).toBe('succeeded');
      second.close();
      await new Promise(resolve => setTimeout(resolve, 50));
      expect(backend.streams).toHaveLength(2);
    } finally {
      log.dispose();
    }
  });

  it('keeps the newest output when the log outgrows what the view holds', () => {
    const log = new JobLogModel({
      serverSettings: new FakeBackend().settings,
      jobId: 'j1',
      follow: false,
      maxChars: 10
    });
    log.append({ stream: 'stdout', offset: 0, text: 'abcdefgh' });
    log.append({ stream: 'stderr', offset: 0, text: 'ijkl' });
    expect(log.text).toBe('cdefghijkl');
    expect(log.truncated).toBe(true);
    log.dispose();
  });
});
