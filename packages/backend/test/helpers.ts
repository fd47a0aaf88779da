import { mkdtempSync, rmSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { UsageSnapshot } from '@hotstepper/api';
import { parseConfig } from '../src/config';
import { UsageSampler } from '../src/features/usage/service';
import { createFlareGateway, createJobs } from '../src/platform';
import { LocalPlatform } from '../src/platform/local';
import { ProcTreeReader } from '../src/platform/resources';
import type { EventBus } from '../src/bus';
import { buildServer, type ServerDeps } from '../src/server';
import { Store } from '../src/store';

/** The root of a fixture file system tree under test/fixtures. */
export function fixture(name: string): string {
  return join(__dirname, 'fixtures', name);
}

/** A real pino logger whose lines are kept in memory, so a test can see what was logged. */
export function memoryLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino(
    { level: 'info' },
    { write: (line: string) => void lines.push(JSON.parse(line)) }
  );
  return { log, lines };
}

export const GiB = 1024 ** 3;

// TypeBox checks formats only when told what they mean.
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set(
    'date-time',
    v =>
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(v) &&
      !Number.isNaN(Date.parse(v))
  );
}

/** The schema errors of `value` as a UsageSnapshot (empty when it is one). */
export function snapshotErrors(value: unknown): string[] {
  return [...Value.Errors(UsageSnapshot, value)].map(e => `${e.path}: ${e.message}`);
}

/** Waits until `condition` holds, checking every 20 ms (the test's own timeout bounds it). */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) {
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}

export const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

export interface HttpResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: string;
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * One HTTP request over a unix socket, the way jupyter-server-proxy reaches the
 * backend. (fastify's inject cannot be used under jest here: light-my-request
 * needs `cookie` 2.x, an ES module jest's CommonJS loader cannot require.)
 */
export function httpRequest(
  socketPath: string,
  options: { method: string; path: string; headers?: Record<string, string>; body?: string }
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        method: options.method,
        path: options.path,
        headers: options.headers,
        agent: false
      },
      res => {
        const chunks: Buffer[] = [];
        res.on('data', chunk => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({
            statusCode: res.statusCode!,
            headers: res.headers,
            body,
            json: () => JSON.parse(body)
          });
        });
        res.on('error', reject);
      }
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface TestServer {
  app: Awaited<ReturnType<typeof buildServer>>;
  store: Store;
  sampler: UsageSampler;
  /** The unix socket it listens on, as jupyter-server-proxy runs it. */
  socket: string;
  close(): Promise<void>;
}

/**
 * The whole backend over an in-memory store, sampling this test process's
 * tree, served on a unix socket in a temp dir (fastify's inject cannot load
 * under jest here, and the socket is what the proxy uses anyway).
 */
export async function startTestServer(
  options: {
    config?: unknown;
    log?: FastifyBaseLogger;
    version?: string;
    rootDir?: string;
    /** A state.db file that outlives the server (for restart tests); default in memory. */
    dbPath?: string;
    /** The job runner's environment (a Slurm cluster's SLURM_CONF); default empty. */
    env?: NodeJS.ProcessEnv;
    onRoute?: ServerDeps['onRoute'];
    /** The event bus the features publish on; default the server's own. */
    bus?: EventBus;
    /** The storage feature's view of mounts and groups; default this machine's. */
    storage?: ServerDeps['storage'];
  } = {}
): Promise<TestServer> {
  const store = new Store({ path: options.dbPath ?? ':memory:' });
  const platform = new LocalPlatform(new ProcTreeReader(process.pid, '', {}));
  const sampler = new UsageSampler(platform, store, {
    intervalSeconds: 60,
    retentionHours: 48,
    log: options.log ?? memoryLogger().log
  });
  const dir = mkdtempSync(join(tmpdir(), 'hotstepper-test-server-'));
  const config = parseConfig(options.config ?? {});
  const app = await buildServer({
    version: options.version ?? '0.0.0',
    config,
    platform,
    store,
    sampler,
    jobs: createJobs(config, { platform, env: options.env ?? {} }),
    flare: createFlareGateway(config, { platform, env: {} }),
    dataDir: join(dir, 'data'),
    rootDir: options.rootDir ?? join(dir, 'root'),
    onRoute: options.onRoute,
    bus: options.bus,
    storage: options.storage
  });
  const socket = join(dir, 'backend.sock');
  await app.listen({ path: socket });
  await sampler.ready;
  return {
    app,
    store,
    sampler,
    socket,
    close: async () => {
      sampler.stop();
      await app.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
