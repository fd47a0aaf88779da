import type { Config } from '../config';
import { KubernetesPlatform } from './kubernetes';
import { LocalPlatform } from './local';
import { createResourceReader } from './resources';
import { NvidiaSmiReader, detectNvidiaSmi } from './resources/nvidia';
import type { Platform } from './types';

export type { Platform } from './types';

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
