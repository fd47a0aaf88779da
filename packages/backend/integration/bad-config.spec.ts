/**
 * A bad admin configuration: the backend starts all the same in a degraded mode that answers
 * every route at once with 503 and every error in the file, so the user sees the
 * administrator's mistake (and does not wait for jupyter-server-proxy's 30 s start-up timeout).
 * Its own Jupyter server, with HOTSTEPPER_CONFIG set.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JupyterServer, request } from './jupyter';

const configDir = mkdtempSync(join(tmpdir(), 'hotstepper-int-config-'));
const configFile = join(configDir, 'hotstepper.json');
// Four mistakes, in four sections.
writeFileSync(
  configFile,
  JSON.stringify({
    platform: 'k8s',
    usage: { sampleIntervalSeconds: 0 },
    jobs: { retentionDays: 0 },
    flare: { listenPort: 70000 }
  })
);
const ERRORS = [
  '"platform" is "k8s"; it must be one of "auto", "local", "kubernetes"',
  '"usage.sampleIntervalSeconds" is 0; it must be a number from 1 to 300',
  '"jobs.retentionDays" is 0; it must be a whole number from 1 to 3650',
  '"flare.listenPort" is 70000; it must be a whole number from 0 to 65535'
];
const server = new JupyterServer({ env: { HOTSTEPPER_CONFIG: configFile } });

beforeAll(async () => {
  await server.start();
}, 60_000);

afterAll(async () => {
  await server.stop();
  rmSync(configDir, { recursive: true, force: true });
});

it('the first call answers within seconds: 503 with every error of the file', async () => {
  const started = Date.now();
  const res = await request(`${server.url}hotstepper/`, 'GET', { headers: server.auth });
  const elapsed = Date.now() - started;

  expect(res.status).toBe(503);
  expect(elapsed).toBeLessThan(10_000);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(res.body);
  expect(body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
  expect(body.message).toContain(configFile);
  for (const error of ERRORS) {
    expect(body.message).toContain(error);
  }
  // The log has them all too.
  expect(server.stderr).toContain(
    `hotstepper: bad configuration: ${configFile}: ${ERRORS.join('; ')}`
  );
  expect(server.backendPids()).toHaveLength(1);
}, 90_000);

it('answers every route, reads and mutations, with the same 503 at once', async () => {
  const headers = await server.labHeaders();
  for (const [method, path, body] of [
    ['GET', 'api/v1/usage/now'],
    ['GET', 'api/v1/openapi.json'],
    ['GET', 'api/v1/jobs'],
    ['POST', 'api/v1/jobs', JSON.stringify({ kind: 'command', command: 'true' })],
    ['DELETE', 'api/v1/flare/exposures/x']
  ]) {
    const started = Date.now();
    const res = await request(`${server.url}hotstepper/${path}`, method, { headers, body });
    expect(`${method} ${path} → ${res.status}`).toBe(`${method} ${path} → 503`);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(JSON.parse(res.body).message).toContain(ERRORS[3]);
  }
});
