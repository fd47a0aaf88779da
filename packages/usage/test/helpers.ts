import type { UsageSnapshot } from '@hotstepper/api';
import { ServerConnection } from '@jupyterlab/services';

export function snapshot(cpuUsed: number, memUsed: number): UsageSnapshot {
  return {
    sampledAt: '2026-11-25T10:00:00.000Z',
    source: 'cgroup2',
    cpu: { used: cpuUsed, limit: 2, limitSource: 'cgroup' },
    // Bytes are whole numbers on the wire.
    memory: { used: Math.round(memUsed), limit: 4 * 1024 ** 3, limitSource: 'env' },
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

export { type IAnswer, settingsRouting, until } from '@hotstepper/core/lib/testing';
