#!/usr/bin/env node
/**
 * The backend's command line, as jupyter-server-proxy starts it:
 *   hotstepper-backend --socket PATH [--config FILE]
 * or, for development only, --port N (loopback).
 */
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';

// Only Node's own modules here: the socket listens before the service's code (service.ts, a
// file of its own in the bundle) is even read, and requests wait for the service.
// jupyter-server-proxy's readiness probe (`GET /`, retried at doubling intervals: 10 ms, 30,
// 70, 150, 310, 630, 1270…) then finds the socket at once and gets its answer the moment the
// service is ready, instead of at its next retry.

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

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

  // Requests that come before the service is ready wait here.
  let handler: Handler | undefined;
  const waiting: Array<[IncomingMessage, ServerResponse]> = [];
  const server = createServer((req, res) =>
    handler ? handler(req, res) : waiting.push([req, res])
  );
  const serve = (ready: Handler) => {
    handler = ready;
    for (const [req, res] of waiting.splice(0)) {
      ready(req, res);
    }
  };
  await listen(values, at => new Promise(ok => server.listen(at, () => ok(undefined))));

  const { startService } = await import('./service');
  await startService({ config: values.config, server, serve });
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
