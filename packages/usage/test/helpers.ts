import type { UsageSnapshot } from '@hotstepper/api';
import { ServerConnection } from '@jupyterlab/services';

export function snapshot(cpuUsed: number, memUsed: number): UsageSnapshot {
  return {
    sampledAt: '2026-11-25T10:00:00.000Z',
    source: 'cgroup2',
    cpu: { used: cpuUsed, limit: 2, limitSource: 'cgroup' },
    memory: { used: memUsed, limit: 4 * 1024 ** 3, limitSource: 'env' },
    intervalSeconds: 5
  };
}

/** Server settings whose fetch answers each request with the next of `answers`. */
export function settingsAnswering(
  answers: Array<{ status: number; body: unknown }>,
  seen: Request[] = []
): ServerConnection.ISettings {
  return ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/',
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      seen.push(new Request(input as RequestInfo, init));
      const next = answers.length > 1 ? answers.shift()! : answers[0];
      return new Response(JSON.stringify(next.body), { status: next.status });
    }
  });
}

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
      return new Response(answer.text ?? JSON.stringify(answer.body), { status: answer.status });
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
