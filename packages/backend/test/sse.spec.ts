import { mkdtempSync, rmSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  EventHub,
  KEEP_ALIVE_MS,
  eventStreams,
  frame,
  type EventClient,
  type EventStream
} from '../src/sse';
import { until } from './helpers';

describe('frame', () => {
  it('writes event and data, with the id first when there is one', () => {
    expect(frame('job', { id: 'j1' })).toBe('event: job\ndata: {"id":"j1"}\n\n');
    expect(frame('log', { text: 'hi\n' }, '3:0')).toBe(
      'id: 3:0\nevent: log\ndata: {"text":"hi\\n"}\n\n'
    );
  });
});

describe('the event hub', () => {
  const client = () => {
    const c: EventClient & { chunks: string[]; ended: boolean } = {
      chunks: [],
      ended: false,
      write: chunk => void c.chunks.push(chunk),
      end: () => void (c.ended = true)
    };
    return c;
  };

  it('sends every event to every client, ids counting up, until one leaves; close ends all', () => {
    const hub = new EventHub();
    const a = client();
    const b = client();
    hub.subscribe(a);
    const leave = hub.subscribe(b);
    expect(hub.publish('save-all', { n: 1 })).toBe('id: 1\nevent: save-all\ndata: {"n":1}\n\n');
    leave();
    hub.publish('save-all', { n: 2 });
    expect(a.chunks).toHaveLength(2);
    expect(a.chunks[1]).toMatch(/^id: 2\n/);
    expect(b.chunks).toHaveLength(1);
    expect(hub.size).toBe(1);
    hub.close();
    expect([a.ended, b.ended, hub.size]).toEqual([true, false, 0]);
  });
});

describe('an event stream on a response', () => {
  let app: FastifyInstance;
  let dir: string;
  let socket: string;
  let opened: EventStream[];
  let closedCalls: number;

  beforeEach(async () => {
    opened = [];
    closedCalls = 0;
    dir = mkdtempSync(join(tmpdir(), 'hotstepper-sse-'));
    socket = join(dir, 'app.sock');
    app = Fastify({ logger: false });
    const streams = eventStreams(app);
    app.get('/events', async (_req, reply) => {
      const stream = streams.open(reply, { comment: 'test events', keepAliveMs: 40 });
      stream.onClose(() => void (closedCalls += 1));
      stream.send('hello', { n: 1 }, 7);
      opened.push(stream);
      return reply;
    });
    await app.listen({ path: socket });
  });
  afterEach(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function open(): Promise<{ res: IncomingMessage; text: () => string; ended: () => boolean }> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: socket, path: '/events', agent: false }, res => {
        let text = '';
        let ended = false;
        res.setEncoding('utf8');
        res.on('data', chunk => (text += chunk));
        res.on('end', () => (ended = true));
        resolve({ res, text: () => text, ended: () => ended });
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('has the headers a proxy passes on unbuffered, a naming comment, then the events', async () => {
    const { res, text } = await open();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-accel-buffering']).toBe('no');
    await until(() => text().includes('event: hello'));
    expect(text()).toMatch(/^: test events\n\nid: 7\nevent: hello\ndata: \{"n":1\}\n\n/);
  });

  it('sends a keep-alive comment while open (every 15 s by default)', async () => {
    expect(KEEP_ALIVE_MS).toBe(15_000);
    const { text } = await open();
    await until(() => text().includes(': keep-alive\n\n'));
  });

  it('ends when the feature ends it: the client sees the end, the feature is told once', async () => {
    const { text, ended } = await open();
    await until(() => opened.length === 1);
    opened[0].end();
    opened[0].end();
    opened[0].send('late', {});
    await until(ended);
    expect(text()).toContain('event: hello');
    expect(text()).not.toContain('event: late');
    expect(closedCalls).toBe(1);
    expect(opened[0].closed).toBe(true);
  });

  it('ends every open stream when the app closes, so closing does not wait for them', async () => {
    const first = await open();
    const second = await open();
    await until(() => opened.length === 2);
    await app.close();
    await until(() => first.ended() && second.ended());
    expect(closedCalls).toBe(2);
  });
});
