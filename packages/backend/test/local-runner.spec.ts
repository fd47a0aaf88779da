import { spawn } from 'node:child_process';
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
import { build } from 'esbuild';
import { parseConfig } from '../src/config';
import { JobInputError, type JobLaunch, type JobRef } from '../src/platform/jobs';
import { createJobCgroup, findJobCgroupParent } from '../src/platform/local/job-cgroup';
import { LocalJobRunner, formatLimit } from '../src/platform/local/jobs';
import { until } from './helpers';

jest.setTimeout(30_000);

const MiB = 1024 ** 2;
const config = parseConfig({}).jobs;
const GRACE_MS = 1000;

let base: string;
let counter = 0;
const started: JobRef[] = [];

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'hotstepper-local-runner-'));
});

/** Whatever a test leaves running is killed, watcher and job group both. */
afterEach(() => {
  for (const ref of started.splice(0)) {
    const pid = readPid(ref);
    for (const target of [pid?.watcherPid, pid ? -pid.pid : undefined]) {
      try {
        if (target) {
          process.kill(target, 'SIGKILL');
        }
      } catch {
        // gone already
      }
    }
  }
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

function readPid(ref: JobRef): { pid: number; watcherPid: number } | undefined {
  try {
    return JSON.parse(readFileSync(join(ref.logDir, 'pid'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Whether any process of the group still lives (a zombie awaiting its reaper does not). */
function groupAlive(pgid: number): boolean {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(group) === pgid && state !== 'Z' && state !== 'X') {
        return true;
      }
    } catch {
      // exited while we looked
    }
  }
  return false;
}

function launch(argv: string[], extra: Partial<JobLaunch> = {}): JobLaunch {
  counter += 1;
  const id = `j${counter}test`;
  return {
    id,
    name: `test ${counter}`,
    argv,
    cwd: base,
    env: {},
    resources: { cpu: 1, memory: 512 * MiB },
    logDir: join(base, 'jobs', id),
    ...extra
  };
}

const runner = () => new LocalJobRunner({ config, graceMs: GRACE_MS });

async function startJob(r: LocalJobRunner, job: JobLaunch): Promise<JobRef> {
  const { externalId } = await r.start(job);
  const ref = { id: job.id, externalId, logDir: job.logDir };
  started.push(ref);
  return ref;
}

async function finalState(r: LocalJobRunner, ref: JobRef) {
  for (;;) {
    const state = await r.state(ref);
    if (state.status !== 'running') {
      return state;
    }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}

describe('LocalJobRunner with real processes', () => {
  it('runs a job that writes to stdout and stderr and exits 3: failed, exit code 3, both logs', async () => {
    const r = runner();
    const job = launch([
      'python3',
      '-c',
      'import sys; print("to stdout"); print("to stderr", file=sys.stderr); sys.exit(3)'
    ]);
    const ref = await startJob(r, job);
    expect(Number(ref.externalId)).toBeGreaterThan(1);
    const state = await finalState(r, ref);
    expect(state).toMatchObject({ status: 'failed', exitCode: 3, reason: 'exited with code 3' });
    expect(state.finishedAt).toBeGreaterThanOrEqual(state.startedAt!);
    expect(readFileSync(join(job.logDir, 'stdout.log'), 'utf8')).toBe('to stdout\n');
    expect(readFileSync(join(job.logDir, 'stderr.log'), 'utf8')).toBe('to stderr\n');
    // The environment stays out of the job's directory once the job has started.
    expect(existsSync(join(job.logDir, 'launch.json'))).toBe(false);
  });

  it('runs in the given directory with the given variables, and succeeds with exit 0', async () => {
    const r = runner();
    const cwd = join(base, 'work dir');
    mkdirSync(cwd, { recursive: true });
    const job = launch(
      ['python3', '-c', 'import os; print(os.getcwd()); print(os.environ["GREETING"])'],
      { cwd, env: { GREETING: 'hello from the job' } }
    );
    const state = await finalState(r, await startJob(r, job));
    expect(state).toMatchObject({ status: 'succeeded', exitCode: 0 });
    expect(state.reason).toBeUndefined();
    expect(readFileSync(join(job.logDir, 'stdout.log'), 'utf8')).toBe(
      `${cwd}\nhello from the job\n`
    );
  });

  it('keeps a job running when the process that started it is SIGKILLed with its whole group; a new runner finds the outcome', async () => {
    // The runner, bundled, in a separate Node process: as the backend under jupyter-server-proxy.
    const script = join(base, 'starter.js');
    await build({
      stdin: {
        contents: `
          const { LocalJobRunner } = require('./jobs');
          const job = JSON.parse(process.argv[2]);
          new LocalJobRunner({ config: job.config }).start(job.launch).then(
            ({ externalId }) => process.stdout.write(externalId + '\\n'),
            err => { console.error(err); process.exit(1); }
          );
          setInterval(() => {}, 1000);`,
        resolveDir: join(__dirname, '../src/platform/local'),
        loader: 'ts'
      },
      outfile: script,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      logLevel: 'error'
    });
    const job = launch([
      'python3',
      '-c',
      'import time; time.sleep(1.5); print("finished after the backend died")'
    ]);
    const starter = spawn(process.execPath, [script, JSON.stringify({ config, launch: job })], {
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit']
    });
    let externalId = '';
    try {
      starter.stdout.on('data', chunk => (externalId += String(chunk)));
      await until(() => externalId.endsWith('\n') || starter.exitCode !== null);
      expect(starter.exitCode).toBeNull();
      // What simpervisor does on shutdown: the backend's whole process group goes.
      process.kill(-starter.pid!, 'SIGKILL');
    } finally {
      try {
        process.kill(-starter.pid!, 'SIGKILL');
      } catch {
        // already killed
      }
    }
    const ref = { id: job.id, externalId: externalId.trim(), logDir: job.logDir };
    started.push(ref);
    await until(() => starter.signalCode !== null);
    expect(groupAlive(Number(ref.externalId))).toBe(true);
    await until(() => existsSync(join(job.logDir, 'exit')));
    const state = await runner().state(ref);
    expect(state).toMatchObject({ status: 'succeeded', exitCode: 0 });
    expect(readFileSync(join(job.logDir, 'stdout.log'), 'utf8')).toBe(
      'finished after the backend died\n'
    );
  });

  it("passes the job's variables through its watcher unchanged, whatever their names, and SIGINT not ignored", async () => {
    const r = runner();
    // Names a shell script might use for itself, and a PATH of the job's own.
    const env = { d: 'D', job: 'J', limit: 'L', status: 'S', PATH: `${base}/bin:/usr/bin:/bin` };
    const job = launch(
      ['sh', '-c', 'echo "$d $job $limit $status $PATH"; grep ^SigIgn /proc/$$/status'],
      { env, timeLimitSeconds: 60 }
    );
    const state = await finalState(r, await startJob(r, job));
    expect(state).toMatchObject({ status: 'succeeded', exitCode: 0 });
    const [vars, ignored] = readFileSync(join(job.logDir, 'stdout.log'), 'utf8').split('\n');
    expect(vars).toBe(`D J L S ${env.PATH}`);
    // Bit 2 (SIGINT) of the ignored-signal mask: a job must be stoppable as from a terminal.
    expect(BigInt(`0x${ignored.split(/\s+/)[1]}`) & 2n).toBe(0n);
  });

  it('cancels a running sleep 60: cancelled, and its process group is gone', async () => {
    const r = runner();
    const ref = await startJob(r, launch(['sleep', '60']));
    expect((await r.state(ref)).status).toBe('running');
    await r.cancel(ref);
    expect(groupAlive(Number(ref.externalId))).toBe(false);
    const state = await finalState(r, ref);
    expect(state).toMatchObject({ status: 'cancelled', reason: 'cancelled' });
    // A finished job stays as it is.
    await r.cancel(ref);
    expect((await r.state(ref)).status).toBe('cancelled');
  });

  it('stops a sleep 30 at its time limit of 1 s: timed-out, with the limit in the reason', async () => {
    const r = runner();
    const ref = await startJob(r, launch(['sleep', '30'], { timeLimitSeconds: 1 }));
    const state = await finalState(r, ref);
    expect(state).toMatchObject({
      status: 'timed-out',
      reason: 'killed at the time limit of 1 s'
    });
    expect(groupAlive(Number(ref.externalId))).toBe(false);
  });

  it('SIGKILLs a job that ignores SIGTERM once the grace after its time limit is over', async () => {
    const r = runner();
    const job = launch(
      // sh starts at once (python3 may be a slow pyenv shim), and sleep inherits the ignored TERM.
      ['sh', '-c', 'trap "" TERM; echo ready; sleep 30'],
      { timeLimitSeconds: 1 }
    );
    const ref = await startJob(r, job);
    const state = await finalState(r, ref);
    expect(state).toMatchObject({ status: 'timed-out', exitCode: null });
    expect(JSON.parse(readFileSync(join(job.logDir, 'exit'), 'utf8')).signal).toBe('SIGKILL');
    expect(groupAlive(Number(ref.externalId))).toBe(false);
    expect(readFileSync(join(job.logDir, 'stdout.log'), 'utf8')).toBe('ready\n');
  });

  it("checks the program as the job's own PATH finds it, naming the field", async () => {
    const r = runner();
    const job = launch(['no-such-program-here', '--flag']);
    const error = await r.check(job).catch(err => err);
    expect(error).toBeInstanceOf(JobInputError);
    expect(error.message).toBe(
      'command: "no-such-program-here" is not a program on the PATH; give its full path, or install it'
    );
    expect(existsSync(job.logDir)).toBe(false);

    const notExecutable = join(base, 'plain.txt');
    writeFileSync(notExecutable, 'not a program');
    await expect(r.check(launch([notExecutable]))).rejects.toThrow(
      `command: "${notExecutable}" is not an executable file; check the path and that the file is executable`
    );
    await expect(r.check(launch(['./plain.txt']))).rejects.toBeInstanceOf(JobInputError);

    const bin = join(base, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'my-tool'), '#!/bin/sh\n', { mode: 0o755 });
    await expect(r.check(launch(['my-tool']))).rejects.toBeInstanceOf(JobInputError);
    await expect(r.check(launch(['my-tool'], { env: { PATH: bin } }))).resolves.toBeUndefined();
    await expect(r.check(launch(['true']))).resolves.toBeUndefined();
  });

  it('checks a GPU against the GPUs of this machine it is given', async () => {
    const gpu = (model?: string) =>
      launch(['true'], { resources: { cpu: 1, memory: 512 * MiB, gpu: { count: 1, model } } });
    await expect(runner().check(gpu())).rejects.toThrow(
      'resources.gpu: jobs cannot have GPUs here; ask without a GPU'
    );
    const a40 = new LocalJobRunner({
      config,
      gpus: {
        inventory: async () => ({
          source: 'nvidia-smi',
          models: [{ model: 'NVIDIA A40', free: 1, total: 2 }],
          checkedAt: new Date().toISOString()
        })
      }
    });
    await expect(a40.check(gpu('NVIDIA H100'))).rejects.toThrow(
      'resources.gpu.model: no GPU model "NVIDIA H100" here; the models are NVIDIA A40'
    );
    await expect(a40.check(gpu('NVIDIA A40'))).resolves.toBeUndefined();
    await expect(a40.check(gpu())).resolves.toBeUndefined();
  });

  it('refuses at start a working directory that is gone, and leaves nothing behind', async () => {
    const r = runner();
    const missingDir = launch(['true'], { cwd: join(base, 'no-such-dir') });
    await expect(r.start(missingDir)).rejects.toThrow(
      /^cwd: the working directory .* does not exist$/
    );
    expect(existsSync(missingDir.logDir)).toBe(false);
  });

  it('holds the time limit itself when the watcher was killed, and reports the outcome', async () => {
    const r = runner();
    const ref = await startJob(r, launch(['sleep', '30'], { timeLimitSeconds: 1 }));
    process.kill(readPid(ref)!.watcherPid, 'SIGKILL');
    const state = await finalState(r, ref);
    expect(state).toMatchObject({
      status: 'timed-out',
      reason: 'killed at the time limit of 1 s',
      exitCode: null
    });
    expect(groupAlive(Number(ref.externalId))).toBe(false);
  });

  it('reports a job that ended after its watcher was killed as failed: vanished without an exit status', async () => {
    const r = runner();
    const ref = await startJob(r, launch(['sleep', '0.5']));
    process.kill(readPid(ref)!.watcherPid, 'SIGKILL');
    expect((await r.state(ref)).status).toBe('running');
    const state = await finalState(r, ref);
    expect(state).toMatchObject({
      status: 'failed',
      reason: "the job's process vanished without an exit status"
    });
  });

  it('reports a job whose processes vanished without an exit status as failed, not running', async () => {
    const r = runner();
    const logDir = join(base, 'jobs', 'jvanished');
    mkdirSync(logDir, { recursive: true });
    // Our own pid, alive, but with another start time: a reused pid is not the job.
    writeFileSync(
      join(logDir, 'pid'),
      JSON.stringify({
        pid: process.pid,
        startTime: '1',
        watcherPid: process.pid,
        watcherStartTime: '1',
        startedAt: Date.now() - 1000
      })
    );
    const state = await r.state({ id: 'jvanished', externalId: String(process.pid), logDir });
    expect(state).toMatchObject({
      status: 'failed',
      reason: "the job's process vanished without an exit status"
    });
  });

  it('starts 200 quick `true` jobs, each reported started however soon it exits', async () => {
    // The watcher may write pid and exit, and exit itself, while start() waits between two
    // reads: that is a started job, not "the job's watcher exited before starting it".
    const r = runner();
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < 200) {
        next += 1;
        const job = launch(['true']);
        try {
          const ref = await startJob(r, job);
          const state = await finalState(r, ref);
          if (state.status !== 'succeeded') {
            failures.push(`${job.id}: ${state.status} ${state.reason ?? ''}`);
          }
        } catch (err) {
          failures.push(`${job.id}: ${(err as Error).message}`);
        }
        rmSync(job.logDir, { recursive: true, force: true });
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(failures).toEqual([]);
  }, 180_000);

  it('holds the memory limit the way enforcement() says, and names memory in the reason', async () => {
    const r = runner();
    const { enforcement, note } = await r.enforcement();
    expect(['cgroup', 'rlimit']).toContain(enforcement);
    expect(note).toMatch(enforcement === 'cgroup' ? /cgroup/ : /rlimit.*CPU is shared/);
    // 400 MiB touched, against a 100 MiB limit.
    const job = launch(
      ['python3', '-c', 'b = bytearray(400 * 1024 * 1024); print("allocated", len(b))'],
      { resources: { cpu: 1, memory: 100 * MiB } }
    );
    const state = await finalState(r, await startJob(r, job));
    expect(state.status).toBe('failed');
    expect(state.reason).toMatch(/memory.*100 MiB/);
    expect(readFileSync(join(job.logDir, 'stdout.log'), 'utf8')).not.toMatch(/allocated/);
  });
});

describe('choosing cgroup v2 enforcement (fixture trees)', () => {
  function tree(files: Record<string, string>): string {
    const root = mkdtempSync(join(base, 'cgroup-'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return root;
  }
  const mountinfo = (point: string) =>
    `30 23 0:26 / ${point} rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate\n`;

  it('declines a hybrid host whose cgroup2 mount has no controllers (as on this machine)', async () => {
    const root = tree({
      'proc/self/cgroup': '4:memory:/x\n1:cpu:/\n0::/\n',
      'proc/self/mountinfo': mountinfo('/sys/fs/cgroup/unified'),
      'sys/fs/cgroup/unified/cgroup.controllers': '\n',
      'sys/fs/cgroup/unified/cgroup.subtree_control': '\n'
    });
    expect(await findJobCgroupParent(root)).toEqual({
      reason: expect.stringMatching(/no memory controller/)
    });
  });

  it('uses the parent slice on a systemd desktop: jobs beside the notebook scope, cpu and memory enabled', async () => {
    const slice = 'sys/fs/cgroup/user.slice/user@1000.service/app.slice';
    const root = tree({
      'proc/self/cgroup': '0::/user.slice/user@1000.service/app.slice/jupyter.scope\n',
      'proc/self/mountinfo': mountinfo('/sys/fs/cgroup'),
      'sys/fs/cgroup/cgroup.controllers': 'cpuset cpu io memory pids\n',
      [`${slice}/cgroup.subtree_control`]: 'cpu memory pids\n',
      [`${slice}/jupyter.scope/cgroup.subtree_control`]: '\n'
    });
    const decision = await findJobCgroupParent(root);
    const dir = join(root, slice, 'hotstepper-jobs');
    expect(decision).toEqual({ parent: { dir, cpu: true } });
    expect(readFileSync(join(dir, 'cgroup.subtree_control'), 'utf8')).toBe('+memory +cpu');

    const jobDir = await createJobCgroup({ dir, cpu: true }, 'j1', { cpu: 1.5, memory: 256 * MiB });
    expect(readFileSync(join(jobDir, 'memory.max'), 'utf8')).toBe(String(256 * MiB));
    expect(readFileSync(join(jobDir, 'cpu.max'), 'utf8')).toBe('150000 100000');
  });

  it('uses a container root that delegates memory only, and says CPU is not held', async () => {
    const root = tree({
      'proc/self/cgroup': '0::/\n',
      'proc/self/mountinfo': mountinfo('/sys/fs/cgroup'),
      'sys/fs/cgroup/cgroup.controllers': 'memory pids\n',
      'sys/fs/cgroup/cgroup.subtree_control': 'memory pids\n'
    });
    const decision = await findJobCgroupParent(root);
    expect(decision).toEqual({
      parent: { dir: join(root, 'sys/fs/cgroup/hotstepper-jobs'), cpu: false }
    });
    const r = new LocalJobRunner({ config, rootfs: root });
    expect(await r.enforcement()).toEqual({
      enforcement: 'cgroup',
      note: expect.stringMatching(/memory limit; CPU is shared/)
    });
  });

  it('falls back to rlimits when the delegated cgroup cannot be written', async () => {
    const root = tree({
      'proc/self/cgroup': '0::/\n',
      'proc/self/mountinfo': mountinfo('/sys/fs/cgroup'),
      'sys/fs/cgroup/cgroup.controllers': 'cpu memory\n',
      'sys/fs/cgroup/cgroup.subtree_control': 'cpu memory\n',
      // A file where the group's directory would go: mkdir fails as on a read-only mount.
      'sys/fs/cgroup/hotstepper-jobs': ''
    });
    expect(await findJobCgroupParent(root)).toEqual({
      reason: expect.stringMatching(/hotstepper-jobs is not usable/)
    });
    const r = new LocalJobRunner({ config, rootfs: root });
    expect((await r.enforcement()).enforcement).toBe('rlimit');
  });

  it('falls back to rlimits when a process cannot be moved into a job cgroup', async () => {
    const group = 'sys/fs/cgroup/hotstepper-jobs';
    const root = tree({
      'proc/self/cgroup': '0::/\n',
      'proc/self/mountinfo': mountinfo('/sys/fs/cgroup'),
      'sys/fs/cgroup/cgroup.controllers': 'cpu memory\n',
      'sys/fs/cgroup/cgroup.subtree_control': 'cpu memory\n',
      // The probe's cgroup.procs cannot be written: as without write access to the ancestor.
      [`${group}/probe-${process.pid}/cgroup.procs/x`]: ''
    });
    expect(await findJobCgroupParent(root)).toEqual({
      reason: expect.stringMatching(/hotstepper-jobs is not usable: .*cgroup\.procs/)
    });
  });
});

describe('formatLimit', () => {
  it('shows whole hours and minutes as such, anything else in seconds', () => {
    expect(formatLimit(10)).toBe('10 s');
    expect(formatLimit(90)).toBe('90 s');
    expect(formatLimit(300)).toBe('5 min');
    expect(formatLimit(7200)).toBe('2 h');
  });
});
