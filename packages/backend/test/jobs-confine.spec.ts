/**
 * Paths are confined again when a job starts, not only at submit: a queued job's folder or
 * file swapped for a symlink leading out fails with the reason and runs nothing; the executed
 * notebook is written beside the input without following a symlink planted at its name.
 */
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from '@hotstepper/api';
import { startTestServer, type TestServer } from './helpers';
import { VENV_PYTHON, expectFinished, stopJobsServer, submit } from './jobs-helpers';

const GiB = 1024 ** 3;
const base = mkdtempSync(join(tmpdir(), 'hotstepper-jobs-confine-'));
const root = join(base, 'root');
const outside = join(base, 'outside');
const savedPython = process.env.HOTSTEPPER_PYTHON;
let server: TestServer;

beforeAll(async () => {
  mkdirSync(root);
  mkdirSync(outside);
  process.env.HOTSTEPPER_PYTHON = VENV_PYTHON;
  server = await startTestServer({
    rootDir: root,
    config: { jobs: { quota: { cpu: 1, memoryGiB: 8 }, defaults: { memoryGiB: 1 } } }
  });
}, 60_000);

afterAll(async () => {
  await stopJobsServer(server);
  rmSync(base, { recursive: true, force: true });
  if (savedPython === undefined) {
    delete process.env.HOTSTEPPER_PYTHON;
  } else {
    process.env.HOTSTEPPER_PYTHON = savedPython;
  }
}, 60_000);

/** A job holding the whole quota for a moment, so the next one waits in the queue. */
async function blocker(): Promise<Job> {
  const res = await submit(server, {
    name: 'blocker',
    kind: 'command',
    command: ['sleep', '1.5'],
    resources: { cpu: 1 }
  });
  expect(res.statusCode).toBe(201);
  return res.json();
}

it('a queued job whose folder became a symlink out of the root fails at start, and runs nothing', async () => {
  mkdirSync(join(root, 'work'));
  const first = await blocker();
  const res = await submit(server, {
    name: 'swapped folder',
    kind: 'command',
    command: ['sh', '-c', 'pwd > ran-here'],
    cwd: 'work',
    resources: { cpu: 1 }
  });
  const queued: Job = res.json();
  expect(queued.status).toBe('queued');
  rmSync(join(root, 'work'), { recursive: true });
  symlinkSync(outside, join(root, 'work'));

  await expectFinished(server, first.id, 'succeeded');
  const job = await expectFinished(server, queued.id, 'failed');
  expect(job.reason).toBe(
    'could not start: cwd: "work" is outside the root directory; only files inside it can run'
  );
  expect(existsSync(join(outside, 'ran-here'))).toBe(false);
}, 30_000);

it('a queued script swapped for a symlink out of the root fails at start, and does not run', async () => {
  mkdirSync(join(root, 'scripts'));
  writeFileSync(join(root, 'scripts', 'job.sh'), 'echo inside\n');
  writeFileSync(join(outside, 'evil.sh'), `: > "${join(outside, 'evil-ran')}"\n`);
  chmodSync(join(outside, 'evil.sh'), 0o755);
  const first = await blocker();
  const queued: Job = (
    await submit(server, {
      name: 'swapped script',
      kind: 'script',
      file: 'scripts/job.sh',
      resources: { cpu: 1 }
    })
  ).json();
  expect(queued.status).toBe('queued');
  rmSync(join(root, 'scripts', 'job.sh'));
  symlinkSync(join(outside, 'evil.sh'), join(root, 'scripts', 'job.sh'));

  await expectFinished(server, first.id, 'succeeded');
  const job = await expectFinished(server, queued.id, 'failed');
  expect(job.reason).toBe(
    'could not start: file: "scripts/job.sh" is outside the root directory; only files inside it can run'
  );
  expect(existsSync(join(outside, 'evil-ran'))).toBe(false);
}, 30_000);

describe('the executed notebook', () => {
  const notebook = JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: [
      {
        id: 'c0',
        cell_type: 'code',
        metadata: {},
        execution_count: null,
        outputs: [],
        source: 'print(6 * 7)'
      }
    ]
  });
  const secret = 'the other file, not to be overwritten\n';

  beforeAll(() => {
    mkdirSync(join(root, 'nb'));
    writeFileSync(join(root, 'nb', 'ok.ipynb'), notebook);
  });

  it('is refused at submit when its name is a symlink leading out of the root', async () => {
    writeFileSync(join(outside, 'target.ipynb'), secret);
    symlinkSync(join(outside, 'target.ipynb'), join(root, 'nb', 'ok.executed.ipynb'));
    let res;
    try {
      res = await submit(server, {
        name: 'nb',
        kind: 'notebook',
        file: 'nb/ok.ipynb',
        resources: { memory: 4 * GiB }
      });
    } finally {
      rmSync(join(root, 'nb', 'ok.executed.ipynb'));
    }
    expect({ status: res.statusCode, message: res.json().message }).toEqual({
      status: 400,
      message:
        'output: "nb/ok.executed.ipynb" is a symlink leading outside the root directory; remove it, the executed notebook is written there'
    });
    expect(readFileSync(join(outside, 'target.ipynb'), 'utf8')).toBe(secret);
  });

  it('replaces a symlink planted at its name while the job runs, never writing through it', async () => {
    writeFileSync(join(outside, 'planted.ipynb'), secret);
    const res = await submit(server, {
      name: 'nb',
      kind: 'notebook',
      file: 'nb/ok.ipynb',
      resources: { memory: 4 * GiB }
    });
    expect(res.statusCode).toBe(201);
    // The kernel takes seconds to start: the link is there long before the notebook is written.
    symlinkSync(join(outside, 'planted.ipynb'), join(root, 'nb', 'ok.executed.ipynb'));
    await expectFinished(server, res.json().id, 'succeeded');
    expect(readFileSync(join(outside, 'planted.ipynb'), 'utf8')).toBe(secret);
    const output = join(root, 'nb', 'ok.executed.ipynb');
    expect(lstatSync(output).isSymbolicLink()).toBe(false);
    expect(readFileSync(output, 'utf8')).toMatch(/42/);
  }, 60_000);
});
