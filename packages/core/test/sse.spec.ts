import { ServerConnection } from '@jupyterlab/services';
import { ReadableStream, TextDecoderStream } from 'node:stream/web';
import { streamEvents } from '../src/sse';

/** A response body that arrives in the given chunks, as a proxy may split it. */
function chunked(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      chunks.forEach(c => controller.enqueue(encoder.encode(c)));
      controller.close();
    }
  });
}

// jsdom lacks the web streams Node has.
Object.assign(globalThis, { ReadableStream, TextDecoderStream });

describe('streamEvents', () => {
  it('parses events split across chunks and returns the last id to resume from', async () => {
    const requests: Request[] = [];
    const settings = ServerConnection.makeSettings({
      baseUrl: 'http://localhost:8888/',
      fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
        requests.push(new Request(input as RequestInfo, init));
        // jsdom's Response has no streaming body: hand over what fetch would.
        return {
          ok: true,
          status: 200,
          body: chunked(['id: 1\nevent: log\ndata: hel', 'lo\n\nid: 2\ndata: world\n', '\n'])
        } as unknown as Response;
      }
    });
    const seen: string[] = [];
    const last = await streamEvents('api/v1/jobs/1/log', settings, {
      lastEventId: '0',
      onEvent: e => seen.push(`${e.event ?? 'message'}:${e.data}`)
    });
    expect(seen).toEqual(['log:hello', 'message:world']);
    expect(last).toBe('2');
    expect(requests[0].headers.get('Last-Event-ID')).toBe('0');
    expect(requests[0].headers.get('Accept')).toBe('text/event-stream');
  });

  it("rejects with the backend's message when the stream cannot start", async () => {
    const settings = ServerConnection.makeSettings({
      baseUrl: 'http://localhost:8888/',
      fetch: async () => new Response('{"message":"no such job"}', { status: 404 })
    });
    await expect(
      streamEvents('api/v1/jobs/9/log', settings, { onEvent: () => undefined })
    ).rejects.toThrow('no such job');
  });
});
