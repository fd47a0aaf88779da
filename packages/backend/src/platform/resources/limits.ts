import { cpus, totalmem } from 'node:os';
import type { Limit, ResourceLimits } from '../types';

/**
 * The limits KubeSpawner puts in the environment (`CPU_LIMIT` in cores,
 * `MEM_LIMIT` in bytes), used when the cgroup sets none.
 */
export function envLimits(env: NodeJS.ProcessEnv): Partial<ResourceLimits> {
  const out: Partial<ResourceLimits> = {};
  const cpu = Number(env.CPU_LIMIT);
  if (env.CPU_LIMIT && Number.isFinite(cpu) && cpu > 0) {
    out.cpu = { value: cpu, source: 'env' };
  }
  const mem = Number(env.MEM_LIMIT);
  if (env.MEM_LIMIT && Number.isFinite(mem) && mem > 0) {
    out.memory = { value: Math.floor(mem), source: 'env' };
  }
  return out;
}

/** cgroup limit, else environment, else the whole host. */
export function resolveLimits(
  cgroup: { cpu?: number; memory?: number },
  env: NodeJS.ProcessEnv
): ResourceLimits {
  const fromEnv = envLimits(env);
  const pick = (value: number | undefined, fallback: Limit | undefined, host: number): Limit =>
    value !== undefined
      ? { value, source: 'cgroup' }
      : (fallback ?? { value: host, source: 'host' });
  return {
    cpu: pick(cgroup.cpu, fromEnv.cpu, cpus().length),
    memory: pick(cgroup.memory, fromEnv.memory, totalmem())
  };
}
