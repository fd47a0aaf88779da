/**
 * Usage history is the user's record: it must outlive the backend, whether
 * the Jupyter server is restarted or the backend is killed mid-sample.
 * Real jupyter-server + jupyter-server-proxy with a token, sampling every second.
 */
import type { UsageHistory } from '@hotstepper/api';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JupyterServer, request } from './jupyter';

const shared = mkdtempSync(join(tmpdir(), 'hotstepper-int-history-'));
const configFile = join(shared, 'hotstepper.json');
writeFileSync(configFile, JSON.stringify({ usage: { sampleIntervalSeconds: 1 } }));
const env = { HOTSTEPPER_CONFIG: configFile, XDG_DATA_HOME: join(shared, 'xdg') };
const servers: JupyterServer[] = [];

async function startServer(): Promise<JupyterServer> {
  const server = new JupyterServer({ env });
  servers.push(server);
  return server.start();
}

async function hourHistory(server: JupyterServer): Promise<number[]> {
  const res = await request(`${server.url}hotstepper/api/v1/usage/history?range=hour`, 'GET', {
    headers: server.auth
  });
  expect(res.status).toBe(200);
  const history = JSON.parse(res.body) as UsageHistory;
  return history.points.filter(p => p.cpu !== null).map(p => p.t);
}

/** Waits until the backend has stored at least `n` samples. */
async function samples(server: JupyterServer, n: number): Promise<number[]> {
  for (let i = 0; i < 60; i++) {
    const seen = await hourHistory(server);
    if (seen.length >= n) {
      return seen;
    }
    await new Promise(r => setTimeout(r, 500));
  }
  throw new Error(`fewer than ${n} samples after 30 s`);
}

afterAll(async () => {
  for (const server of servers) {
    await server.stop();
  }
  rmSync(shared, { recursive: true, force: true });
});

it('history survives a restart of the Jupyter server and its backend', async () => {
  const first = await startServer();
  const before = await samples(first, 3);
  await first.stop();

  const second = await startServer();
  const after = await samples(second, before.length + 2);
  // Every sample stored before the restart is still there, and new ones follow it.
  expect(after).toEqual(expect.arrayContaining(before));
  expect(Math.max(...after)).toBeGreaterThan(Math.max(...before));
  await second.stop();
}, 120_000);

it('a kill -9 while sampling leaves a readable database with its history', async () => {
  const server = await startServer();
  const before = await samples(server, 3);
  const [backend] = server.backendPids();
  expect(backend).toBeDefined();
  // Sampling every second, writing as it goes: kill it without warning.
  process.kill(backend, 'SIGKILL');
  await server.stop();

  const db = new Database(join(env.XDG_DATA_HOME, 'hotstepper', 'state.db'), { readonly: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const rows = db.prepare('SELECT count(*) AS n FROM usage_sample').get() as { n: number };
    expect(rows.n).toBeGreaterThanOrEqual(before.length);
  } finally {
    db.close();
  }

  // And the next backend opens it and still serves the history.
  const next = await startServer();
  expect(await samples(next, before.length + 1)).toEqual(expect.arrayContaining(before));
}, 120_000);
