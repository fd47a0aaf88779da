import type { ResourceReader } from '../types';
import { CgroupReader, cgroupLimits, locateCgroup } from './cgroup';
import { ProcTreeReader } from './proc';

export interface ResourceReaderOptions {
  /** `auto`: the cgroup when it is the container's own (it has a limit, or we are in a pod), else /proc. */
  prefer: 'auto' | 'cgroup' | 'proc';
  /** The process whose tree /proc sampling sums up (the Jupyter server). */
  rootPid: number;
  /** True when the cgroup is known to be the notebook container's. */
  inContainer: boolean;
  rootfs?: string;
  env?: NodeJS.ProcessEnv;
}

export async function createResourceReader(
  options: ResourceReaderOptions
): Promise<ResourceReader> {
  const { rootfs = '', env = process.env } = options;
  const procReader = () => new ProcTreeReader(options.rootPid, rootfs, env);
  if (options.prefer === 'proc') {
    return procReader();
  }
  const loc = await locateCgroup(rootfs);
  if (!loc) {
    return procReader();
  }
  if (options.prefer === 'cgroup' || options.inContainer) {
    return new CgroupReader(loc, env);
  }
  // On a laptop the cgroup is a whole login session: only a limited one is the notebook's.
  const limits = await cgroupLimits(loc);
  return limits.cpu !== undefined || limits.memory !== undefined
    ? new CgroupReader(loc, env)
    : procReader();
}

export { CgroupReader, locateCgroup, cgroupLimits } from './cgroup';
export { ProcTreeReader, parseStat, processTree } from './proc';
export { envLimits, resolveLimits } from './limits';
