#!/usr/bin/env node
/**
 * The backend's command line, as jupyter-server-proxy starts it:
 *   hotstepper-backend --socket PATH [--config FILE]
 * or, for development only, --port N (loopback).
 */
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { ConfigError, dataDir, loadConfig } from './config';
import { degradedServer } from './degraded';
import { createAdapters } from './platform';
import { buildServer, logSerializers } from './server';
import { Store } from './store';

declare const HOTSTEPPER_VERSION: string | undefined;
const VERSION = typeof HOTSTEPPER_VERSION === 'string' ? HOTSTEPPER_VERSION : '0.0.0-dev';

/** Set by the bundle: the better-sqlite3 addon shipped beside it. */
declare const HOTSTEPPER_BUNDLED: boolean | undefined;
const nativeBinding =
  typeof HOTSTEPPER_BUNDLED === 'boolean' && HOTSTEPPER_BUNDLED
    ? join(__dirname, 'better_sqlite3.node')
    : undefined;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      socket: { type: 'string' },
      port: { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean' }
    }
  });
  if (values.help || (!values.socket && !values.port)) {
    process.stderr.write('usage: hotstepper-backend (--socket PATH | --port N) [--config FILE]\n');
    process.exit(values.help ? 0 : 2);
  }

  let config;
  try {
    config = loadConfig(process.env.HOTSTEPPER_CONFIG || values.config);
  } catch (err) {
    if (!(err instanceof ConfigError)) {
      throw err;
    }
    // Every error in the log, and every route answering them at once.
    process.stderr.write(`hotstepper: bad configuration: ${err.message}\n`);
    const server = degradedServer(err);
    await listen(values, at => new Promise(ok => server.listen(at, () => ok(undefined))));
    return;
  }

  const data = dataDir(config);
  const store = new Store({ path: join(data, 'state.db'), nativeBinding });
  const log = pino({ level: config.logLevel, serializers: logSerializers }, process.stderr);
  const { platform, jobs, flare, storage } = await createAdapters(config, process.env, log);
  const app = await buildServer({
    version: VERSION,
    config,
    platform,
    store,
    jobs,
    flare,
    storage,
    dataDir: data,
    rootDir: resolve(process.env.HOTSTEPPER_ROOT_DIR || process.cwd()),
    log
  });

  const shutdown = async () => {
    // Jobs keep running: the runner only stops watching them.
    await app.close();
    store.close();
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  await listen(values, at => app.listen(at));
  app.log.info({ platform: platform.describe(), version: VERSION }, 'hotstepper backend ready');
}

interface Where {
  socket?: string;
  port?: string;
}

type ListenAt = { path: string } | { port: number; host: string };

/** Listens on the socket jupyter-server-proxy named (private to the user), or a loopback port. */
async function listen(where: Where, start: (at: ListenAt) => Promise<unknown>) {
  if (!where.socket) {
    await start({ port: Number(where.port), host: '127.0.0.1' });
    return;
  }
  // A stale socket from a killed run would make listen fail with EADDRINUSE.
  if (existsSync(where.socket)) {
    unlinkSync(where.socket);
  }
  await start({ path: where.socket });
  chmodSync(where.socket, 0o600);
}

main().catch(err => {
  process.stderr.write(`hotstepper: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
