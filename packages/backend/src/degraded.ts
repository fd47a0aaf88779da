/**
 * The backend with a configuration it cannot use: it listens all the same and answers every
 * route at once with 503 and every error found, so the frontends show the administrator's
 * mistake where the figures would be (and jupyter-server-proxy, which waits for any answer on
 * `GET /`, does not keep users waiting for its start-up timeout).
 */
import { createServer, type Server } from 'node:http';
import type { ConfigError } from './config';
import { errorResponse } from './errors';

export function degradedMessage(error: ConfigError): string {
  const n = error.errors.length;
  return (
    `Hotstepper is not running: its configuration ${error.origin} has ${n === 1 ? 'an error' : `${n} errors`}` +
    ` (${error.errors.join('; ')}); fix it and restart the Jupyter server`
  );
}

export function degradedServer(error: ConfigError): Server {
  const body = JSON.stringify(errorResponse(503, degradedMessage(error)));
  return createServer((req, res) => {
    const answer = () =>
      res
        .writeHead(503, {
          'Content-Type': 'application/json; charset=utf-8',
          'Content-Length': Buffer.byteLength(body)
        })
        .end(body);
    // Read the body to its end first: a proxy still sending it when we answer gets a broken pipe.
    req.on('end', answer).on('error', () => res.destroy());
    req.resume();
  });
}
