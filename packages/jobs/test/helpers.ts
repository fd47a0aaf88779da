import type { Job, JobsInfo } from '@hotstepper/api';
import { ServerConnection } from '@jupyterlab/services';
import { ReadableStream, TextDecoderStream } from 'node:stream/web';

// jsdom lacks the web streams Node has.
Object.assign(globalThis, { ReadableStream, TextDecoderStream });

export function job(id: string, status: Job['status'], extra: Partial<Job> = {}): Job {
  return {
    id,
    name: `job ${id}`,
    kind: 'command',
    runner: 'local',
    status,
    argv: ['python', '-c', 'print(1)'],
    cwd: '',
    env: {},
    resources: { cpu: 1, memory: 1024 ** 3 },
    enforcement: 'rlimit',
    createdAt: '2026-11-25T10:00:00.000Z',
    ...extra
  };
}

export function info(extra: Partial<JobsInfo> = {}): JobsInfo {
  return {
    runner: 'local',
    enforcement: 'rlimit',
    enforcementNote: 'Memory is held by an rlimit; CPU is shared.',
    presets: [
      {
        name: 'small',
        label: 'Small (1 CPU, 2 GiB)',
        resources: { cpu: 1, memory: 2 * 1024 ** 3 },
        timeLimitSeconds: 1800
      },
      {
        name: 'gpu',
        label: 'One A40',
        resources: { cpu: 4, memory: 16 * 1024 ** 3, gpu: { count: 1, model: 'a40' } }
      }
    ],
    defaults: { resources: { cpu: 1, memory: 1024 ** 3 }, timeLimitSeconds: 3600 },
    maxTimeLimitSeconds: 86400,
    gpuModels: [],
    papermill: true,
    quota: {
      source: 'local',
      cpu: { used: 1, limit: 4 },
      memory: { used: 1024 ** 3, limit: 8 * 1024 ** 3 }
    },
    ...extra
  };
}

export interface IAnswer {
  status: number;
  body?: unknown;
}

/** One connection to an event stream the test writes to. */
export class FakeStream {
  constructor(readonly request: Request) {
    this.body = new ReadableStream<Uint8Array>({
      start: controller => {
        this._controller = controller;
      }
    });
  }

  readonly body: ReadableStream<Uint8Array>;

  send(event: string, data: unknown, id?: string): void {
    const lines = [
      `event: ${event}`,
      ...(id ? [`id: ${id}`] : []),
      `data: ${JSON.stringify(data)}`
    ];
    this._controller.enqueue(new TextEncoder().encode(`${lines.join('\n')}\n\n`));
  }

  close(): void {
    this._controller.close();
  }

  private _controller!: ReadableStreamDefaultController<Uint8Array>;
}

/**
 * A backend stand-in: JSON answers by `METHOD path` or `path` (query included, the cache
 * buster left out), and event streams the test drives (`streams` gets each connection).
 * Unknown paths get the backend's 404.
 */
export class FakeBackend {
  routes: Record<string, IAnswer | ((request: Request) => IAnswer)> = {};
  readonly seen: Request[] = [];
  readonly streams: FakeStream[] = [];

  readonly settings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/',
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input as RequestInfo, init);
      this.seen.push(request);
      const url = new URL(request.url);
      const path = url.pathname.replace(/^\/hotstepper\//, '');
      if (request.headers.get('Accept') === 'text/event-stream') {
        if (this.refuseStreams) {
          return new Response(JSON.stringify({ message: 'streams are down' }), { status: 503 });
        }
        const stream = new FakeStream(request);
        this.streams.push(stream);
        this._streamOpened?.();
        return { ok: true, status: 200, body: stream.body } as unknown as Response;
      }
      const query = [...url.searchParams.entries()]
        .filter(([k, v]) => v !== '' && !/^\d+$/.test(k))
        .map(([k, v]) => `${k}=${v}`)
        .join('&');
      const full = `${path}${query ? `?${query}` : ''}`;
      const route =
        this.routes[`${request.method} ${full}`] ??
        this.routes[`${request.method} ${path}`] ??
        (request.method === 'GET' ? (this.routes[full] ?? this.routes[path]) : undefined);
      const answer = typeof route === 'function' ? route(request) : route;
      if (!answer) {
        return new Response(
          JSON.stringify({
            statusCode: 404,
            error: 'Not Found',
            message: `No route ${request.method} /${path}`
          }),
          { status: 404 }
        );
      }
      return new Response(answer.body === undefined ? '' : JSON.stringify(answer.body), {
        status: answer.status
      });
    }
  });

  refuseStreams = false;

  /** Resolves once `count` streams have been opened in all. */
  async streamOpened(count = 1): Promise<FakeStream> {
    while (this.streams.length < count) {
      await new Promise<void>(resolve => (this._streamOpened = resolve));
    }
    return this.streams[count - 1];
  }

  private _streamOpened: (() => void) | undefined;
}

export { until } from '@hotstepper/core/lib/testing';
