import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExposureList, Job } from '@hotstepper/api';
import { EVENTS_PREFIX } from '@hotstepper/api/constants';
import { EventBus } from '../src/bus';
import { httpRequest, startTestServer, type TestServer, until } from './helpers';

const XSRF_HEADERS = { cookie: '_xsrf=2|abc|', 'x-xsrftoken': '2|abc|' };

describe('the event bus', () => {
  it('sends a payload to the subscribers of its topic until they unsubscribe', () => {
    const bus = new EventBus();
    const a: string[] = [];
    const b: string[] = [];
    const offA = bus.subscribe('job-deleted', e => void a.push(e.id));
    bus.subscribe('job-deleted', e => void b.push(e.id));
    bus.subscribe('exposures', () => {
      throw new Error('a broken subscriber');
    });
    expect(bus.count('job-deleted')).toBe(2);
    bus.publish('job-deleted', { id: 'j1' });
    offA();
    bus.publish('job-deleted', { id: 'j2' });
    expect(a).toEqual(['j1']);
    expect(b).toEqual(['j1', 'j2']);
    expect(bus.count('job-deleted')).toBe(1);
    // A throwing subscriber does not reach the publisher.
    expect(() => bus.publish('exposures', { exposures: [], expired: [] })).not.toThrow();
  });

  it('keeps the last payload of each topic', () => {
    const bus = new EventBus();
    expect(bus.latest('usage')).toBeUndefined();
    bus.publish('job-deleted', { id: 'j1' });
    bus.publish('job-deleted', { id: 'j2' });
    expect(bus.latest('job-deleted')).toEqual({ id: 'j2' });
  });
});

interface Received {
  event: string;
  data: unknown;
}

/** Follows the page event stream over the socket, collecting events until closed. */
function follow(socketPath: string) {
  const events: Received[] = [];
  let ended = false;
  let status = 0;
  const req = request({ socketPath, path: EVENTS_PREFIX, agent: false }, res => {
    status = res.statusCode ?? 0;
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) {
          events.push({ event, data: JSON.parse(data) });
        }
      }
    });
    res.on('end', () => void (ended = true));
    res.on('close', () => void (ended = true));
  });
  req.on('error', () => void (ended = true));
  req.end();
  return {
    events,
    get ended() {
      return ended;
    },
    get status() {
      return status;
    },
    stop: () => req.destroy()
  };
}

describe('GET /api/v1/events', () => {
  let server: TestServer | undefined;
  let bus: EventBus;
  let root: string;
  const streams: Array<ReturnType<typeof follow>> = [];

  beforeEach(async () => {
    bus = new EventBus();
    root = mkdtempSync(join(tmpdir(), 'hotstepper-events-'));
    server = await startTestServer({ bus, rootDir: root });
    // The flare feature publishes the exposures once it has started.
    await until(() => bus.latest('exposures') !== undefined);
  });

  afterEach(async () => {
    streams.forEach(s => s.stop());
    await server?.close();
    server = undefined;
    rmSync(root, { recursive: true, force: true });
  });

  it('sends the current usage and exposures first, then each change as it happens', async () => {
    const stream = follow(server!.socket);
    streams.push(stream);
    await until(() => stream.events.length >= 2);
    expect(stream.status).toBe(200);
    expect(stream.events.map(e => e.event)).toEqual(['usage', 'exposures']);
    expect(stream.events[0].data).toEqual(server!.sampler.snapshot);
    expect(stream.events[1].data).toEqual({ exposures: [], expired: [] });

    // A job change, as the jobs feature publishes it.
    const job = { id: 'j-1', status: 'running' } as unknown as Job;
    bus.publish('job', job);
    await until(() => stream.events.length >= 3);
    expect(stream.events[2]).toEqual({ event: 'job', data: job });

    // A usage sample, taken for real.
    const sampled = await httpRequest(server!.socket, {
      method: 'POST',
      path: '/api/v1/usage/sample',
      headers: XSRF_HEADERS
    });
    expect(sampled.statusCode).toBe(200);
    await until(() => stream.events.some((e, i) => i > 2 && e.event === 'usage'));
    expect(stream.events.filter(e => e.event === 'usage').at(-1)!.data).toEqual(sampled.json());

    // An exposure change, and a deletion.
    const exposures = { exposures: [], expired: [{ name: 'web', port: 8050, expiredAt: 'x' }] };
    bus.publish('exposures', exposures as unknown as ExposureList);
    bus.publish('job-deleted', { id: 'j-1' });
    await until(() => stream.events.some(e => e.event === 'job-deleted'));
    expect(stream.events.slice(-2)).toEqual([
      { event: 'exposures', data: exposures },
      { event: 'job-deleted', data: { id: 'j-1' } }
    ]);
  });

  it("carries the jobs feature's own changes: a job submitted, run and deleted", async () => {
    const stream = follow(server!.socket);
    streams.push(stream);
    await until(() => stream.events.length >= 2);
    const submitted = await httpRequest(server!.socket, {
      method: 'POST',
      path: '/api/v1/jobs',
      headers: { ...XSRF_HEADERS, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bus', kind: 'command', command: ['true'] })
    });
    expect([submitted.statusCode, submitted.body]).toEqual([201, expect.any(String)]);
    const id = submitted.json().id as string;
    const statuses = () =>
      stream.events
        .filter(e => e.event === 'job' && (e.data as Job).id === id)
        .map(e => (e.data as Job).status);
    await until(() => statuses().includes('succeeded'));
    expect(statuses()[0]).toBe(submitted.json().status);
    const deleted = await httpRequest(server!.socket, {
      method: 'DELETE',
      path: `/api/v1/jobs/${id}`,
      headers: XSRF_HEADERS
    });
    expect(deleted.statusCode).toBe(204);
    await until(() => stream.events.some(e => e.event === 'job-deleted'));
    expect(stream.events.at(-1)).toEqual({ event: 'job-deleted', data: { id } });
  });

  it('is listed in the OpenAPI document as an event stream', async () => {
    const res = await httpRequest(server!.socket, { method: 'GET', path: '/api/v1/openapi.json' });
    const paths = Object.keys(res.json().paths);
    expect(paths).toContain(EVENTS_PREFIX);
    expect(res.json().paths[EVENTS_PREFIX].get.responses['200'].content).toHaveProperty(
      'text/event-stream'
    );
  });

  it('lets go of the bus when a page leaves, and ends every stream on shutdown', async () => {
    // Features listen too (the activity journal): count the pages' listeners on top of them.
    const features = bus.count('job');
    const a = follow(server!.socket);
    const b = follow(server!.socket);
    streams.push(a, b);
    await until(() => a.events.length >= 2 && b.events.length >= 2);
    expect(bus.count('job')).toBe(features + 2);
    a.stop();
    await until(() => bus.count('job') === features + 1);
    await server!.close();
    server = undefined;
    await until(() => b.ended);
    expect(bus.count('job')).toBe(0);
  });
});
