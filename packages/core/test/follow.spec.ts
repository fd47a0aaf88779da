import { ReadableStream, TextDecoderStream } from 'node:stream/web';
import { followEvents } from '../src/follow';
import { failing, type IAnswer, settingsRouting } from '../src/testing';

// jsdom lacks the web streams Node has.
Object.assign(globalThis, { ReadableStream, TextDecoderStream });

const PATH = 'api/v1/test/events';

/** Answers each connection with the next answer; the last one repeats. */
function connections(answers: IAnswer[], seen: Request[] = []) {
  return settingsRouting(
    { [PATH]: () => (answers.length > 1 ? answers.shift()! : answers[0]) },
    seen
  );
}

describe('followEvents', () => {
  it('reconnects when the stream ends, resuming after the last event id', async () => {
    const seen: Request[] = [];
    const controller = new AbortController();
    const events: string[] = [];
    let opens = 0;
    const serverSettings = connections(
      [
        { status: 200, body: null, events: ['id: 1\ndata: a\n\n', 'id: 2\ndata: b\n\n'] },
        { status: 200, body: null, events: ['id: 3\ndata: c\n\n'] },
        { status: 200, body: null, events: [] }
      ],
      seen
    );
    await followEvents(PATH, {
      serverSettings,
      signal: controller.signal,
      lastEventId: '0',
      minDelay: 1,
      onOpen: () => opens++,
      onEvent: e => {
        events.push(e.data);
        if (e.data === 'c') {
          controller.abort();
        }
      }
    });
    expect(events).toEqual(['a', 'b', 'c']);
    expect(opens).toBe(2);
    expect(seen.map(r => r.headers.get('Last-Event-ID'))).toEqual(['0', '2']);
    expect(seen[0].headers.get('Accept')).toBe('text/event-stream');
  });

  it('backs off exponentially up to maxDelay while the stream fails, then afresh after an open', async () => {
    const controller = new AbortController();
    const delays: number[] = [];
    const down = failing(503, 'backend restarting');
    const up: IAnswer = { status: 200, body: null, events: ['data: up\n\n'] };
    const serverSettings = connections([down, down, down, down, up, down, down]);
    await followEvents(PATH, {
      serverSettings,
      signal: controller.signal,
      minDelay: 1,
      maxDelay: 4,
      onEvent: () => undefined,
      onRetry: (error, delay) => {
        expect(error.message).toBe('backend restarting');
        delays.push(delay);
        if (delays.length === 6) {
          controller.abort();
        }
      }
    });
    // 1, 2, 4, 4 while down; the open resets the backoff: 1 ms after the stream ends, then 2, 4.
    expect(delays).toEqual([1, 2, 4, 4, 2, 4]);
  });

  it('retries a timeout or a rate limit, but gives up on another 4xx with onDrop', async () => {
    const controller = new AbortController();
    const retried: number[] = [];
    const dropped: string[] = [];
    const serverSettings = connections([
      failing(429, 'slow down'),
      failing(408, 'timeout'),
      failing(404, 'No such job')
    ]);
    await followEvents(PATH, {
      serverSettings,
      signal: controller.signal,
      minDelay: 1,
      onEvent: () => undefined,
      onRetry: error => retried.push((error as { status?: number }).status ?? -1),
      onDrop: error => dropped.push(error.message)
    });
    expect(retried).toEqual([429, 408]);
    expect(dropped).toEqual(['No such job']);
  });

  it('resolves when the signal aborts during the wait', async () => {
    const controller = new AbortController();
    const serverSettings = connections([failing(503, 'down')]);
    const followed = followEvents(PATH, {
      serverSettings,
      signal: controller.signal,
      minDelay: 60_000,
      onEvent: () => undefined,
      onRetry: () => setTimeout(() => controller.abort(), 0)
    });
    await expect(followed).resolves.toBeUndefined();
  });
});
