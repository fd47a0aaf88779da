/**
 * Bad jobs are refused with a message naming the field and what it allows, and leave nothing
 * behind: no row, no directory, no process. And the local quota queues in submission order.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job, JobList, JobsInfo } from '@hotstepper/api';
import { httpRequest, startTestServer, type TestServer } from './helpers';
import {
  VENV_PYTHON,
  WRITE,
  finished,
  jobDirs,
  stopJobsServer,
  submit,
  waitFor
} from './jobs-helpers';

const GiB = 1024 ** 3;
// Made now: the table of cases below names paths in it.
const base = mkdtempSync(join(tmpdir(), 'hotstepper-jobs-input-'));
const root = join(base, 'root');
const servers: TestServer[] = [];
const savedPython = process.env.HOTSTEPPER_PYTHON;

beforeAll(() => {
  mkdirSync(join(root, 'work'), { recursive: true });
  writeFileSync(join(base, 'secret.py'), 'print("outside")\n');
  writeFileSync(join(root, 'work', 'ok.py'), 'print("ok")\n');
  writeFileSync(join(root, 'work', 'data.txt'), 'not a program\n');
  writeFileSync(
    join(root, 'nb.ipynb'),
    JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] })
  );
  symlinkSync(join(base, 'secret.py'), join(root, 'work', 'link.py'));
  symlinkSync(base, join(root, 'up'));
});

afterAll(async () => {
  for (const server of servers) {
    await stopJobsServer(server);
  }
  rmSync(base, { recursive: true, force: true });
  if (savedPython === undefined) {
    delete process.env.HOTSTEPPER_PYTHON;
  } else {
    process.env.HOTSTEPPER_PYTHON = savedPython;
  }
}, 60_000);

async function start(python: string, jobs: unknown): Promise<TestServer> {
  process.env.HOTSTEPPER_PYTHON = python;
  const server = await startTestServer({ rootDir: root, config: { jobs } });
  servers.push(server);
  return server;
}

describe('refused at submit, with nothing left behind', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await start(VENV_PYTHON, {
      quota: { cpu: 2, memoryGiB: 4 },
      defaults: { memoryGiB: 1 },
      maxTimeLimitMinutes: 60,
      presets: [{ name: 'small', label: 'Small', cpu: 1, memoryGiB: 1 }]
    });
  }, 60_000);

  const command = { name: 'x', kind: 'command', command: ['true'] };
  it.each([
    [
      'an unknown preset',
      { ...command, preset: 'huge' },
      /^preset: there is no preset "huge"; the presets are small$/
    ],
    [
      'no CPU',
      { ...command, resources: { cpu: 0 } },
      /^"resources\.cpu" is 0; it must be a number from 0\.01 to 1024$/
    ],
    [
      'a vanishing CPU, to slip under the quota',
      { ...command, resources: { cpu: 1e-300 } },
      /^"resources\.cpu" is 1e-300; it must be a number from 0\.01 to 1024$/
    ],
    [
      'less memory than a job can run in',
      { ...command, resources: { memory: 1048576 } },
      /^"resources\.memory" is 1048576; it must be a whole number from 16777216$/
    ],
    [
      'a variable name holding "="',
      { ...command, env: { 'A=B': 'c' } },
      /^env: "A=B" is not an allowed name; a name is letters, digits and _, not starting with a digit$/
    ],
    [
      'a variable name starting with a digit',
      { ...command, env: { OK: '1', '1BAD': 'x' } },
      /^env: "1BAD" is not an allowed name;/
    ],
    [
      'an empty variable name',
      { ...command, env: { '': 'x' } },
      /^env: "" is not an allowed name;/
    ],
    [
      'a NUL byte in a variable',
      { ...command, env: { GREETING: 'a\u0000b' } },
      /^env\.GREETING: contains a NUL byte, which no program can be given$/
    ],
    [
      'a NUL byte in the command',
      { ...command, command: ['echo', 'a\u0000b'] },
      /^command\.1: contains a NUL byte, which no program can be given$/
    ],
    [
      'a NUL byte in a script argument',
      { name: 'x', kind: 'script', file: 'work/ok.py', args: ['\u0000'] },
      /^args\.0: contains a NUL byte, which no program can be given$/
    ],
    [
      'more CPU than the quota',
      { ...command, resources: { cpu: 3 } },
      /^resources\.cpu: 3 is more than the 2 CPU/
    ],
    [
      'more memory than the quota',
      { ...command, resources: { memory: 5 * GiB } },
      /^resources\.memory: 5 GiB is more than the 4 GiB/
    ],
    [
      'a GPU where there is none',
      { ...command, resources: { gpu: { count: 1 } } },
      /^resources\.gpu: jobs cannot have GPUs here/
    ],
    [
      'a time limit over the maximum',
      { ...command, timeLimitSeconds: 3601 },
      /^timeLimitSeconds: 3601 is over the maximum of 3600 seconds$/
    ],
    [
      'kind command without a command',
      { name: 'x', kind: 'command' },
      /^command: required for kind "command"/
    ],
    [
      'kind script without a file',
      { name: 'x', kind: 'script' },
      /^file: required for kind "script"/
    ],
    [
      'a command that does not exist',
      { ...command, command: ['no-such-program-hs', '-v'] },
      /^command: "no-such-program-hs" is not a program on the PATH; give its full path, or install it$/
    ],
    [
      'a program path that is not executable',
      { ...command, command: ['./work/data.txt'] },
      /^command: "\.\/work\/data\.txt" is not an executable file; check the path and that the file is executable$/
    ],
    [
      'a file that does not exist',
      { name: 'x', kind: 'script', file: 'work/missing.py' },
      /^file: "work\/missing\.py" does not exist/
    ],
    [
      'a file that escapes with ..',
      { name: 'x', kind: 'script', file: '../secret.py' },
      /^file: "\.\.\/secret\.py" is outside the root directory/
    ],
    [
      'an absolute file outside the root',
      { name: 'x', kind: 'script', file: join(base, 'secret.py') },
      /is outside the root directory/
    ],
    [
      'a symlink that leads outside',
      { name: 'x', kind: 'script', file: 'work/link.py' },
      /^file: "work\/link\.py" is outside the root directory/
    ],
    [
      'a directory symlink that leads outside',
      { name: 'x', kind: 'script', file: 'up/secret.py' },
      /is outside the root directory/
    ],
    [
      'a working directory outside the root',
      { ...command, cwd: '..' },
      /^cwd: "\.\." is outside the root directory/
    ],
    [
      'a script that is neither executable nor known',
      { name: 'x', kind: 'script', file: 'work/data.txt' },
      /^file: "work\/data\.txt" is not executable/
    ],
    [
      'a notebook that is a script',
      { name: 'x', kind: 'notebook', file: 'work/ok.py' },
      /^file: "work\/ok\.py" is not a notebook/
    ],
    ['arguments for a command', { ...command, args: ['-x'] }, /^args: only for kind "script"$/]
  ])(
    '%s',
    async (_case, body, message) => {
      const res = await submit(server, body);
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toMatch(message);
      const list: JobList = (
        await httpRequest(server.socket, { method: 'GET', path: '/api/v1/jobs/' })
      ).json();
      expect(list.total).toBe(0);
      expect(jobDirs(server)).toEqual([]);
    },
    30_000
  );

  it.each([
    [
      'offset=9223372036854775807',
      /^"offset" is 9223372036854776000; it must be a whole number from 0 to 1000000000$/
    ],
    ['offset=3e37', /^"offset" is 3e\+37; it must be a whole number from 0 to 1000000000$/],
    ['limit=1e400', /^"limit" is .*; it must be a whole number from 1 to 1000$/],
    ['offset=-1', /^"offset" is -1; it must be a whole number from 0 to 1000000000$/]
  ])('the list refuses %s with a 400 naming the bound', async (query, message) => {
    const res = await httpRequest(server.socket, { method: 'GET', path: `/api/v1/jobs/?${query}` });
    expect({ status: res.statusCode, message: res.json().message }).toEqual({
      status: 400,
      message: expect.stringMatching(message)
    });
  });

  it.each([
    ['GET', '/api/v1/jobs/..%2Fetc'],
    ['GET', '/api/v1/jobs/nope/log'],
    ['POST', '/api/v1/jobs/J1/cancel']
  ])('%s %s: what is not a job id is a 400 saying what an id looks like', async (method, path) => {
    const res = await httpRequest(server.socket, {
      method,
      path,
      headers: method === 'POST' ? WRITE : {}
    });
    expect({ status: res.statusCode, message: res.json().message }).toEqual({
      status: 400,
      message: expect.stringMatching(/^"id" is .*; it must be a job id as the job list gives it/)
    });
  });

  it('the served OpenAPI shows what a variable name may be', async () => {
    const doc = (
      await httpRequest(server.socket, { method: 'GET', path: '/api/v1/openapi.json' })
    ).json();
    const submitted = doc.paths['/api/v1/jobs'].post.requestBody.content['application/json'];
    // OpenAPI 3.0 has no key patterns (the served form is a map of strings): the rule is in words.
    const env = submitted.schema.properties.env;
    expect(env.description).toMatch(/a name is letters, digits and _, not starting with a digit/);
  });

  it('a script inside the root runs, from its own directory by default', async () => {
    chmodSync(join(root, 'work', 'ok.py'), 0o644);
    const res = await submit(server, {
      name: 'ok',
      kind: 'script',
      file: 'work/ok.py',
      preset: 'small'
    });
    expect(res.statusCode).toBe(201);
    const job: Job = res.json();
    expect(job).toMatchObject({ cwd: 'work', file: 'work/ok.py', preset: 'small' });
    expect(job.argv).toEqual([VENV_PYTHON, join(root, 'work', 'ok.py')]);
    expect((await waitFor(server, job.id, finished)).status).toBe('succeeded');
  }, 20_000);

  it('the info names presets, limits in seconds and the local quota', async () => {
    const info: JobsInfo = (
      await httpRequest(server.socket, { method: 'GET', path: '/api/v1/jobs/info' })
    ).json();
    expect(info).toMatchObject({
      runner: 'local',
      maxTimeLimitSeconds: 3600,
      papermill: true,
      presets: [{ name: 'small', resources: { cpu: 1, memory: GiB } }],
      quota: { source: 'local', cpu: { limit: 2 }, memory: { limit: 4 * GiB } }
    });
  }, 30_000);
});

it('with no resources named, a job gets the defaults held to a smaller quota', async () => {
  const server = await start(VENV_PYTHON, { quota: { cpu: 0.5, memoryGiB: 1 } });
  const info: JobsInfo = (
    await httpRequest(server.socket, { method: 'GET', path: '/api/v1/jobs/info' })
  ).json();
  expect(info.defaults.resources).toEqual({ cpu: 0.5, memory: GiB });
  const res = await submit(server, { name: 'small', kind: 'command', command: ['true'] });
  expect(res.statusCode).toBe(201);
  expect(res.json().resources).toEqual({ cpu: 0.5, memory: GiB });
}, 30_000);

it('notebook parameters without papermill are refused, naming what to install', async () => {
  const server = await start('/usr/bin/python3', {});
  const res = await submit(server, {
    name: 'nb',
    kind: 'notebook',
    file: 'nb.ipynb',
    parameters: { n: 1 }
  });
  expect(res.statusCode).toBe(400);
  expect(res.json().message).toMatch(
    /^parameters: notebook parameters need papermill, which \/usr\/bin\/python3 cannot import/
  );
  expect(jobDirs(server)).toEqual([]);
}, 30_000);

it('over the local quota a job waits, says for what, and starts when the first one ends', async () => {
  const server = await start(VENV_PYTHON, {
    quota: { cpu: 1, memoryGiB: 4 },
    defaults: { memoryGiB: 1 }
  });
  const nap = (name: string) =>
    submit(server, { name, kind: 'command', command: ['sleep', '2'], resources: { cpu: 1 } });
  const first: Job = (await nap('first')).json();
  const second: Job = (await nap('second')).json();
  const third: Job = (await nap('third')).json();
  expect(first.status).not.toBe('queued');
  expect(second).toMatchObject({ status: 'queued', reason: 'waiting for 1 CPU: 1 of 1 in use' });
  expect(third.status).toBe('queued');

  const firstDone = await waitFor(server, first.id, finished);
  const secondDone = await waitFor(server, second.id, finished);
  const thirdDone = await waitFor(server, third.id, finished);
  expect([firstDone.status, secondDone.status, thirdDone.status]).toEqual([
    'succeeded',
    'succeeded',
    'succeeded'
  ]);
  // In submission order, never two at once.
  expect(Date.parse(secondDone.startedAt!)).toBeGreaterThanOrEqual(
    Date.parse(firstDone.finishedAt!)
  );
  expect(Date.parse(thirdDone.startedAt!)).toBeGreaterThanOrEqual(
    Date.parse(secondDone.finishedAt!)
  );
}, 40_000);
