import { execFile } from 'node:child_process';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FINISHED_JOB_STATUSES, type JobQuota } from '@hotstepper/api';
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
import { checkProgram } from '../programs';
import { batchScript } from './script';
import { gpuModelsFromGres, parseJobRecord, slurmQuota, toRunnerState } from './state';

export interface SlurmJobRunnerOptions {
  config: Config['jobs'];
  env?: NodeJS.ProcessEnv;
  log?: FastifyBaseLogger;
}

/** The state last seen, kept beside the logs: Slurm forgets finished jobs after MinJobAge. */
export const STATE_FILE = 'slurm-state.json';
const SCRIPT_FILE = 'job.sbatch';

/** A Slurm command that failed: its stderr, as Slurm wrote it. */
export class SlurmCommandError extends Error {
  constructor(
    readonly command: string,
    readonly stderr: string,
    readonly code: number | string | null
  ) {
    super(`${command}: ${stderr || `failed (${code})`}`);
  }
}

// Failures of the cluster, not of the job: these are not the user's to fix.
const clusterTrouble =
  /unable to contact|connection refused|timed out|zero bytes were transmitted|communication|configuration source|dns srv|munge|authentication|slurm_persist|not responding/i;

export class SlurmJobRunner implements JobRunner {
  readonly name = 'slurm' as const;
  constructor(readonly options: SlurmJobRunnerOptions) {}

  async enforcement(): Promise<{ enforcement: 'scheduler'; note: string }> {
    return {
      enforcement: 'scheduler',
      note: 'Slurm holds each job to its CPUs, memory and time limit'
    };
  }

  /**
   * The program as this machine's PATH finds it (the cluster's nodes are taken to share the
   * software of the machine that submits), and a GPU model the cluster's nodes have.
   */
  async check(launch: JobLaunch): Promise<void> {
    const env = { ...process.env, ...this.options.env, ...launch.env };
    await checkProgram(launch.argv, launch.cwd, env.PATH ?? '');
    checkGpu(launch.resources.gpu, launch.resources.gpu ? await this.gpuModels() : []);
  }

  async start(launch: JobLaunch): Promise<{ externalId: string }> {
    const { script, extraArgs } = batchScript(launch, this.options.config.slurm);
    const created = await mkdir(launch.logDir, { recursive: true });
    const scriptPath = join(launch.logDir, SCRIPT_FILE);
    const made: string[] = [scriptPath];
    try {
      await writeFile(scriptPath, script, { mode: 0o700 });
      // Present from the start, so the logs can be followed while the job waits.
      for (const name of ['stdout.log', 'stderr.log']) {
        const file = join(launch.logDir, name);
        if (
          await writeFile(file, '', { flag: 'wx' }).then(
            () => true,
            () => false
          )
        ) {
          made.push(file);
        }
      }
      const out = await this.run('sbatch', ['--parsable', ...extraArgs, scriptPath], 30_000);
      // "--parsable" prints "<id>" or "<id>;<cluster>".
      const externalId = out.trim().split(';')[0];
      if (!/^\d+$/.test(externalId)) {
        throw new Error(`sbatch answered no job id: ${out.trim()}`);
      }
      this.options.log?.info({ job: launch.id, slurmJob: externalId }, 'slurm job submitted');
      await this.remember(launch.logDir, { status: 'queued', reason: 'waiting' });
      return { externalId };
    } catch (err) {
      // Nothing is left behind: the files we wrote go, and the folder if we made it.
      for (const file of created ? [created] : made) {
        await rm(file, { recursive: true, force: true });
      }
      // sbatch said why it refused the job; anything else is the cluster's trouble.
      if (err instanceof SlurmCommandError && err.stderr && !clusterTrouble.test(err.stderr)) {
        throw new JobInputError(`Slurm refused the job: ${submitMessage(err.stderr)}`);
      }
      throw err;
    }
  }

  async state(ref: JobRef): Promise<RunnerState> {
    const cached = await this.recall(ref.logDir);
    if (cached && FINISHED_JOB_STATUSES.includes(cached.status)) {
      return cached; // a finished job never changes
    }
    let line: string;
    try {
      line = await this.run('scontrol', ['show', 'job', '-o', ref.externalId]);
    } catch (err) {
      if (err instanceof SlurmCommandError && /invalid job id/i.test(err.stderr)) {
        return this.vanished(ref, cached);
      }
      throw err;
    }
    const fields = parseJobRecord(line.trim());
    if (fields.JobId !== ref.externalId) {
      return this.vanished(ref, cached);
    }
    const state = toRunnerState(fields);
    if (JSON.stringify(state) !== JSON.stringify(cached)) {
      await this.remember(ref.logDir, state);
    }
    return state;
  }

