/**
 * Jobs outlive the backend: a kill -9 mid-job, jupyter-server-proxy starts a new backend on
 * the next request, and the job is still listed, completes, and its log is whole. Real
 * jupyter-server + jupyter-server-proxy with a token and XSRF on, the bundled backend, the
 * local runner.
 */
import type { Job, JobList } from '@hotstepper/api';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEvents } from '../test/jobs-helpers';
import { JupyterServer, isRunning, request, setCookieValue } from './jupyter';

const LINES = 80;
let server: JupyterServer;
let api: string;
let headers: Record<string, string>;

const shared = mkdtempSync(join(tmpdir(), 'hotstepper-int-jobs-'));
const configFile = join(shared, 'hotstepper.json');
writeFileSync(configFile, JSON.stringify({ jobs: { quota: { cpu: 2, memoryGiB: 4 } } }));

beforeAll(async () => {
  server = new JupyterServer({ env: { HOTSTEPPER_CONFIG: configFile } });
  await server.start();
  api = `${server.url}hotstepper/api/v1/jobs`;
  const lab = await request(`${server.url}lab?token=${server.token}`);
  const xsrf = setCookieValue(lab, '_xsrf')!;
  headers = {
    ...server.auth,
    cookie: `_xsrf=${xsrf}`,
    'x-xsrftoken': xsrf,
    'content-type': 'application/json'
  };
}, 90_000);

afterAll(async () => {
  await server?.stop();
  rmSync(shared, { recursive: true, force: true });
}, 60_000);

async function getJob(id: string): Promise<{ status: number; job?: Job }> {
  try {
    const res = await request(`${api}/${id}`, 'GET', { headers });
    return { status: res.status, job: res.status === 200 ? JSON.parse(res.body) : undefined };
  } catch {
    return { status: 0 }; // the backend is being started again
  }
}

it('a job survives a kill -9 of the backend: still listed, completes, its log whole', async () => {
  const program = [
    'import time',
    `for i in range(${LINES}):`,
    '    print(f"line {i}", flush=True)',
    '    time.sleep(0.1)'
  ].join('\n');
  const res = await request(`${api}/`, 'POST', {
    headers,
    body: JSON.stringify({ name: 'survivor', kind: 'command', command: ['python3', '-c', program] })
  });
  expect(`${res.status} ${res.body.slice(0, 300)}`).toMatch(/^201 /);
  const { id } = JSON.parse(res.body) as Job;

  // Wait until it runs and has printed something, then kill the backend without warning.
  for (;;) {
    const log = await request(`${api}/${id}/log?stream=stdout`, 'GET', { headers });
    if (log.body.includes('line 3\n')) {
      break;
    }
    await new Promise(r => setTimeout(r, 100));
  }
  const [backend] = server.backendPids();
  expect(backend).toBeDefined();
  process.kill(backend, 'SIGKILL');
  for (let i = 0; i < 50 && isRunning(backend); i++) {
    await new Promise(r => setTimeout(r, 100));
  }
  expect(isRunning(backend)).toBe(false);

  // The next requests reach a new backend, which finds the job and follows it to the end.
  let job: Job | undefined;
  for (;;) {
    const answer = await getJob(id);
    job = answer.job;
    if (job && ['succeeded', 'failed', 'cancelled', 'timed-out'].includes(job.status)) {
      break;
    }
    await new Promise(r => setTimeout(r, 250));
  }
  const [next] = server.backendPids();
  expect(next).toBeDefined();
  expect(next).not.toBe(backend);
  expect(job).toMatchObject({ id, status: 'succeeded', exitCode: 0 });

  const list: JobList = JSON.parse((await request(`${api}/`, 'GET', { headers })).body);
  expect(list.jobs.map(j => j.id)).toContain(id);

  const expected = Array.from({ length: LINES }, (_, i) => `line ${i}\n`).join('');
  const download = await request(`${api}/${id}/log?stream=stdout`, 'GET', { headers });
  expect(download.body).toBe(expected);
  // And through the proxy as an event stream, from the start to `end`: every line once.
  const { events } = await readEvents(
    server.url,
    `/hotstepper/api/v1/jobs/${id}/log`,
    evs => evs.some(e => e.event === 'end'),
    server.auth
  );
  const streamed = events
    .filter(e => e.event === 'log' && e.data.stream === 'stdout')
    .map(e => e.data.text)
    .join('');
  expect(streamed).toBe(expected);
}, 120_000);
