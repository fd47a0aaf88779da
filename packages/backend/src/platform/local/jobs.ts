import { execFile, spawn } from 'node:child_process';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LimitEnforcement } from '@hotstepper/api';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config';
import {
  JobInputError,
  checkGpu,
  type JobLaunch,
  type JobRef,
  type JobRunner,
  type RunnerState
} from '../jobs';
import { exists } from '../resources/files';
import type { NvidiaSmiReader } from '../resources/nvidia';
import {
  createJobCgroup,
  findJobCgroupParent,
  removeJobCgroup,
  type JobCgroupParent
} from './job-cgroup';
import { checkProgram } from '../programs';
import { WATCHER_SCRIPT } from './job-wrapper';
import { formatBytes } from '../../format';

export interface LocalJobRunnerOptions {
  config: Config['jobs'];
  /** Jobs get this environment (over the backend's own) plus their own variables. */
  env?: NodeJS.ProcessEnv;
  log?: FastifyBaseLogger;
  /** Between SIGTERM and SIGKILL when a job is cancelled or reaches its time limit. */
  graceMs?: number;
  /** Where /proc and /sys are looked for when choosing the enforcement (tests). */
  rootfs?: string;
  /** This machine's GPUs (nvidia-smi, found once at start-up); none without it. */
  gpus?: Pick<NvidiaSmiReader, 'inventory'>;
}

/** What the watcher records when the job has started (`<logDir>/pid`). */
interface PidFile {
  pid: number;
  startTime?: string;
  watcherPid: number;
  watcherStartTime?: string;
  startedAt: number;
  timeLimitSeconds?: number;
  memoryBytes?: number;
  enforcement?: LimitEnforcement;
}

/** What the watcher records when the job has ended (`<logDir>/exit`). */
interface ExitFile {
  code: number | null;
  signal: NodeJS.Signals | null;
  finishedAt: number;
  oomKilled?: boolean;
  /** The job could not be started at all (spawn failed). */
  error?: string;
}

interface Enforcement {
  enforcement: LimitEnforcement;
  note: string;
  parent?: JobCgroupParent;
}

/** Absolute paths, so that a job's own PATH cannot change what the watcher runs. */
interface WatcherTools {
  setsid: string;
  /** `env --default-signal=INT,QUIT` where coreutils has it (9.x), else nothing. */
  reset: string;
}

const SYSTEM_DIRS = ['/usr/bin', '/bin', '/usr/local/bin'];

async function findWatcherTools(): Promise<WatcherTools> {
  const find = async (name: string) => {
    for (const dir of SYSTEM_DIRS) {
      if (await exists(join(dir, name))) {
        return join(dir, name);
      }
    }
    return undefined;
  };
  const setsid = await find('setsid');
  if (!setsid) {
    throw new Error('setsid (util-linux) is not installed: local jobs need it');
  }
  const env = await find('env');
  const reset =
    env &&
    (await new Promise<boolean>(ok =>
      execFile(env, ['--default-signal=INT,QUIT', 'true'], err => ok(!err))
    ))
      ? `${env} --default-signal=INT,QUIT`
      : '';
  return { setsid, reset };
}

const VANISHED = "the job's process vanished without an exit status";
const MEMORY_WORDS = /MemoryError|Cannot allocate memory|bad_alloc|out of memory/i;

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function writeAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(value) + '\n');
  await rename(tmp, path);
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks); undefined for gone or zombie. */
async function processStartTime(pid: number): Promise<string | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

