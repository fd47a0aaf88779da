import type { Config } from '../config';
import { KubernetesPlatform } from './kubernetes';
import { LocalPlatform } from './local';
import { createResourceReader } from './resources';
import type { Platform } from './types';

export type { Platform } from './types';

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
    rootPid: Number(env.HOTSTEPPER_ROOT_PID) || rootPid,
    env
  });
  return name === 'kubernetes'
    ? new KubernetesPlatform(resources, env)
    : new LocalPlatform(resources);
}
