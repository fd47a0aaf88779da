import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { ConfigError, parseConfig } from '../src/config';
import { degradedServer } from '../src/degraded';
import { httpRequest } from './helpers';

function configError(raw: unknown): ConfigError {
  try {
    parseConfig(raw, '/etc/jupyter/hotstepper.json');
  } catch (err) {
    return err as ConfigError;
  }
  throw new Error('the configuration was accepted');
}

describe('the degraded backend (a configuration it cannot use)', () => {
  const error = configError({
    platform: 'k8s',
    usage: { sampleIntervalSeconds: 0 },
    flare: { listenPort: -1 }
  });
  let dir: string;
  let socket: string;
  let server: Server;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hotstepper-degraded-'));
    socket = join(dir, 'socket');
    server = degradedServer(error);
    await new Promise<void>(r => server.listen(socket, r));
  });
  afterAll(async () => {
    await new Promise(r => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['GET', '/'],
    ['GET', '/api/v1/usage/now'],
    ['GET', '/api/v1/openapi.json'],
    ['DELETE', '/api/v1/jobs/x'],
    ['GET', '/no/such/route']
  ])('answers %s %s with 503 naming every error and the file', async (method, path) => {
    const res = await httpRequest(socket, { method, path });

    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json();
    expect(body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    expect(body.message).toContain('/etc/jupyter/hotstepper.json');
    expect(error.errors).toHaveLength(3);
    for (const e of error.errors) {
      expect(body.message).toContain(e);
    }
  });

  it('reads a POST body to its end before answering', async () => {
    const res = await httpRequest(socket, {
      method: 'POST',
      path: '/api/v1/jobs',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(512 * 1024) })
    });
    expect(res.statusCode).toBe(503);
    expect(res.json().message).toContain('usage.sampleIntervalSeconds');
  });
});