/** The process is alive and is the one we started (not a reused pid). */
async function isSameProcess(pid: number | undefined, startTime?: string): Promise<boolean> {
  if (!pid || pid <= 1) {
    return false;
  }
  const now = await processStartTime(pid);
  return now !== undefined && (startTime === undefined || now === startTime);
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/** "10 s", "5 min", "2 h", as the time limit is shown in a reason. */
export function formatLimit(seconds: number): string {
  if (seconds >= 3600 && seconds % 3600 === 0) {
    return `${seconds / 3600} h`;
  }
  if (seconds >= 60 && seconds % 60 === 0) {
    return `${seconds / 60} min`;
  }
  return `${seconds} s`;
}

/**
 * Runs each job as a process group of its own on this machine, watched by a small detached
 * shell (see job-wrapper.ts) that records its exit status in the job's log directory,
 * so the job outlives the backend and the Jupyter server and a restarted backend finds the
 * outcome. Limits: a cgroup v2 per job when a delegated, writable one exists, else an
 * address-space rlimit for memory.
 */
export class LocalJobRunner implements JobRunner {
  readonly name = 'local' as const;
  private enforcementCheck?: Promise<Enforcement>;
  private toolsCheck?: Promise<WatcherTools>;
  /** SIGKILLs still due for cancelled jobs whose watcher was gone, by process group. */
  private readonly kills = new Map<number, NodeJS.Timeout>();

  constructor(readonly options: LocalJobRunnerOptions) {}

  private get graceMs(): number {
    return this.options.graceMs ?? 5000;
  }

  private get env(): NodeJS.ProcessEnv {
    return { ...process.env, ...this.options.env };
  }

  async enforcement(): Promise<{ enforcement: LimitEnforcement; note: string }> {
    const { enforcement, note } = await this.limits();
    return { enforcement, note };
  }

  /** Looked for once: the machine's cgroup setup does not change while we run. */
  private limits(): Promise<Enforcement> {
    this.enforcementCheck ??= findJobCgroupParent(this.options.rootfs).then(decision => {
      if ('parent' in decision) {
        return {
          enforcement: 'cgroup',
          parent: decision.parent,
          note: decision.parent.cpu
            ? 'Each job runs in its own cgroup: the kernel holds its CPU and memory limits.'
            : 'Each job runs in its own cgroup: the kernel holds its memory limit; ' +
              'CPU is shared (the cgroup here offers no CPU controller).'
        };
      }
      this.options.log?.info(`jobs: no cgroup for per-job limits (${decision.reason})`);
      return {
        enforcement: 'rlimit',
        note:
          'Memory is limited per job with an address-space rlimit (a program that reserves ' +
          'much more than it uses may fail early); CPU is shared: there is no writable ' +
          'cgroup here and rlimits cannot hold CPU cores.'
      };
    });
    return this.enforcementCheck;
  }

  /** The helpers the watcher runs the job with, looked for once. */
  private tools(): Promise<WatcherTools> {
    this.toolsCheck ??= findWatcherTools();
    return this.toolsCheck;
  }

  /** The program as the job's own PATH finds it from its directory, and a GPU this machine has. */
  async check(launch: JobLaunch): Promise<void> {
    const env = { ...this.env, ...launch.env };
    await checkProgram(launch.argv, launch.cwd, env.PATH ?? '');
    checkGpu(launch.resources.gpu, launch.resources.gpu ? await this.gpuModels() : []);
  }

  async start(launch: JobLaunch): Promise<{ externalId: string }> {
    const env = { ...this.env, ...launch.env };
    // Checked at submit, but a queued job starts later: its directory may be gone by then.
    if (!(await stat(launch.cwd).catch(() => undefined))?.isDirectory()) {
      throw new JobInputError(`cwd: the working directory ${launch.cwd} does not exist`);
    }
    const limits = await this.limits();
    const createdDir = !(await exists(launch.logDir));
    await mkdir(launch.logDir, { recursive: true, mode: 0o700 });
    let cgroup: string | undefined;
    let watcher: ReturnType<typeof spawn> | undefined;
    try {
      if (limits.parent) {
        cgroup = await createJobCgroup(limits.parent, launch.id, launch.resources);
      }
      // CUDA reserves far more address space than it uses: an AS limit would break GPU jobs.
      const asLimit =
        limits.enforcement === 'rlimit' && !launch.resources.gpu
          ? String(Math.ceil(launch.resources.memory / 1024))
          : '';
      // The job's own first step, in its own process group: enter the cgroup or take the
      // rlimit, then exec the program, so signals to the group reach the program itself.
      const argv = [
        '/bin/sh',
        '-c',
        'if [ -n "$1" ]; then echo $$ > "$1/cgroup.procs" || ' +
          `{ echo "hotstepper: cannot enter the job's cgroup $1" >&2; exit 125; }; fi; ` +
          'if [ -n "$2" ]; then ulimit -v "$2" || exit 125; fi; shift 2; exec "$@"',
        'hotstepper-job',
        cgroup ?? '',
        asLimit,
        ...launch.argv
      ];
      // The claim the watcher takes (see job-wrapper.ts). The environment does not go into a
      // file: it is the watcher's own, which the job inherits.
      await writeFile(
        join(launch.logDir, 'launch.json'),
        JSON.stringify({ id: launch.id, argv, cwd: launch.cwd }),
        { mode: 0o600 }
      );
      const tools = await this.tools();
      const stdout = await open(join(launch.logDir, 'stdout.log'), 'a', 0o600);
      const stderr = await open(join(launch.logDir, 'stderr.log'), 'a', 0o600);
      try {
        watcher = spawn(
          '/bin/sh',
          [
            '-c',
            WATCHER_SCRIPT,
            'hotstepper-job',
            launch.logDir,
            tools.setsid,
            tools.reset,
            launch.timeLimitSeconds ? String(launch.timeLimitSeconds) : '',
            String(this.graceMs / 1000),
            String(Math.ceil(this.graceMs / 100)),
            cgroup ?? '',
            String(launch.resources.memory),
            limits.enforcement,
            ...argv
          ],
          {
            cwd: launch.cwd,
            env,
            stdio: ['ignore', stdout.fd, stderr.fd],
            detached: true
          }
        );
      } finally {
        await stdout.close();
        await stderr.close();
      }
      watcher.unref();
      const pid = await this.waitForStart(launch.logDir, watcher);
      return { externalId: String(pid) };
    } catch (err) {
      if (watcher?.pid) {
        signal(watcher.pid, 'SIGKILL');
      }
      if (cgroup && limits.parent) {
        await removeJobCgroup(limits.parent, launch.id);
      }
      if (createdDir) {
        await rm(launch.logDir, { recursive: true, force: true });
      } else {
        for (const name of [
          'launch.json',
          'launch.taken',
          'pid',
          'exit',
          'stdout.log',
          'stderr.log'
        ]) {
          await rm(join(launch.logDir, name), { force: true });
        }
      }
      throw err;
    }
  }

  /** Until the watcher reports the job's pid (or why it could not start it). */
  private async waitForStart(logDir: string, watcher: ReturnType<typeof spawn>): Promise<number> {
    let gone: string | undefined;
    const onExit = (code: number | null, sig: string | null) =>
      (gone = `the job's watcher exited (${sig ?? `code ${code}`}) before starting it`);
    watcher.on('exit', onExit);
    watcher.on('error', err => (gone = `the job's watcher could not start: ${err.message}`));
    try {
      for (let waited = 0; waited < 30_000; waited += 10) {
        // Taken before the reads: a watcher gone by then has written all it ever will, so a
        // quick job's pid (written before its exit record and the watcher's own exit) is seen.
        const goneBefore = gone;
        const pid = await readJson<PidFile>(join(logDir, 'pid'));
        if (pid) {
          return pid.pid;
        }
        const exit = await readJson<ExitFile>(join(logDir, 'exit'));
        if (exit?.error) {
          throw new JobInputError(`The job could not start: ${exit.error}`);
        }
        if (goneBefore) {
          const stderr = await readFile(join(logDir, 'stderr.log'), 'utf8').catch(() => '');
          throw new Error(`${goneBefore}${stderr ? `: ${stderr.trim().slice(-500)}` : ''}`);
        }
        await new Promise(r => setTimeout(r, 10));
      }
      throw new Error("the job's watcher did not report the job's start within 30 s");
    } finally {
      watcher.off('exit', onExit);
    }
  }

  /**
   * A job whose start a crashed backend never recorded: started if its watcher wrote a pid or
   * an exit record (or took the launch and still may); never to start if the launch was not
   * taken, which is then voided so a late watcher cannot run it after all.
   */
  async adopt(ref: Omit<JobRef, 'externalId'>): Promise<{ externalId: string } | undefined> {
    const file = (name: string) => join(ref.logDir, name);
    try {
      await rename(file('launch.json'), file('launch.void'));
      await rm(file('launch.void'), { force: true });
      return undefined;
    } catch {
      // Taken by its watcher, or never written.
    }
    const claimed = await exists(file('launch.taken'));
    for (let waited = 0; ; waited += 50) {
      const pid = await readJson<PidFile>(file('pid'));
      if (pid) {
        return { externalId: String(pid.pid) };
      }
      if (await exists(file('exit'))) {
        return { externalId: '' };
      }
      if (!claimed) {
        return undefined;
      }
      if (waited >= 30_000) {
        // The watcher took the launch and died: state() says the job vanished.
        return { externalId: '' };
      }
      await new Promise(r => setTimeout(r, 50));
    }
  }

  async state(ref: JobRef): Promise<RunnerState> {
    const pid = await readJson<PidFile>(join(ref.logDir, 'pid'));
    let exit = await readJson<ExitFile>(join(ref.logDir, 'exit'));
    if (!exit && pid) {
      const jobAlive = await isSameProcess(pid.pid, pid.startTime);
      const watcherAlive = await isSameProcess(pid.watcherPid, pid.watcherStartTime);
      if (jobAlive && !watcherAlive) {
        await this.holdTimeLimit(ref, pid);
      }
      if (jobAlive || watcherAlive) {
        const [cancelled, timedOut] = await Promise.all([
          exists(join(ref.logDir, 'cancelled')),
          exists(join(ref.logDir, 'timed-out'))
        ]);
        const stopping = cancelled ? 'cancelled' : timedOut ? 'at the time limit' : undefined;
        return {
          status: 'running',
          ...(stopping ? { reason: `stopping: ${stopping}` } : {}),
          startedAt: pid.startedAt
        };
      }
      // It may have ended between the two reads.
      exit = await readJson<ExitFile>(join(ref.logDir, 'exit'));
    }
    return this.finished(ref, pid, exit);
  }

  /**
   * The watcher holds the time limit; should it have been killed on its own, the runner
   * holds it instead whenever it looks at the job.
   */
  private async holdTimeLimit(ref: JobRef, pid: PidFile): Promise<void> {
    const limit = pid.timeLimitSeconds;
    if (!limit || Date.now() < pid.startedAt + limit * 1000 || this.kills.has(pid.pid)) {
      return;
    }
    const marker = join(ref.logDir, 'timed-out');
    if (!(await exists(marker))) {
      await writeAtomic(marker, { at: Date.now() });
    }
    signal(-pid.pid, 'SIGTERM');
    this.killAfterGrace(pid.pid);
  }

  /** SIGKILL for a job group whose watcher is gone (the watcher does this itself otherwise). */
  private killAfterGrace(pgid: number): void {
    if (this.kills.has(pgid)) {
      return;
    }
    const timer = setTimeout(() => {
      this.kills.delete(pgid);
      signal(-pgid, 'SIGKILL');
    }, this.graceMs);
    timer.unref();
    this.kills.set(pgid, timer);
  }

  private async finished(
    ref: JobRef,
    pid: PidFile | undefined,
    exit: ExitFile | undefined
  ): Promise<RunnerState> {
    const [cancelled, timedOut] = await Promise.all([
      readJson<{ at: number }>(join(ref.logDir, 'cancelled')),
      readJson<{ at: number }>(join(ref.logDir, 'timed-out'))
    ]);
    const times = {
      startedAt: pid?.startedAt,
      finishedAt: exit?.finishedAt ?? cancelled?.at ?? timedOut?.at ?? Date.now()
    };
    const exitCode = exit ? exit.code : null;
    if (cancelled) {
      return { status: 'cancelled', reason: 'cancelled', exitCode, ...times };
    }
    if (timedOut) {
      const limit = pid?.timeLimitSeconds;
      return {
        status: 'timed-out',
        reason: limit
          ? `killed at the time limit of ${formatLimit(limit)}`
          : 'killed at the time limit',
        exitCode,
        ...times
      };
    }
    if (!exit) {
      return { status: 'failed', reason: VANISHED, exitCode: null, ...times };
    }
    if (exit.error) {
      return {
        status: 'failed',
        reason: `could not start: ${exit.error}`,
        exitCode: null,
        ...times
      };
    }
    if (exit.code === 0) {
      return { status: 'succeeded', exitCode: 0, ...times };
    }
    return { status: 'failed', reason: await this.failure(ref, pid, exit), exitCode, ...times };
  }

  /** Why a job failed, in words; running out of memory is named where it can be seen. */
  private async failure(ref: JobRef, pid: PidFile | undefined, exit: ExitFile): Promise<string> {
    const limit = pid?.memoryBytes ? ` (its limit is ${formatBytes(pid.memoryBytes)})` : '';
    if (exit.oomKilled) {
      return `killed for running out of memory${limit}`;
    }
    const how = exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
    if (pid?.enforcement === 'rlimit' && (await this.stderrMentionsMemory(ref.logDir))) {
      return `${how}; its error output says it ran out of memory${limit}`;
    }
    return how;
  }

  private async stderrMentionsMemory(logDir: string): Promise<boolean> {
    const file = await open(join(logDir, 'stderr.log'), 'r').catch(() => undefined);
    if (!file) {
      return false;
    }
    try {
      const { size } = await file.stat();
      const length = Math.min(size, 4096);
      const buffer = Buffer.alloc(length);
      await file.read(buffer, 0, length, size - length);
      return MEMORY_WORDS.test(buffer.toString('utf8'));
    } finally {
      await file.close();
    }
  }

  async cancel(ref: JobRef): Promise<void> {
    const dir = ref.logDir;
    if (await exists(join(dir, 'exit'))) {
      return;
    }
    const pid = await readJson<PidFile>(join(dir, 'pid'));
    await writeAtomic(join(dir, 'cancelled'), { at: Date.now() });
    if (!pid) {
      // Never started here (start() waits for this file): there is nothing to signal.
      return;
    }
    const pgid = pid.pid;
    const jobAlive = await isSameProcess(pgid, pid.startTime);
    const watcherAlive = await isSameProcess(pid.watcherPid, pid.watcherStartTime);
    if (watcherAlive) {
      // The watcher escalates to SIGKILL after the grace, even if we are gone by then.
      signal(pid.watcherPid, 'SIGTERM');
    }
    if (!jobAlive && !watcherAlive) {
      return;
    }
    signal(-pgid, 'SIGTERM');
    if (!watcherAlive) {
      this.killAfterGrace(pgid);
    }
    // Wait a little for the job to go, so a cancelled job is normally gone when we answer.
    for (let waited = 0; waited < this.graceMs + 2000; waited += 50) {
      if (!groupAlive(pgid) && (!watcherAlive || (await exists(join(dir, 'exit'))))) {
        return;
      }
      await new Promise(r => setTimeout(r, 50));
    }
  }

  async remove(_ref: JobRef): Promise<void> {
    // The feature deletes the log directory; the watcher removed the job's cgroup.
  }

  async gpuModels(): Promise<string[]> {
    const inventory = await this.options.gpus?.inventory();
    return inventory?.models.map(m => m.model) ?? [];
  }

  async close(): Promise<void> {
    // Pending SIGKILLs of cancelled jobs whose watcher was gone: send them now.
    for (const [pgid, timer] of this.kills) {
      clearTimeout(timer);
      signal(-pgid, 'SIGKILL');
    }
    this.kills.clear();
  }
}
