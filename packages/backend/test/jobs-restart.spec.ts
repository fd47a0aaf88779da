/**
 * The service over one state.db across a restart (a new service, as a new backend would
 * make): queued jobs are admitted again in order, and old finished jobs are forgotten.
 * Real local runner, real processes.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from '@hotstepper/api';
import { parseConfig } from '../src/config';
import { JobService } from '../src/features/jobs/service';
import { createJobs } from '../src/platform';
import { JobInputError } from '../src/platform/jobs';
import { LocalPlatform } from '../src/platform/local';
import { ProcTreeReader } from '../src/platform/resources';
import { Store } from '../src/store';
import { sleep, until } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'hotstepper-jobs-restart-'));
const rootDir = join(dir, 'root');
mkdirSync(rootDir);
const config = parseConfig({ jobs: { quota: { cpu: 1, memoryGiB: 4 }, retentionDays: 30 } });
const platform = new LocalPlatform(new ProcTreeReader(process.pid, '', {}));
const services: JobService[] = [];
const stores: Store[] = [];

/** A service over `dataDir`: each test has its own, so none sees another's jobs. */
function service(dataDir: string): JobService {
  const store = new Store({ path: join(dataDir, 'state.db') });
  stores.push(store);
  const s = new JobService({
    config,
    store,
    jobs: createJobs(config, { platform, env: {} }),
    dataDir,
    rootDir,
    monitorMs: 200
  });
  services.push(s);
  return s;
}

