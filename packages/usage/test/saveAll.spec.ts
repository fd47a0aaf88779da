import { ReadableStream, TextDecoderStream } from 'node:stream/web';
import { ServerConnection } from '@jupyterlab/services';
import { SaveAllListener, saveOpenDocuments } from '../src/saveAll';
import { SAVE_ALL } from './fixtures';

// jsdom lacks the web streams Node has.
Object.assign(globalThis, { ReadableStream, TextDecoderStream });

function doc(path: string, dirty: boolean, fail = false) {
  const save = jest.fn(async () => {
    if (fail) {
      throw new Error('disk full');
    }
  });
  return { widget: { context: { path, model: { dirty }, save } }, save };
}

describe('saveOpenDocuments', () => {
  it('saves each dirty document once and reports failures', async () => {
    const a = doc('a.ipynb', true);
    const a2 = doc('a.ipynb', true); // a second view of the same notebook
    const b = doc('b.ipynb', false);
    const c = doc('c.py', true, true);
    const result = await saveOpenDocuments([a.widget, a2.widget, b.widget, c.widget, {}, null]);
    expect(a.save).toHaveBeenCalledTimes(1);
    expect(a2.save).not.toHaveBeenCalled();
    expect(b.save).not.toHaveBeenCalled();
    expect(result).toEqual({
      saved: ['a.ipynb'],
      failed: [{ path: 'c.py', message: 'disk full' }]
    });
  });
});

describe('SaveAllListener', () => {
  it('on "save-all" from the event stream: saves, then reports with a POST', async () => {
    const requests: Request[] = [];
    let streamed = false;
    const encoder = new TextEncoder();
    const settings = ServerConnection.makeSettings({
      baseUrl: 'http://localhost:8888/',
      fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
        const request = new Request(input as RequestInfo, init);
        requests.push(request);
        if (request.url.includes('/usage/events') && !streamed) {
          streamed = true;
          const body = new ReadableStream({
            start(controller) {
              controller.enqueue(encoder.encode('event: ping\ndata: {}\n\n'));
              controller.enqueue(
                encoder.encode(`event: save-all\ndata: ${JSON.stringify(SAVE_ALL)}\n\n`)
              );
              controller.close();
            }
          });
          return { ok: true, status: 200, body } as unknown as Response;
        }
        if (request.url.includes('/usage/events')) {
          return new Response('{"message":"gone"}', { status: 503 });
        }
        return new Response('', { status: 204 });
      }
    });
    const saved = new Promise<unknown>(resolve => {
      const listener = new SaveAllListener({
        serverSettings: settings,
        save: async request => ({ saved: [String(request.reason)], failed: [] }),
        onSaved: (request, result) => {
          listener.stop();
          resolve({ request, result });
        },
        minDelay: 10,
        maxDelay: 20
      });
      listener.start();
      expect(listener.isRunning).toBe(true);
    });
    expect(await saved).toEqual({
      request: SAVE_ALL,
      result: { saved: ['idle for 4 days'], failed: [] }
    });
    const post = requests.find(r => r.method === 'POST');
    expect(post && new URL(post.url).pathname).toBe('/hotstepper/api/v1/usage/idle/saved');
    expect(requests[0].headers.get('Accept')).toBe('text/event-stream');
  });

  it('ignores other events', async () => {
    const save = jest.fn();
    const listener = new SaveAllListener({
      serverSettings: ServerConnection.makeSettings({ baseUrl: 'http://localhost:8888/' }),
      save
    });
    await listener.handle({ event: 'sample', data: '{}' });
    expect(save).not.toHaveBeenCalled();
  });
});
