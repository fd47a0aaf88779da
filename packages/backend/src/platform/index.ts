import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config';
import type { FlareGateway } from './flare';
import { SchedulerAdmission, type JobAdapters } from './jobs';
import { KubernetesPlatform } from './kubernetes';
import { KubernetesFlareGateway } from './kubernetes/flare';
import { KubernetesJobRunner } from './kubernetes/jobs';
import { LocalPlatform, type LocalGpuInventory } from './local';
import { LocalQuotaAdmission } from './local/admission';
import { LocalFlareGateway } from './local/flare';
import { LocalJobRunner } from './local/jobs';
import { createResourceReader } from './resources';
import { NvidiaSmiReader, detectNvidiaSmi } from './resources/nvidia';
import { SlurmJobRunner } from './slurm';
import type { GpuReader, Platform } from './types';

export type { Platform } from './types';
export type { FlareGateway } from './flare';
export type { JobAdapters, JobAdmission, JobRunner } from './jobs';

/** Everything that touches the world, chosen once at start-up: features never ask which they got. */
export interface Adapters {
  platform: Platform;
  jobs: JobAdapters;
  flare: FlareGateway;
}

/** The Jupyter server's pid, whose process tree is the notebook: HOTSTEPPER_ROOT_PID, else our parent. */
export function jupyterRootPid(
  env: NodeJS.ProcessEnv = process.env,
  parent = process.ppid
): number {
  return Number(env.HOTSTEPPER_ROOT_PID) || parent;
}

/** The platform, the job runner with its admission, and the flare gateway, from the admin's config. */
export async function createAdapters(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
  log?: FastifyBaseLogger
): Promise<Adapters> {
  // Looked for once: without nvidia-smi there is no GPU reader and the GPU features disappear.
  const smi = await detectNvidiaSmi(env);
  const gpus = smi
    ? new NvidiaSmiReader(smi, log ? { onError: err => log.warn(err.message) } : {})
    : undefined;
  const platform = await createPlatform(config, { env, gpus });
  return {
    platform,
    jobs: createJobs(config, { platform, env, log, gpus }),
    flare: createFlareGateway(config, { platform, env, log })
  };
}

export interface PlatformOptions {
  env?: NodeJS.ProcessEnv;
  /** Default: our parent (see jupyterRootPid). */
  rootPid?: number;
  /** This machine's GPUs (nvidia-smi), when it has any. */
  gpus?: GpuReader & LocalGpuInventory;
}

/** The platform: `auto` is kubernetes inside a pod, else local. */
export async function createPlatform(
  config: Config,
  { env = process.env, rootPid = process.ppid, gpus }: PlatformOptions = {}
): Promise<Platform> {
  const name =
    config.platform === 'auto'
      ? env.KUBERNETES_SERVICE_HOST
        ? 'kubernetes'
        : 'local'
      : config.platform;
  const resources = await createResourceReader({
    prefer: config.usage.source,
    inContainer: name === 'kubernetes',
    rootPid: jupyterRootPid(env, rootPid),
    env
  });
  return name === 'kubernetes'
    ? new KubernetesPlatform(resources, env, undefined, gpus)
    : new LocalPlatform(resources, gpus, gpus);
}

export interface AdapterOptions {
  platform: Platform;
  env?: NodeJS.ProcessEnv;
  log?: FastifyBaseLogger;
  /** This machine's GPUs, for jobs run on it. */
  gpus?: LocalGpuInventory;
}

/**
 * The job runner the admin chose (`auto` runs jobs where the notebook runs), with its
 * admission: a scheduler queues its own jobs; on this machine they wait for the local quota.
 */
export function createJobs(
  config: Config,
  { platform, env = process.env, log, gpus }: AdapterOptions
): JobAdapters {
  const options = { config: config.jobs, env, log };
  const runner = config.jobs.runner === 'auto' ? platform.name : config.jobs.runner;
  switch (runner) {
    case 'slurm': {
      const slurm = new SlurmJobRunner(options);
      return { runner: slurm, admission: new SchedulerAdmission(slurm) };
    }
    case 'kubernetes': {
      const kubernetes = new KubernetesJobRunner(options);
      return { runner: kubernetes, admission: new SchedulerAdmission(kubernetes) };
    }
    default:
      return {
        runner: new LocalJobRunner({ ...options, gpus }),
        admission: new LocalQuotaAdmission(config.jobs.quota, platform.resources)
      };
  }
}

/** Where exposures are served: the backend's own reverse proxy, or Ingresses. */
export function createFlareGateway(
  config: Config,
  { platform, env = process.env, log }: AdapterOptions
): FlareGateway {
  const options = { config: config.flare, env, log };
  return platform.name === 'kubernetes'
    ? new KubernetesFlareGateway(options)
    : new LocalFlareGateway(options);
}
