/**
 * Test helpers for the frontends' unit tests: a ServerConnection whose fetch answers by
 * route, and a wait on a model's signal. Kept out of the extension's index, so no bundle
 * carries them.
 */
import { ServerConnection } from '@jupyterlab/services';

export interface IAnswer {
  status: number;
  body: unknown;
  /** Raw text instead of JSON, e.g. CSV. */
  text?: string;
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