afterAll(async () => {
  for (const s of services) {
    for (const job of s.list({ status: 'queued,starting,running' }).jobs) {
      await s.cancel(job.id).catch(() => undefined);
    }
    await s.stop();
  }
  for (const store of stores) {
    store.close();
  }
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

async function finishedJob(s: JobService, id: string): Promise<Job> {
  for (;;) {
    const job = s.get(id)!;
    if (['succeeded', 'failed', 'cancelled', 'timed-out'].includes(job.status)) {
      return job;
    }
    await sleep(100);
  }
}

it('after a restart, a queued job still starts in its turn, and the running one completes', async () => {
  const dataDir = join(dir, 'restart');
  const first = service(dataDir);
  await first.start();
  const nap = (name: string) =>
    first.submit({ name, kind: 'command', command: ['sleep', '2'], resources: { cpu: 1 } });
  const a = (await nap('a')).job;
  const b = (await nap('b')).job;
  const c = (await nap('c')).job;
  expect([a.status, b.status, c.status]).toEqual(['starting', 'queued', 'queued']);
  // The backend goes away; the jobs do not.
  await first.stop();

  const second = service(dataDir);
  await second.start();
  const cancelled = await second.cancel(c.id);
  expect(cancelled).toMatchObject({ status: 'cancelled', reason: 'cancelled before it started' });
  const aDone = await finishedJob(second, a.id);
  const bDone = await finishedJob(second, b.id);
  expect([aDone.status, bDone.status]).toEqual(['succeeded', 'succeeded']);
  expect(Date.parse(bDone.startedAt!)).toBeGreaterThanOrEqual(Date.parse(aDone.finishedAt!));
  await second.stop();
}, 40_000);

it('finished jobs older than retentionDays are forgotten at start, with their logs', async () => {
  const s = service(join(dir, 'retention'));
  const old = Date.now() - 31 * 24 * 3600_000;
  const recent = Date.now() - 29 * 24 * 3600_000;
  for (const [id, finishedAt] of [
    ['jold1', old],
    ['jrecent1', recent]
  ] as const) {
    s.table.insert({
      id,
      name: id,
      kind: 'command',
      runner: 'local',
      status: 'succeeded',
      reason: null,
      spec: {
        argv: ['true'],
        cwd: '',
        env: {},
        resources: { cpu: 1, memory: 2 ** 30 },
        submit: { name: id, kind: 'command', command: ['true'] }
      },
      idempotencyKey: null,
      createdAt: finishedAt - 1000,
      extra: { enforcement: 'none' }
    });
    s.table.update(id, { startedAt: finishedAt - 500, finishedAt, exitCode: 0 });
    mkdirSync(s.logDir(id), { recursive: true });
    writeFileSync(join(s.logDir(id), 'stdout.log'), 'done\n');
  }
  await s.start();
  expect(s.get('jold1')).toBeUndefined();
  expect(existsSync(s.logDir('jold1'))).toBe(false);
  expect(s.get('jrecent1')).toMatchObject({ status: 'succeeded' });
  expect(existsSync(join(s.logDir('jrecent1'), 'stdout.log'))).toBe(true);
}, 20_000);

describe('when the runner refuses at start, nothing is left half-created', () => {
  it.each([
    [
      'its input error answers 400 with its message',
      new JobInputError('resources.gpu: no GPU free'),
      400
    ],
    ['any other error answers 500', new Error('spawn EAGAIN'), 500]
  ])('%s', async (_case, error, statusCode) => {
    const jobs = createJobs(config, { platform, env: {} });
    const { runner } = jobs;
    // The real runner, but its start fails as it would with a full process table.
    runner.start = async () => {
      throw error;
    };
    const store = new Store({ path: ':memory:' });
    stores.push(store);
    const s = new JobService({
      config,
      store,
      jobs,
      dataDir: join(dir, 'refused'),
      rootDir
    });
    services.push(s);
    await s.start();
    await expect(s.submit({ name: 'x', kind: 'command', command: ['true'] })).rejects.toMatchObject(
      {
        statusCode,
        message: expect.stringContaining(error.message)
      }
    );
    expect(s.list({}).total).toBe(0);
    expect(
      existsSync(join(dir, 'refused', 'jobs')) ? readdirSync(join(dir, 'refused', 'jobs')) : []
    ).toEqual([]);
  });
});

describe('a backend killed between starting a job and recording it', () => {
  const count = (name: string) => join(rootDir, name);
  const runs = (name: string) =>
    existsSync(count(name)) ? readFileSync(count(name), 'utf8').split('\n').filter(Boolean) : [];
  /** A job that appends a line to a file in the root each time it runs. */
  const appender = (name: string) => ['sh', '-c', `echo ran >> "${count(name)}"`];

  /** The row as the killed backend left it: "starting", no runner id. */
  function leftStarting(s: JobService, id: string, argv: string[]): void {
    s.table.insert({
      id,
      name: id,
      kind: 'command',
      runner: 'local',
      status: 'starting',
      reason: null,
      spec: {
        argv,
        cwd: '',
        env: {},
        resources: { cpu: 0.25, memory: 2 ** 28 },
        submit: { name: id, kind: 'command', command: argv }
      },
      idempotencyKey: null,
      createdAt: Date.now(),
      extra: { enforcement: 'rlimit' }
    });
    mkdirSync(s.logDir(id), { recursive: true });
  }

  /** What the killed backend's runner had done: the job started, its id never recorded. */
  async function startedBehindItsBack(s: JobService, id: string, argv: string[]) {
    const { runner } = createJobs(config, { platform, env: {} });
    return runner.start({
      id,
      name: id,
      argv,
      cwd: rootDir,
      env: {},
      resources: { cpu: 0.25, memory: 2 ** 28 },
      logDir: s.logDir(id)
    });
  }

  it('finds each job at start from its folder: ended, running, or never started', async () => {
    const dataDir = join(dir, 'crash');
    const killed = service(dataDir);
    // Ran and exited 0 while no backend watched: its folder has the exit record.
    leftStarting(killed, 'jcrashexited', appender('exited.count'));
    await startedBehindItsBack(killed, 'jcrashexited', appender('exited.count'));
    await until(() => existsSync(join(killed.logDir('jcrashexited'), 'exit')));
    // Still running: its folder has the pid of a live process.
    leftStarting(killed, 'jcrashrunning', ['sleep', '30']);
    const running = await startedBehindItsBack(killed, 'jcrashrunning', ['sleep', '30']);
    // Killed before the runner was asked: nothing in its folder.
    leftStarting(killed, 'jcrashnothing', appender('nothing.count'));
    // Killed after the launch was written, before the watcher took it: it never ran.
    leftStarting(killed, 'jcrashlaunch', appender('launch.count'));
    writeFileSync(
      join(killed.logDir('jcrashlaunch'), 'launch.json'),
      JSON.stringify({ id: 'jcrashlaunch', argv: appender('launch.count'), cwd: rootDir, env: {} })
    );

    const restarted = service(dataDir);
    await restarted.start();
    const exited = await finishedJob(restarted, 'jcrashexited');
    expect(exited).toMatchObject({ status: 'succeeded', exitCode: 0 });
    expect(runs('exited.count')).toEqual(['ran']);
    expect(restarted.get('jcrashrunning')).toMatchObject({
      status: 'running',
      externalId: running.externalId
    });
    for (const [id, file] of [
      ['jcrashnothing', 'nothing.count'],
      ['jcrashlaunch', 'launch.count']
    ]) {
      expect({ id, status: (await finishedJob(restarted, id)).status }).toEqual({
        id,
        status: 'succeeded'
      });
      expect({ id, runs: runs(file) }).toEqual({ id, runs: ['ran'] });
    }
    // None of them holds the quota any more but the running one.
    expect((await restarted.info()).quota.cpu.used).toBe(0.25);
    await restarted.cancel('jcrashrunning');
  }, 40_000);
});
