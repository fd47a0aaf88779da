import { ReadableStream, TextDecoderStream } from 'node:stream/web';
import { EVENTS_PATH } from '@hotstepper/api/constants';
import { PageEvents } from '../src/page-events';
import { failing, type IAnswer, settingsRouting } from '../src/testing';

// jsdom lacks the web streams Node has.
Object.assign(globalThis, { ReadableStream, TextDecoderStream });

const wait = (predicate: () => boolean, timeout = 3000) =>
  new Promise<void>((resolve, reject) => {
    const started = Date.now();
    const check = () =>
      predicate()
        ? resolve()
        : Date.now() - started > timeout
          ? reject(new Error('condition not met in time'))
          : setTimeout(check, 5);
    check();
  });

const usage = (used: number) => `event: usage\ndata: ${JSON.stringify({ cpu: { used } })}\n\n`;

describe('PageEvents', () => {
  it('opens one stream for many subscribers, lazily, and closes it after the last', async () => {
    const seen: Request[] = [];
    const answer: IAnswer = {
      status: 200,
      body: null,
      events: [usage(1), 'event: job\ndata: {"id":"j"}\n\n']
    };
    const serverSettings = settingsRouting({ [EVENTS_PATH]: answer }, seen);
    const events = new PageEvents(serverSettings, { minDelay: 50 });
    expect(seen).toHaveLength(0);
    const a: unknown[] = [];
    const b: unknown[] = [];
    const jobs: unknown[] = [];
    const subA = events.subscribe('usage', d => void a.push(d));
    const subB = events.subscribe('usage', d => void b.push(d));
    events.subscribe('job', d => void jobs.push(d)).dispose();
    await wait(() => a.length > 0 && b.length > 0);
    expect(seen).toHaveLength(1);
    expect(seen[0].headers.get('Accept')).toBe('text/event-stream');
    expect(a[0]).toEqual({ cpu: { used: 1 } });
    expect(jobs).toEqual([]);
    expect(events.live).toBe(true);
    subA.dispose();
    subB.dispose();
    expect(events.live).toBe(false);
    const requests = seen.length;
    await new Promise(resolve => setTimeout(resolve, 150));
    // No reconnection once nobody listens.
    expect(seen).toHaveLength(requests);
  });

  it('is not live while the stream fails, reconnects, and is live again when it opens', async () => {
    const answers: IAnswer[] = [
      { status: 200, body: null, events: [usage(1)] },
      failing(503, 'restarting'),
      failing(503, 'restarting'),
      { status: 200, body: null, events: [usage(2)] }
    ];
    const serverSettings = settingsRouting({
      [EVENTS_PATH]: () => (answers.length > 1 ? answers.shift()! : answers[0])
    });
    const events = new PageEvents(serverSettings, { minDelay: 5, maxDelay: 20 });
    const changes: boolean[] = [];
    events.liveChanged.connect((_, live) => void changes.push(live));
    let opened = 0;
    events.opened.connect(() => void opened++);
    const received: unknown[] = [];
    const sub = events.subscribe('usage', d => void received.push(d));
    await wait(() => received.length >= 2);
    expect(received).toEqual([{ cpu: { used: 1 } }, { cpu: { used: 2 } }]);
    expect(changes.slice(0, 3)).toEqual([true, false, true]);
    expect(opened).toBeGreaterThanOrEqual(2);
    sub.dispose();
  });

  it('drops for good on a 4xx (an older backend without the route): not live', async () => {
    const seen: Request[] = [];
    const events = new PageEvents(settingsRouting({}, seen), { minDelay: 5 });
    const sub = events.subscribe('exposures', () => {});
    await wait(() => seen.length === 1);
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(events.live).toBe(false);
    expect(seen).toHaveLength(1);
    sub.dispose();
  });

  it('is one per page: shared by every model given the same server settings', () => {
    const settings = settingsRouting({});
    expect(PageEvents.for(settings)).toBe(PageEvents.for(settings));
    expect(PageEvents.for(settingsRouting({}))).not.toBe(PageEvents.for(settings));
  });
});
