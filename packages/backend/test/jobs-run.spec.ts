/**
 * Jobs end to end through the backend on its unix socket, with the real local runner and real
 * processes: the log stream, cancel, the time limit, the quota queue, idempotency, notebooks.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job, JobList } from '@hotstepper/api';
import { notebookFailure } from '../src/features/jobs/notebook';
import { httpRequest, startTestServer, type TestServer } from './helpers';
import {
  VENV_PYTHON,
  WRITE,
  expectFinished,
  finished,
  getJob,
  jobDirs,
  post,
  readEvents,
  submit,
  waitFor,
  stopJobsServer
} from './jobs-helpers';

const GiB = 1024 ** 3;
let root: string;
let server: TestServer;
const savedPython = process.env.HOTSTEPPER_PYTHON;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'hotstepper-jobs-root-'));
  process.env.HOTSTEPPER_PYTHON = VENV_PYTHON;
  server = await startTestServer({
    rootDir: root,
    config: { jobs: { quota: { cpu: 8, memoryGiB: 16 }, defaults: { memoryGiB: 1 } } }
  });
}, 60_000);

afterAll(async () => {
  await stopJobsServer(server);
  rmSync(root, { recursive: true, force: true });
  if (savedPython === undefined) {
    delete process.env.HOTSTEPPER_PYTHON;
  } else {
    process.env.HOTSTEPPER_PYTHON = savedPython;
  }
}, 60_000);

const PRINT_LINES = [
  'import sys, time',
  'for i in range(5):',
  '    print(f"line {i}", flush=True)',
  '    time.sleep(0.2)',
  'print("to stderr", file=sys.stderr, flush=True)'
].join('\n');

describe('a command job', () => {
  const printLines = () =>
    submit(server, {
      name: 'print lines',
      kind: 'command',
      command: [VENV_PYTHON, '-c', PRINT_LINES]
    });
  /** A finished run of PRINT_LINES, for the tests that need one and not its live stream. */
  let printed: Promise<Job> | undefined;
  const finishedPrintLines = () =>
    (printed ??= printLines().then(res => {
      expect(res.statusCode).toBe(201);
      return waitFor(server, (res.json() as Job).id, finished);
    }));

  it('streams its output live over SSE until `end`, then the whole log can be downloaded', async () => {
    const res = await printLines();
    expect(res.statusCode).toBe(201);
    const job: Job = res.json();
    expect(job.id).toMatch(/^j[0-9a-z]{1,19}$/);
    expect(['starting', 'running']).toContain(job.status);
    expect(job.resources).toEqual({ cpu: 1, memory: GiB });

    const { events, contentType } = await readEvents(
      server.socket,
      `/api/v1/jobs/${job.id}/log`,
      evs => evs.some(e => e.event === 'end')
    );
    expect(contentType).toMatch(/^text\/event-stream/);
    const logs = events.filter(e => e.event === 'log');
    const stdout = logs
      .filter(e => e.data.stream === 'stdout')
      .map(e => e.data.text)
      .join('');
    const stderr = logs
      .filter(e => e.data.stream === 'stderr')
      .map(e => e.data.text)
      .join('');
    expect(stdout).toBe('line 0\nline 1\nline 2\nline 3\nline 4\n');
    expect(stderr).toBe('to stderr\n');
    // Offsets follow each other with no gap and no overlap; the last id is both files' ends.
    let expected = 0;
    for (const e of logs.filter(l => l.data.stream === 'stdout')) {
      expect(e.data.offset).toBe(expected);
      expected += Buffer.byteLength(e.data.text);
    }
    expect(logs.at(-1)!.id).toBe(`${Buffer.byteLength(stdout)}:${Buffer.byteLength(stderr)}`);
    const statuses = events.filter(e => e.event === 'status').map(e => e.data.status);
    expect(statuses.at(-1)).toBe('succeeded');
    expect(events.at(-1)!.event).toBe('end');

    const done = await getJob(server, job.id);
    expect(done).toMatchObject({ status: 'succeeded', exitCode: 0 });
    expect(Date.parse(done.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(done.startedAt!));
    expect(done.cost).toMatchObject({ currency: 'CZK', estimate: true });

    const download = await httpRequest(server.socket, {
      method: 'GET',
      path: `/api/v1/jobs/${job.id}/log?stream=stderr`
    });
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toMatch(/^text\/plain/);
    expect(download.headers['content-disposition']).toBe(
      `attachment; filename="${job.id}-stderr.log"`
    );
    expect(download.body).toBe('to stderr\n');
  }, 30_000);

  it('resumes the stream from Last-Event-ID or ?from= without repeating a byte', async () => {
    const job = await finishedPrintLines();
    for (const how of ['header', 'query'] as const) {
      const path = `/api/v1/jobs/${job.id}/log${how === 'query' ? '?from=14:0' : ''}`;
      const headers: Record<string, string> = how === 'header' ? { 'last-event-id': '14:0' } : {};
      const { events } = await readEvents(
        server.socket,
        path,
        evs => evs.some(e => e.event === 'end'),
        headers
      );
      const logs = events.filter(e => e.event === 'log').map(e => e.data);
      expect(
        logs
          .filter(l => l.stream === 'stdout')
          .map(l => l.text)
          .join('')
      ).toBe('line 2\nline 3\nline 4\n');
      expect(logs.find(l => l.stream === 'stdout').offset).toBe(14);
      expect(
        logs
          .filter(l => l.stream === 'stderr')
          .map(l => l.text)
          .join('')
      ).toBe('to stderr\n');
    }
  }, 20_000);

  it('downloads the log in parts with Range: 206 with Content-Range, 416 past the end', async () => {
    const job = await finishedPrintLines();
    const get = (range?: string) =>
      httpRequest(server.socket, {
        method: 'GET',
        path: `/api/v1/jobs/${job.id}/log?stream=stdout`,
        headers: range ? { range } : {}
      });
    const whole = await get();
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(whole.headers['content-length']).toBe('35');
    const parts: string[] = [];
    for (const range of ['bytes=0-13', 'bytes=14-27', 'bytes=28-1000']) {
      const part = await get(range);
      expect({ range, status: part.statusCode }).toEqual({ range, status: 206 });
      parts.push(part.body);
      expect(part.headers['content-range']).toBe(
        `bytes ${range.slice(6).split('-')[0]}-${Math.min(Number(range.split('-')[1]), 34)}/35`
      );
    }
    expect(parts).toEqual(['line 0\nline 1\n', 'line 2\nline 3\n', 'line 4\n']);
    expect((await get('bytes=-7')).body).toBe('line 4\n');
    const past = await get('bytes=35-');
    expect(past.statusCode).toBe(416);
    expect(past.headers['content-range']).toBe('bytes */35');
    expect(past.json().message).toBe('The log has 35 bytes; ask for a range within them');
  }, 20_000);

  it('reruns as a new job with the same command, and deletes only finished jobs', async () => {
    const job = await finishedPrintLines();
    const rerun = await post(server, `/api/v1/jobs/${job.id}/rerun`);
    expect(rerun.statusCode).toBe(201);
    const again: Job = rerun.json();
    expect(again.id).not.toBe(job.id);
    expect(again.argv).toEqual(job.argv);

    const busy = await httpRequest(server.socket, {
      method: 'DELETE',
      path: `/api/v1/jobs/${again.id}`,
      headers: WRITE
    });
    expect(busy.statusCode).toBe(409);
    expect(busy.json().message).toMatch(/cancel it first/);

    await waitFor(server, again.id, finished);
    expect(jobDirs(server)).toContain(again.id);
    const gone = await httpRequest(server.socket, {
      method: 'DELETE',
      path: `/api/v1/jobs/${again.id}`,
      headers: WRITE
    });
    expect(gone.statusCode).toBe(204);
    expect(jobDirs(server)).not.toContain(again.id);
    const missing = await httpRequest(server.socket, {
      method: 'GET',
      path: `/api/v1/jobs/${again.id}`
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toContain(again.id);
  }, 30_000);

  it.each([
    ['an env name with "="', { env: { 'A=B': 'c' } }, /"env\.A=B": /],
    ['a cpu of 1e-300', { resources: { cpu: 1e-300 } }, /"resources\.cpu": .*(greater|>=)/i]
  ])(
    'refuses to rerun a job whose stored request breaks a rule added since (%s)',
    async (_, change, message) => {
      const res = await submit(server, { name: 'old row', kind: 'command', command: ['true'] });
      expect(res.statusCode).toBe(201);
      const job = await waitFor(server, (res.json() as Job).id, finished);
      // A row as an older version stored it, before the rule.
      const db = server.store.db;
      const { spec } = db.prepare('SELECT spec FROM job WHERE id = ?').get(job.id) as {
        spec: string;
      };
      const parsed = JSON.parse(spec);
      parsed.submit = { ...parsed.submit, ...change };
      db.prepare('UPDATE job SET spec = ? WHERE id = ?').run(JSON.stringify(parsed), job.id);
      const before = (
        await httpRequest(server.socket, { method: 'GET', path: '/api/v1/jobs/' })
      ).json().jobs.length;

      const rerun = await post(server, `/api/v1/jobs/${job.id}/rerun`);
      expect(rerun.statusCode).toBe(400);
      expect(rerun.json().message).toMatch(/stored request no longer passes today's rules/);
      expect(rerun.json().message).toMatch(message);
      const after = (
        await httpRequest(server.socket, { method: 'GET', path: '/api/v1/jobs/' })
      ).json().jobs.length;
      expect(after).toBe(before);
    },
    20_000
  );
});

it('cancel stops a running sleep; the job becomes cancelled', async () => {
  const job: Job = (
    await submit(server, { name: 'nap', kind: 'command', command: ['sleep', '60'] })
  ).json();
  await waitFor(server, job.id, j => j.status === 'running');
  const res = await post(server, `/api/v1/jobs/${job.id}/cancel`);
  expect(res.statusCode).toBe(200);
  const done = await waitFor(server, job.id, finished);
  expect(done.status).toBe('cancelled');
  const again = await post(server, `/api/v1/jobs/${job.id}/cancel`);
  expect(again.statusCode).toBe(409);
}, 30_000);

it('the time limit stops a job: timed-out', async () => {
  const job: Job = (
    await submit(server, {
      name: 'too long',
      kind: 'command',
      command: ['sleep', '60'],
      timeLimitSeconds: 1
    })
  ).json();
  const done = await waitFor(server, job.id, finished);
  expect(done.status).toBe('timed-out');
  expect(Date.parse(done.finishedAt!) - Date.parse(done.startedAt!)).toBeLessThan(30_000);
}, 40_000);

it('a repeated idempotency key answers the first job instead of starting another', async () => {
  const body = { name: 'once', kind: 'command', command: ['true'], idempotencyKey: 'form-42' };
  const first = await submit(server, body);
  const second = await submit(server, body);
  expect(first.statusCode).toBe(201);
  expect(second.statusCode).toBe(200);
  expect(second.json().id).toBe(first.json().id);
  const list: JobList = (
    await httpRequest(server.socket, { method: 'GET', path: '/api/v1/jobs/' })
  ).json();
  expect(list.jobs.filter(j => j.name === 'once')).toHaveLength(1);
});

it('the list is newest first, filters by status and counts every status', async () => {
  // Its own jobs, whatever else ran before: one that succeeds, then one cancelled.
  const done: Job = (
    await submit(server, { name: 'listed done', kind: 'command', command: ['true'] })
  ).json();
  await waitFor(server, done.id, finished);
  const napping: Job = (
    await submit(server, { name: 'listed nap', kind: 'command', command: ['sleep', '60'] })
  ).json();
  await waitFor(server, napping.id, j => j.status === 'running');
  expect((await post(server, `/api/v1/jobs/${napping.id}/cancel`)).statusCode).toBe(200);
  await waitFor(server, napping.id, finished);

  const res = await httpRequest(server.socket, { method: 'GET', path: '/api/v1/jobs/?limit=2' });
  const list: JobList = res.json();
  expect(list.jobs.map(j => j.id)).toEqual([napping.id, done.id]);
  expect(Date.parse(list.jobs[0].createdAt)).toBeGreaterThanOrEqual(
    Date.parse(list.jobs[1].createdAt)
  );
  expect(list.total).toBe(Object.values(list.counts).reduce((a, b) => a + b, 0));
  expect(list.counts.cancelled).toBeGreaterThanOrEqual(1);
  expect(list.counts.succeeded).toBeGreaterThanOrEqual(1);
  const cancelled: JobList = (
    await httpRequest(server.socket, { method: 'GET', path: '/api/v1/jobs/?status=cancelled' })
  ).json();
  expect(cancelled.jobs.map(j => j.id)).toContain(napping.id);
  expect(cancelled.jobs.every(j => j.status === 'cancelled')).toBe(true);
  expect(cancelled.total).toBe(list.counts.cancelled);
  const bad = await httpRequest(server.socket, {
    method: 'GET',
    path: '/api/v1/jobs/?status=done'
  });
  expect(bad.statusCode).toBe(400);
  expect(bad.json().message).toMatch(/status: unknown status done/);
}, 30_000);

it('the events stream tells a live list of every change', async () => {
  const watching = readEvents(server.socket, '/api/v1/jobs/events', evs =>
    evs.some(e => e.event === 'job' && e.data.name === 'watched' && e.data.status === 'succeeded')
  );
  await new Promise(r => setTimeout(r, 200));
  await submit(server, { name: 'watched', kind: 'command', command: ['true'] });
  const { events } = await watching;
  const statuses = events.filter(e => e.data.name === 'watched').map(e => e.data.status);
  expect(statuses[0]).toMatch(/starting|running/);
  expect(statuses.at(-1)).toBe('succeeded');
}, 20_000);

describe('notebooks', () => {
  const notebook = (cells: string[], parameters = false) =>
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {
        kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }
      },
      cells: cells.map((source, i) => ({
        id: `c${i}`,
        cell_type: 'code',
        metadata: parameters && i === 0 ? { tags: ['parameters'] } : {},
        execution_count: null,
        outputs: [],
        source
      }))
    });
  // A kernel takes seconds to start: both notebooks run at once, and nbconvert beside them.
  const jobs: Promise<Job>[] = [];
  let nbconvert: Promise<string>;
  beforeAll(async () => {
    writeFileSync(join(root, 'ok.ipynb'), notebook(['n = 1', 'print(n * 2)'], true));
    writeFileSync(join(root, 'bad.ipynb'), notebook(['a = 1', 'b = 0', 'a / b', 'print("never")']));
    const ok = await submit(server, {
      name: 'nb',
      kind: 'notebook',
      file: 'ok.ipynb',
      parameters: { n: 21 },
      resources: { memory: 4 * GiB }
    });
    const bad = await submit(server, {
      name: 'nb',
      kind: 'notebook',
      file: 'bad.ipynb',
      resources: { memory: 4 * GiB }
    });
    jobs.push(ok.json(), bad.json());
    nbconvert = new Promise(resolve =>
      execFile(
        VENV_PYTHON,
        [
          '-m',
          'jupyter',
          'nbconvert',
          '--to',
          'notebook',
          '--execute',
          '--output-dir',
          root,
          '--output',
          'bad.nbconvert',
          join(root, 'bad.ipynb')
        ],
        { timeout: 120_000 },
        (_err, _stdout, stderr) => resolve(stderr)
      )
    );
  }, 60_000);

  it('runs headless with papermill parameters and writes the executed notebook beside the input', async () => {
    const job = await jobs[0];
    expect(job.output).toBe('ok.executed.ipynb');
    expect(job.argv.slice(1, 3)).toEqual(['-m', 'papermill']);
    await expectFinished(server, job.id, 'succeeded');
    const executed = JSON.parse(readFileSync(join(root, 'ok.executed.ipynb'), 'utf8'));
    const printed = executed.cells
      .flatMap((c: { outputs?: Array<{ text?: string[] }> }) => c.outputs ?? [])
      .map((o: { text?: string[] }) => (o.text ?? []).join(''));
    expect(printed).toContain('42\n');
  }, 120_000);

  it('failing at its third cell: the failure names cell 2 (0-based) and the error', async () => {
    const done = await expectFinished(server, (await jobs[1]).id, 'failed');
    expect(done.failure).toEqual({ cell: 2, error: 'ZeroDivisionError: division by zero' });
  }, 120_000);

  it('nbconvert’s CellExecutionError on stderr finds the same cell', async () => {
    const stderr = await nbconvert;
    const failure = await notebookFailure(
      join(root, 'bad.ipynb'),
      join(root, 'none.ipynb'),
      stderr
    );
    expect(failure).toEqual({ cell: 2, error: 'ZeroDivisionError: division by zero' });
  }, 120_000);
});
