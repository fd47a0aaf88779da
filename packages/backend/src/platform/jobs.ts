import { HttpError } from '../errors';
import type {
  JobQuota,
  JobResources,
  JobRunnerName,
  JobStatus,
  LimitEnforcement
} from '@hotstepper/api';

/**
 * One job as the jobs feature hands it to a runner: already validated and resolved
 * (a notebook is already an nbconvert / papermill argv, paths are absolute).
 */
export interface JobLaunch {
  /** Our id: lowercase letters and digits, starts with "j", at most 20 characters. */
  id: string;
  name: string;
  argv: string[];
  /** Absolute working directory. */
  cwd: string;
  env: Record<string, string>;
  resources: JobResources;
  timeLimitSeconds?: number;
  /**
   * Absolute directory of this job's files. The runner makes its output arrive in
   * `stdout.log` and `stderr.log` there (a Kubernetes runner copies the pod log into
   * `stdout.log`), so the feature reads and streams logs the same way for every runner.
   */
  logDir: string;
  /** Kubernetes only: the container image. */
  image?: string;
}

/** What the feature remembers of a started job, to ask its runner about it later. */
export interface JobRef {
  id: string;
  externalId: string;
  logDir: string;
}

/** A job's state as its runner sees it now. */
export interface RunnerState {
  status: JobStatus;
  /** Why, in words: "waiting for quota: exceeded quota: …", "killed at the time limit" … */
  reason?: string;
  exitCode?: number | null;
  /** Unix ms. */
  startedAt?: number;
  finishedAt?: number;
}

/**
 * Runs jobs somewhere: this machine, Slurm, or Kubernetes. Chosen once at start-up by
 * `jobs.runner` in the admin config; the jobs feature never asks which one it got.
 * Every job outlives the backend: after a restart the feature asks `state()` again.
 */
export interface JobRunner {
  readonly name: JobRunnerName;
  /** How per-job limits are held here, and that in words for the UI. */
  enforcement(): Promise<{ enforcement: LimitEnforcement; note: string }>;
  /**
   * Refuses, with a JobInputError naming the field, a job that cannot run here as given:
   * a program this runner cannot find, a GPU it cannot give. The feature calls it once,
   * before the job is recorded; what holds wherever a job runs (paths confined to the root,
   * the rules of each kind) the feature has already checked.
   */
  check(launch: JobLaunch): Promise<void>;
  /**
   * Starts (or submits) the job, already checked. Throws JobInputError when the runner
   * refuses it all the same (Slurm or Kubernetes saying no): nothing is left behind then.
   */
  start(launch: JobLaunch): Promise<{ externalId: string }>;
  /**
   * After a backend died between start() and recording its answer: the job's external id if
   * it started (it may have ended since), undefined if it surely never will, so the feature
   * starts it again. A runner without it cannot tell: the feature fails such a job, saying so.
   */
  adopt?(ref: Omit<JobRef, 'externalId'>): Promise<{ externalId: string } | undefined>;
  /** The job's state now. Cheap: the feature asks every second for each active job. */
  state(ref: JobRef): Promise<RunnerState>;
  /** Stops the job; its state becomes cancelled. A finished job is left as it is. */
  cancel(ref: JobRef): Promise<void>;
  /** Removes what the runner keeps for a finished job (a Kubernetes Job, Slurm files). */
  remove(ref: JobRef): Promise<void>;
  /**
   * What running jobs use against the scheduler's quota. The local runner has none: its jobs
   * are admitted against the admin's `jobs.quota` (LocalQuotaAdmission) instead.
   */
  quota?(): Promise<JobQuota>;
  /** GPU models a job may ask for. */
  gpuModels(): Promise<string[]>;
  /** The default image for a job (Kubernetes: the notebook pod's own). */
  defaultImage?(): Promise<string | undefined>;
  /** Stops watches and timers; jobs keep running. */
  close(): Promise<void>;
}

/** A job that cannot run as asked: the message says what to change. */
export class JobInputError extends HttpError {
  constructor(message: string) {
    super(400, message);
  }
}

/**
 * When a recorded job may start. Chosen with the runner when the adapters are made: the local
 * runner's jobs wait for the admin's quota on this machine; a scheduler (Slurm, Kubernetes)
 * queues jobs itself, so they start at once.
 */
export interface JobAdmission {
  /** The most a job that names no resources may get by default; undefined: no ceiling. */
  ceiling(): Promise<{ cpu: number; memory: number } | undefined>;
  /** Throws JobInputError when the job could never start, even with nothing else running. */
  refuse(job: JobResources): Promise<void>;
  /** Why the job must wait while `taken` hold resources ("waiting for 1 CPU: …"); undefined: start it. */
  wait(job: JobResources, taken: JobResources[]): Promise<string | undefined>;
  /** The quota as the Jobs panel shows it. */
  quota(taken: JobResources[]): Promise<JobQuota>;
}

/** Where jobs run, and when a recorded one may start there: chosen together at start-up. */
export interface JobAdapters {
  runner: JobRunner;
  admission: JobAdmission;
}

/** A scheduler's own queue: every job is handed over at once, the quota is the scheduler's. */
export class SchedulerAdmission implements JobAdmission {
  constructor(private readonly runner: Required<Pick<JobRunner, 'quota'>>) {}

  async ceiling(): Promise<undefined> {
    return undefined;
  }

  async refuse(): Promise<void> {}

  async wait(): Promise<undefined> {
    return undefined;
  }

  quota(): Promise<JobQuota> {
    return this.runner.quota();
  }
}

/** Refuses a GPU the runner cannot give: none at all, or not of the model asked for. */
export function checkGpu(gpu: JobResources['gpu'], models: string[]): void {
  if (!gpu) {
    return;
  }
  if (!models.length) {
    throw new JobInputError('resources.gpu: jobs cannot have GPUs here; ask without a GPU');
  }
  if (gpu.model !== undefined && !models.includes(gpu.model)) {
    throw new JobInputError(
      `resources.gpu.model: no GPU model "${gpu.model}" here; the models are ${models.join(', ')}`
    );
  }
}
