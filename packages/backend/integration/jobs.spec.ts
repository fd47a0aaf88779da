/**
 * Jobs outlive the backend and the Jupyter server: after a kill -9 of the backend mid-job
 * (jupyter-server-proxy starts a new one on the next request), or a stop and a start of the
 * Jupyter server over the same data dir, the job is still listed, completes, and its log is
 * whole. Real
 * jupyter-server + jupyter-server-proxy with a token and XSRF on, the bundled backend, the
 * local runner.
 */
import type { Job, JobList } from '@hotstepper/api';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEvents } from '../test/jobs-helpers';
import { JupyterServer, commandLine, isRunning, request } from './jupyter';

const LINES = 80;
/** Long enough to outlast a stop and a start of the Jupyter server (about 10 s here). */
const RESTART_LINES = 300;
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
  headers = await server.labHeaders();
}, 90_000);

afterAll(async () => {
  await server?.stop();
  rmSync(shared, { recursive: true, force: true });
}, 60_000);

/** A job printing `lines` lines, one every 0.1 s, and the log it leaves. */
const program = (lines = LINES) =>
  [
    'import time',
    `for i in range(${lines}):`,
    '    print(f"line {i}", flush=True)',
    '    time.sleep(0.1)'
  ].join('\n');
const expectedLog = (lines = LINES) =>
  Array.from({ length: lines }, (_, i) => `line ${i}\n`).join('');
const FINAL = ['succeeded', 'failed', 'cancelled', 'timed-out'];

async function getJob(
  id: string,
  jobsUrl = api,
  with_ = headers
): Promise<{ status: number; job?: Job }> {
  try {
    const res = await request(`${jobsUrl}/${id}`, 'GET', { headers: with_ });
    return { status: res.status, job: res.status === 200 ? JSON.parse(res.body) : undefined };
  } catch {
    return { status: 0 }; // the backend is being started again
  }
}

it('a job survives a kill -9 of the backend: still listed, completes, its log whole', async () => {
  const res = await request(`${api}/`, 'POST', {
    headers,
    body: JSON.stringify({
      name: 'survivor',
      kind: 'command',
      command: ['python3', '-c', program()]
    })
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
    if (job && FINAL.includes(job.status)) {
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

  const expected = expectedLog();
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

it('a job survives a stop and a start of the Jupyter server: still listed, completes, its log whole', async () => {
  // Two Jupyter servers one after the other over one data dir, as a restarted server would be.
  const env = { HOTSTEPPER_CONFIG: configFile, XDG_DATA_HOME: join(shared, 'restart-data') };
  const first = new JupyterServer({ env });
  const second = new JupyterServer({ env });
  const marker = `hotstepper-restart-${process.pid}-${Date.now()}`;
  /** The job's own process, found by the marker in its command line. */
  const jobPids = () =>
    readdirSync('/proc')
      .filter(entry => /^\d+$/.test(entry))
      .map(Number)
      .filter(pid => commandLine(pid)?.some(arg => arg.includes(marker)) && isRunning(pid));
  let jobPid: number | undefined;
  try {
    await first.start();
    const firstApi = `${first.url}hotstepper/api/v1/jobs`;
    const firstHeaders = await first.labHeaders();
    const res = await request(`${firstApi}/`, 'POST', {
      headers: firstHeaders,
      body: JSON.stringify({
        name: 'restarted',
        kind: 'command',
        command: ['python3', '-c', `${program(RESTART_LINES)}\n# ${marker}`]
      })
    });
    expect(`${res.status} ${res.body.slice(0, 300)}`).toMatch(/^201 /);
    const { id } = JSON.parse(res.body) as Job;
    for (;;) {
      const log = await request(`${firstApi}/${id}/log?stream=stdout`, 'GET', {
        headers: firstHeaders
      });
      if (log.body.includes('line 3\n')) {
        break;
      }
      await new Promise(r => setTimeout(r, 100));
    }
    [jobPid] = jobPids();
    expect(jobPid).toBeDefined();

    await first.stop();
    expect(first.stopReport?.survivors).toEqual([]);
    // The job is not the server's child: it runs on while no server does.
    expect(jobPid && isRunning(jobPid)).toBe(true);

    await second.start();
    const secondApi = `${second.url}hotstepper/api/v1/jobs`;
    const secondHeaders = await second.labHeaders();
    const list: JobList = JSON.parse(
      (await request(`${secondApi}/`, 'GET', { headers: secondHeaders })).body
    );
    // Found running by a backend that never saw it start.
    expect(list.jobs.find(j => j.id === id)?.status).toBe('running');
    let job: Job | undefined;
    for (;;) {
      job = (await getJob(id, secondApi, secondHeaders)).job;
      if (job && FINAL.includes(job.status)) {
        break;
      }
      await new Promise(r => setTimeout(r, 250));
    }
    expect(job).toMatchObject({ id, status: 'succeeded', exitCode: 0 });
    const download = await request(`${secondApi}/${id}/log?stream=stdout`, 'GET', {
      headers: secondHeaders
    });
    expect(download.body).toBe(expectedLog(RESTART_LINES));
  } finally {
    await first.stop();
    await second.stop();
    for (const pid of jobPids()) {
      process.kill(pid, 'SIGKILL');
    }
  }
}, 150_000);
