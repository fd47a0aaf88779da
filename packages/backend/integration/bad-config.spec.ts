/**
 * Bad admin configuration stops the backend at start-up with the field named,
 * and the user gets an error from jupyter-server-proxy rather than a half-working
 * backend. Its own Jupyter server, with HOTSTEPPER_CONFIG set.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JupyterServer, request } from './jupyter';

const configDir = mkdtempSync(join(tmpdir(), 'hotstepper-int-config-'));
const configFile = join(configDir, 'hotstepper.json');
writeFileSync(configFile, JSON.stringify({ usage: { sampleIntervalSeconds: 0 } }));
const server = new JupyterServer({ env: { HOTSTEPPER_CONFIG: configFile } });

beforeAll(async () => {
  await server.start();
}, 60_000);

afterAll(async () => {
  await server.stop();
  rmSync(configDir, { recursive: true, force: true });
});

it('a bad value refuses to start, naming the field', async () => {
  // The backend exits at once, but jupyter-server-proxy keeps probing until the
  // entry point's `timeout` (30 s) runs out before it answers.
  const res = await request(`${server.url}hotstepper/`, 'GET', { headers: server.auth });

  expect(res.status).not.toBe(200);
  expect(res.status).toBeGreaterThanOrEqual(500);
  expect(res.body).not.toContain('"name":"hotstepper"');
  expect(server.stderr).toContain('usage.sampleIntervalSeconds');
  expect(server.stderr).toMatch(/hotstepper: bad configuration: .*usage\.sampleIntervalSeconds/);
  expect(server.backendPids()).toEqual([]);
}, 90_000);
