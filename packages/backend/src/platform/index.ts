import type { Config } from '../config';
import { KubernetesPlatform } from './kubernetes';
import { LocalPlatform } from './local';
import { createResourceReader } from './resources';
import { NvidiaSmiReader, detectNvidiaSmi } from './resources/nvidia';
import type { FastifyBaseLogger } from 'fastify';
import type { FlareGateway } from './flare';
import type { JobRunner } from './jobs';
import { KubernetesFlareGateway } from './kubernetes/flare';
import { KubernetesJobRunner } from './kubernetes/jobs';
import { LocalFlareGateway } from './local/flare';
import { LocalJobRunner } from './local/jobs';
import { SlurmJobRunner } from './slurm';
import type { Platform } from './types';

export type { Platform } from './types';
export type { FlareGateway } from './flare';
export type { JobRunner } from './jobs';

/** The Jupyter server's pid, whose process tree is the notebook: HOTSTEPPER_ROOT_PID, else our parent. */
export function jupyterRootPid(
  env: NodeJS.ProcessEnv = process.env,
  parent = process.ppid
): number {
  return Number(env.HOTSTEPPER_ROOT_PID) || parent;
}

/** Chooses the adapter once, at start-up: features never ask which one they got. */
export async function createPlatform(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
  rootPid = process.ppid
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
  // Looked for once: without nvidia-smi there is no GPU reader and the GPU features disappear.
  const smi = await detectNvidiaSmi(env);
  const gpus = smi ? new NvidiaSmiReader(smi) : undefined;
  return name === 'kubernetes'
    ? new KubernetesPlatform(resources, env, undefined, gpus)
    : new LocalPlatform(resources, gpus, gpus);
}

/** The job runner the admin chose; `auto` runs jobs where the notebook runs. */
export function createJobRunner(
  config: Config,
  platform: Pick<Platform, 'name'>,
  env: NodeJS.ProcessEnv = process.env,
  log?: FastifyBaseLogger
): JobRunner {
  const options = { config: config.jobs, env, log };
  const runner = config.jobs.runner === 'auto' ? platform.name : config.jobs.runner;
  switch (runner) {
    case 'slurm':
      return new SlurmJobRunner(options);
    case 'kubernetes':
      return new KubernetesJobRunner(options);
    default:
      return new LocalJobRunner(options);
  }
}

/** Where exposures are served: the backend's own reverse proxy, or Ingresses. */
export function createFlareGateway(
  config: Config,
  platform: Pick<Platform, 'name'>,
  env: NodeJS.ProcessEnv = process.env,
  log?: FastifyBaseLogger
): FlareGateway {
  const options = { config: config.flare, env, log };
  return platform.name === 'kubernetes'
    ? new KubernetesFlareGateway(options)
    : new LocalFlareGateway(options);
}