  async cancel(ref: JobRef): Promise<void> {
    try {
      await this.run('scancel', [ref.externalId]);
    } catch (err) {
      // Already gone or finished: left as it is.
      if (!(err instanceof SlurmCommandError && /invalid job id|already/i.test(err.stderr))) {
        throw err;
      }
    }
  }

  async remove(_ref: JobRef): Promise<void> {
    // Everything Slurm needed (script, state cache) lives in logDir, which the feature removes.
  }

  async quota(): Promise<JobQuota> {
    const out = await this.run('squeue', [
      '--noheader',
      '--states=RUNNING,COMPLETING',
      '--me',
      '--Format=tres-alloc:200'
    ]);
    return slurmQuota(out.split('\n').filter(l => l.trim()));
  }

  async gpuModels(): Promise<string[]> {
    const { partition, gres } = this.options.config.slurm;
    const out = await this.run('sinfo', [
      '--noheader',
      '--format=%G',
      ...(partition ? [`--partition=${partition}`] : [])
    ]);
    return gpuModelsFromGres(out.split('\n'), gres);
  }

  async close(): Promise<void> {}

  /** Slurm no longer knows the job: what we saw last, else what accounting kept, else failed. */
  private async vanished(ref: JobRef, cached: RunnerState | undefined): Promise<RunnerState> {
    const accounted = await this.accounting(ref.externalId);
    const state: RunnerState = accounted ?? {
      status: 'failed',
      exitCode: null,
      reason: `Slurm no longer knows job ${ref.externalId} and kept no record of how it ended`,
      startedAt: cached?.startedAt
    };
    await this.remember(ref.logDir, state);
    return state;
  }

  /** sacct's record, where the cluster keeps one (slurmdbd); undefined where it does not. */
  private async accounting(externalId: string): Promise<RunnerState | undefined> {
    try {
      const out = await this.run('sacct', [
        '--noheader',
        '--parsable2',
        '--allocations',
        `--jobs=${externalId}`,
        '--format=JobID,State,Reason,ExitCode,Start,End'
      ]);
      const row = out
        .split('\n')
        .map(l => l.split('|'))
        .find(r => r[0] === externalId);
      if (!row) {
        return undefined;
      }
      const [, state, reason, exitCode, start, end] = row;
      // sacct says "CANCELLED by 0": the state is the first word.
      return toRunnerState({
        JobState: state.split(' ')[0],
        Reason: reason,
        ExitCode: exitCode,
        StartTime: start,
        EndTime: end
      });
    } catch {
      return undefined; // "Slurm accounting storage is disabled"
    }
  }

  private async recall(logDir: string): Promise<RunnerState | undefined> {
    try {
      return JSON.parse(await readFile(join(logDir, STATE_FILE), 'utf8')) as RunnerState;
    } catch {
      return undefined;
    }
  }

  private async remember(logDir: string, state: RunnerState): Promise<void> {
    const file = join(logDir, STATE_FILE);
    try {
      // Written whole, then renamed: a reader never sees half a file.
      await writeFile(`${file}.tmp`, JSON.stringify(state));
      await rename(`${file}.tmp`, file);
    } catch (err) {
      // The state is still right; only a later answer without Slurm would miss it.
      this.options.log?.warn({ err, logDir }, 'could not keep the slurm job state');
    }
  }

  /** Runs a Slurm client command (no shell) and answers its stdout. */
  private run(command: string, args: string[], timeout = 10_000): Promise<string> {
    const { binDir } = this.options.config.slurm;
    const file = binDir ? join(binDir, command) : command;
    return new Promise((resolve, reject) => {
      execFile(
        file,
        args,
        {
          // Times as epoch seconds: no guessing at the controller's time zone.
          env: { ...(this.options.env ?? process.env), SLURM_TIME_FORMAT: '%s' },
          timeout,
          maxBuffer: 16 * 1024 ** 2
        },
        (err, stdout, stderr) => {
          if (!err) {
            resolve(stdout);
          } else if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
            reject(
              new Error(
                `${file} was not found: install the Slurm client commands or set jobs.slurm.binDir`
              )
            );
          } else if (err.killed) {
            // Our timeout: the cluster is slow or away, which is not the job's fault.
            reject(new Error(`${command} did not answer within ${timeout / 1000} s`));
          } else {
            reject(new SlurmCommandError(command, stderr.trim(), err.code ?? err.signal ?? null));
          }
        }
      );
    });
  }
}

/** sbatch's own words, without its "sbatch: error:" prefixes, one line per problem. */
function submitMessage(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map(l => l.replace(/^sbatch: (error|fatal): /, '').trim())
    .filter(Boolean);
  return [...new Set(lines)].join('; ') || 'sbatch failed';
}
