/**
 * The local quota: what all running jobs together may take on this machine. A job that does
 * not fit waits, in submission order; one bigger than the whole quota is refused.
 */
import type { JobQuota, JobResources } from '@hotstepper/api';
import type { Config } from '../../config';
import { JobInputError, type JobAdmission } from '../jobs';
import type { ResourceReader } from '../types';

const GiB = 1024 ** 3;

export interface LocalQuota {
  cpu: number;
  /** Bytes. */
  memory: number;
  /** Undefined: no limit on GPUs. */
  gpus?: number;
}

export interface Usage {
  cpu: number;
  memory: number;
  gpus: number;
}

/** What the given jobs take together. */
export function usageOf(jobs: Iterable<JobResources>): Usage {
  const used: Usage = { cpu: 0, memory: 0, gpus: 0 };
  for (const r of jobs) {
    used.cpu += r.cpu;
    used.memory += r.memory;
    used.gpus += r.gpu?.count ?? 0;
  }
  return used;
}

const cores = (n: number) => String(Math.round(n * 100) / 100);
const gib = (bytes: number) => `${cores(bytes / GiB)} GiB`;

/** Why a job can never fit, or undefined when it can. */
export function neverFits(job: JobResources, quota: LocalQuota): string | undefined {
  if (job.cpu > quota.cpu) {
    return `resources.cpu: ${cores(job.cpu)} is more than the ${cores(quota.cpu)} CPU all jobs together may use here`;
  }
  if (job.memory > quota.memory) {
    return `resources.memory: ${gib(job.memory)} is more than the ${gib(quota.memory)} all jobs together may use here`;
  }
  if (quota.gpus !== undefined && (job.gpu?.count ?? 0) > quota.gpus) {
    return `resources.gpu.count: ${job.gpu!.count} is more than the ${quota.gpus} GPUs all jobs together may use here`;
  }
  return undefined;
}

/** Why a job must wait with `used` taken now ("waiting for 1.5 CPU: 3 of 4 in use"), or undefined. */
export function mustWait(job: JobResources, used: Usage, quota: LocalQuota): string | undefined {
  if (used.cpu + job.cpu > quota.cpu + 1e-9) {
    return `waiting for ${cores(job.cpu)} CPU: ${cores(used.cpu)} of ${cores(quota.cpu)} in use`;
  }
  if (used.memory + job.memory > quota.memory) {
    return `waiting for ${gib(job.memory)} memory: ${gib(used.memory)} of ${gib(quota.memory)} in use`;
  }
  const gpus = job.gpu?.count ?? 0;
  if (quota.gpus !== undefined && gpus && used.gpus + gpus > quota.gpus) {
    return `waiting for ${gpus} GPU: ${used.gpus} of ${quota.gpus} in use`;
  }
  return undefined;
}

/** The local quota in the wire's form. */
export function quotaBody(quota: LocalQuota, used: Usage): JobQuota {
  return {
    source: 'local',
    cpu: { used: used.cpu, limit: quota.cpu },
    memory: { used: used.memory, limit: quota.memory },
    ...(quota.gpus !== undefined ? { gpu: { used: used.gpus, limit: quota.gpus } } : {})
  };
}

/**
 * The local runner's admission: jobs start in submission order while they fit in the admin's
 * `jobs.quota`, which defaults to the notebook's own limits.
 */
export class LocalQuotaAdmission implements JobAdmission {
  private limits?: Promise<LocalQuota>;

  constructor(
    private readonly config: Config['jobs']['quota'],
    private readonly resources: Pick<ResourceReader, 'limits'>
  ) {}

  /** The admin's quota, the notebook's limits filling what it leaves out; read once. */
  local(): Promise<LocalQuota> {
    return (this.limits ??= (async () => {
      const q = this.config;
      let cpu = q.cpu;
      let memory = q.memoryGiB === undefined ? undefined : Math.round(q.memoryGiB * GiB);
      if (cpu === undefined || memory === undefined) {
        const limits = await this.resources.limits();
        cpu ??= limits.cpu.value;
        memory ??= limits.memory.value;
      }
      return { cpu, memory, ...(q.gpus !== undefined ? { gpus: q.gpus } : {}) };
    })());
  }

  async ceiling(): Promise<{ cpu: number; memory: number }> {
    const { cpu, memory } = await this.local();
    return { cpu, memory };
  }

  async refuse(job: JobResources): Promise<void> {
    const never = neverFits(job, await this.local());
    if (never) {
      throw new JobInputError(never);
    }
  }

  async wait(job: JobResources, taken: JobResources[]): Promise<string | undefined> {
    return mustWait(job, usageOf(taken), await this.local());
  }

  async quota(taken: JobResources[]): Promise<JobQuota> {
    return quotaBody(await this.local(), usageOf(taken));
  }
}
