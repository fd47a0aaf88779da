/**
 * Test helpers for the frontends' unit tests: a ServerConnection whose fetch answers by
 * route (JSON, text or an event stream), and a wait on a model's signal. Kept out of the extension's index, so no bundle
 * carries them.
 */
import { ServerConnection } from '@jupyterlab/services';
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
