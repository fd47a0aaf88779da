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
   * Starts (or submits) the job. Throws JobInputError when the job cannot run as given
   * (unknown program, resources the runner cannot give): nothing is left behind then.
   */
  start(launch: JobLaunch): Promise<{ externalId: string }>;
  /** The job's state now. Cheap: the feature asks every second for each active job. */
  state(ref: JobRef): Promise<RunnerState>;
  /** Stops the job; its state becomes cancelled. A finished job is left as it is. */
  cancel(ref: JobRef): Promise<void>;
  /** Removes what the runner keeps for a finished job (a Kubernetes Job, Slurm files). */
  remove(ref: JobRef): Promise<void>;
  /**
   * What running jobs use against the quota. The local runner has none of its own (the
   * feature queues against the admin's `jobs.quota`), so it returns undefined.
   */
  quota(): Promise<JobQuota | undefined>;
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
