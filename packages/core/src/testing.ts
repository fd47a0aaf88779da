/**
 * Test helpers for the frontends' unit tests: a ServerConnection whose fetch answers by
 * route (JSON, text or an event stream), and a wait on a model's signal. Kept out of the extension's index, so no bundle
 * carries them.
 */
import type { PageEventMap, PageEventName } from '@hotstepper/api';
import { ServerConnection } from '@jupyterlab/services';
import { DisposableDelegate, type IDisposable } from '@lumino/disposable';
import { Signal } from '@lumino/signaling';
import type { IPageEvents } from './page-events';
import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

// TypeBox checks a format only when told what it means; the contract uses date-time only.
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set(
    'date-time',
    v =>
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(v) &&
      !Number.isNaN(Date.parse(v))
  );
}

/**
 * Where a test's fixture differs from the wire contract (a schema of `@hotstepper/api`), as
 * "path: message" lines; empty when the backend could have sent it.
 */
export function schemaErrors(schema: TSchema, value: unknown): string[] {
  return [...Value.Errors(schema, value)].map(e => `${e.path || '/'}: ${e.message}`);
}

export interface IAnswer {
  status: number;
  body: unknown;
  /** Raw text instead of JSON, e.g. CSV. */
  text?: string;
  /**
   * An event stream instead: these chunks of `text/event-stream`, then the end
   * of the stream. Needs the web streams on globalThis, which jsdom lacks:
   * `Object.assign(globalThis, { ReadableStream, TextDecoderStream })` from `node:stream/web`.
   */
  events?: string[];
}

/** A 4xx/5xx answer with the backend's error body. */
export function failing(status: number, message: string): IAnswer {
  return { status, body: { statusCode: status, error: 'Error', message } };
}

/** A response whose body streams `chunks` (jsdom's Response cannot stream). */
function streaming(chunks: string[]): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      chunks.forEach(c => controller.enqueue(encoder.encode(c)));
      controller.close();
    }
  });
  return {
    ok: true,
    status: 200,
    redirected: false,
    body,
    text: async () => chunks.join('')
  } as unknown as Response;
}

/**
 * Server settings whose fetch answers by the request's path (after
 * `/hotstepper/`, query string included, e.g. `api/v1/usage/history?range=day`),
 * falling back to the path without its query; unknown paths get the backend's 404.
 * `routes` may be changed between requests.
 */
export function settingsRouting(
  routes: Record<string, IAnswer | (() => IAnswer)>,
  seen: Request[] = []
): ServerConnection.ISettings {
  return ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/',
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input as RequestInfo, init);
      seen.push(request);
      const url = new URL(request.url);
      const path = url.pathname.replace(/^\/hotstepper\//, '');
      // ServerConnection adds a cache buster (`?<timestamp>`) to GETs: keep only named parameters.
      const query = [...url.searchParams.entries()]
        .filter(([k, v]) => v !== '' && !/^\d+$/.test(k))
        .map(([k, v]) => `${k}=${v}`)
        .join('&');
      const route =
        routes[`${request.method} ${path}${query ? `?${query}` : ''}`] ??
        routes[`${path}${query ? `?${query}` : ''}`] ??
        routes[`${request.method} ${path}`] ??
        routes[path];
      const answer = typeof route === 'function' ? route() : route;
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
      if (answer.events && answer.status < 300) {
        return streaming(answer.events);
      }
      // A 204 carries no body at all.
      const body = answer.status === 204 ? null : (answer.text ?? JSON.stringify(answer.body));
      return new Response(body, { status: answer.status });
    }
  });
}

/** Resolves once `predicate` holds, checking after each change of the model. */
export function until(
  changed: { connect: (fn: () => void) => unknown; disconnect: (fn: () => void) => unknown },
  predicate: () => boolean,
  timeout = 4000
): Promise<void> {
  if (predicate()) {
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      changed.disconnect(check);
      reject(new Error('condition not met in time'));
    }, timeout);
    const check = () => {
      if (predicate()) {
        clearTimeout(timer);
        changed.disconnect(check);
        resolve();
      }
    };
    changed.connect(check);
  });
}

/** A page event stream driven by the test: `setLive` opens or drops it, `emit` sends an event. */
export class FakePageEvents implements IPageEvents {
  live = false;
  readonly liveChanged: Signal<IPageEvents, boolean> = new Signal<IPageEvents, boolean>(this);
  readonly opened: Signal<IPageEvents, void> = new Signal<IPageEvents, void>(this);

  /** How many subscribe to `event` now. */
  count(event: PageEventName): number {
    return [...this._handlers].filter(h => h.event === event).length;
  }

  subscribe<E extends PageEventName>(
    event: E,
    handler: (data: PageEventMap[E]) => void
  ): IDisposable {
    const entry = { event, handler: handler as (data: unknown) => void };
    this._handlers.add(entry);
    return new DisposableDelegate(() => void this._handlers.delete(entry));
  }

  setLive(live: boolean): void {
    if (live !== this.live) {
      this.live = live;
      this.liveChanged.emit(live);
      if (live) {
        this.opened.emit();
      }
    }
  }

  emit<E extends PageEventName>(event: E, data: PageEventMap[E]): void {
    for (const entry of [...this._handlers]) {
      if (entry.event === event) {
        entry.handler(data);
      }
    }
  }

  private readonly _handlers = new Set<{ event: string; handler: (data: unknown) => void }>();
}
