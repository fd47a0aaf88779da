/**
 * kill -9 of the backend while jobs are being submitted: a job the killed backend had started
 * but not yet recorded stayed "starting" forever, holding the quota, though it had run. A new
 * backend finds each from its job folder. Real jupyter-server + jupyter-server-proxy with a
 * token and XSRF on, the bundled backend, the local runner.
 */
import type { JobList } from '@hotstepper/api';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JupyterServer, isRunning, request } from './jupyter';

let server: JupyterServer;
let api: string;
let headers: Record<string, string>;

const shared = mkdtempSync(join(tmpdir(), 'hotstepper-int-crash-'));
const configFile = join(shared, 'hotstepper.json');
writeFileSync(configFile, JSON.stringify({ jobs: { quota: { cpu: 64, memoryGiB: 64 } } }));

beforeAll(async () => {
  server = new JupyterServer({ env: { HOTSTEPPER_CONFIG: configFile } });
  await server.start();
  api = `${server.url}hotstepper/api/v1/jobs`;
  headers = await server.labHeaders();
}, 90_000);

afterAll(async () => {
  await server?.stop();
  rmSync(shared, { recursive: true, force: true });
}, 60_000);

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

async function list(): Promise<JobList | undefined> {
  try {
    const res = await request(`${api}/?limit=1000`, 'GET', { headers });
    return res.status === 200 ? JSON.parse(res.body) : undefined;
  } catch {
    return undefined; // the backend is being started again
  }
}

it('kill -9 during 8 threads of submits, 3 times: every job ends, none is left starting', async () => {
  for (let kill = 0; kill < 3; kill++) {
    // A backend answers again (the first, or the one started after the last kill).
    while (!(await list())) {
      await sleep(200);
    }
    let submitting = true;
    const threads = Array.from({ length: 8 }, async () => {
      while (submitting) {
        await request(`${api}/`, 'POST', {
          headers,
          body: JSON.stringify({ name: `quick ${kill}`, kind: 'command', command: ['true'] })
        }).catch(() => undefined);
      }
    });
    // Killed mid-submit: once this round's jobs are being recorded (some still starting).
    const submitted = async () =>
      ((await list())?.jobs ?? []).filter(j => j.name === `quick ${kill}`);
    for (let waited = 0; waited < 30_000; waited += 100) {
      const mine = await submitted();
      if (mine.length >= 5 && mine.some(j => j.status === 'starting' || j.status === 'queued')) {
        break;
      }
      await sleep(100);
    }
    const [backend] = server.backendPids();
    expect(backend).toBeDefined();
    process.kill(backend, 'SIGKILL');
    while (isRunning(backend)) {
      await sleep(50);
    }
    submitting = false;
    await Promise.all(threads);
  }

  // Every job a backend recorded ends; a bounded wait, then what is still active is shown.
  let jobs: JobList['jobs'] = [];
  for (let waited = 0; waited < 60_000; waited += 500) {
    jobs = (await list())?.jobs ?? jobs;
    if (jobs.length && jobs.every(j => !['queued', 'starting', 'running'].includes(j.status))) {
      break;
    }
    await sleep(500);
  }
  expect(jobs.length).toBeGreaterThan(8);
  expect(
    jobs.filter(j => j.status !== 'succeeded').map(j => `${j.status} ${j.reason ?? ''}`)
  ).toEqual([]);
}, 240_000);
