import { join, posix } from 'node:path';
import type { UsageSource } from '@hotstepper/api';
import type { ResourceCounters, ResourceLimits, ResourceReader } from '../types';
import { exists, monotonicSeconds, parseKeyValues, readKernelFile, readText } from './files';
import { resolveLimits } from './limits';

/** Beyond this a v1 memory limit means "unlimited" (the kernel reports ~2^63). */
const V1_UNLIMITED = 2 ** 60;

interface Mount {
  fstype: string;
  root: string;
  mountPoint: string;
  superOptions: string[];
}

/** Where this process's cgroup lives, per controller. */
export interface CgroupLocation {
  version: 1 | 2;
  /** v2: the one directory; v1: a directory per controller. */
  cpu: string;
  cpuacct: string;
  memory: string;
}

function parseMountInfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) {
      continue;
    }
    const pre = line.slice(0, sep).split(' ');
    const post = line.slice(sep + 3).split(' ');
    mounts.push({
      root: pre[3],
      mountPoint: pre[4],
      fstype: post[0],
      superOptions: (post[2] ?? '').split(',')
    });
  }
  return mounts;
}

/**
 * The cgroup directory for `path` under `mount`: the mount point plus the
 * path relative to the mount's root, or the mount point itself inside a
 * container that mounts its own cgroup at the top without a cgroup namespace.
 */
async function resolveDir(rootfs: string, mount: Mount, path: string): Promise<string> {
  const rel = posix.relative(mount.root, path);
  const candidate = join(rootfs, mount.mountPoint, rel.startsWith('..') ? '' : rel);
  return (await exists(candidate)) ? candidate : join(rootfs, mount.mountPoint);
}

/** Finds this process's cgroup: v2 when its memory controller is there, else v1. */
export async function locateCgroup(rootfs = ''): Promise<CgroupLocation | undefined> {
  const [cgroupText, mountText] = await Promise.all([
    readText(join(rootfs, '/proc/self/cgroup')),
    readText(join(rootfs, '/proc/self/mountinfo'))
  ]);
  if (!cgroupText || !mountText) {
    return undefined;
  }
  const mounts = parseMountInfo(mountText);
  const paths = new Map<string, string>();
  for (const line of cgroupText.trim().split('\n')) {
    const [id, controllers, ...rest] = line.split(':');
    const path = rest.join(':');
    if (id === '0' && controllers === '') {
      paths.set('', path);
    }
    for (const c of controllers.split(',')) {
      if (c) {
        paths.set(c, path);
      }
    }
  }

  const v2mount = mounts.find(m => m.fstype === 'cgroup2');
  if (v2mount && paths.has('')) {
    const dir = await resolveDir(rootfs, v2mount, paths.get('')!);
    if (await exists(join(dir, 'memory.current'))) {
      return { version: 2, cpu: dir, cpuacct: dir, memory: dir };
    }
  }

  const v1dir = async (controller: string) => {
    const mount = mounts.find(m => m.fstype === 'cgroup' && m.superOptions.includes(controller));
    const path = paths.get(controller);
    return mount && path !== undefined ? resolveDir(rootfs, mount, path) : undefined;
  };
  const [cpu, cpuacct, memory] = await Promise.all([
    v1dir('cpu'),
    v1dir('cpuacct'),
    v1dir('memory')
  ]);
  if (cpuacct && memory) {
    return { version: 1, cpu: cpu ?? cpuacct, cpuacct, memory };
  }
  return undefined;
}

/** The per-sample reads are synchronous (see readKernelFile). */
const readNow = (path: string) => readKernelFile(path, { strict: true });

async function readNumber(path: string): Promise<number | undefined> {
  const text = readNow(path)?.trim();
  return text && /^-?\d+$/.test(text) ? Number(text) : undefined;
}

/** The limits the cgroup itself sets (undefined where it sets none). */
export async function cgroupLimits(
  loc: CgroupLocation
): Promise<{ cpu?: number; memory?: number }> {
  if (loc.version === 2) {
    const cpuMax = readNow(join(loc.cpu, 'cpu.max'));
    const memMax = readNow(join(loc.memory, 'memory.max'));
    const [quota, period] = (cpuMax ?? 'max').trim().split(/\s+/);
    const mem = (memMax ?? 'max').trim();
    return {
      cpu: quota !== 'max' && Number(period) > 0 ? Number(quota) / Number(period) : undefined,
      memory: mem !== 'max' && /^\d+$/.test(mem) ? Number(mem) : undefined
    };
  }
  const [quota, period, mem] = await Promise.all([
    readNumber(join(loc.cpu, 'cpu.cfs_quota_us')),
    readNumber(join(loc.cpu, 'cpu.cfs_period_us')),
    readNumber(join(loc.memory, 'memory.limit_in_bytes'))
  ]);
  return {
    cpu: quota !== undefined && quota > 0 && period ? quota / period : undefined,
    memory: mem !== undefined && mem < V1_UNLIMITED ? mem : undefined
  };
}

/**
 * Usage of the whole container from its cgroup. Memory is the working set
 * (usage less inactive file cache), the figure the kubelet evicts on.
 */
export class CgroupReader implements ResourceReader {
  readonly source: UsageSource;

  constructor(
    private readonly loc: CgroupLocation,
    private readonly env: NodeJS.ProcessEnv = process.env
  ) {
    this.source = loc.version === 2 ? 'cgroup2' : 'cgroup1';
  }

  async read(): Promise<ResourceCounters> {
    const v2 = this.loc.version === 2;
    const cpuText = v2 ? readNow(join(this.loc.cpuacct, 'cpu.stat')) : undefined;
    const memCurrent = await readNumber(
      join(this.loc.memory, v2 ? 'memory.current' : 'memory.usage_in_bytes')
    );
    const memStatText = readNow(join(this.loc.memory, 'memory.stat'));
    const cpuSeconds = v2
      ? (parseKeyValues(cpuText ?? '').get('usage_usec') ?? 0) / 1e6
      : ((await readNumber(join(this.loc.cpuacct, 'cpuacct.usage'))) ?? 0) / 1e9;
    const stat = parseKeyValues(memStatText ?? '');
    const inactive = (v2 ? stat.get('inactive_file') : stat.get('total_inactive_file')) ?? 0;
    return {
      at: monotonicSeconds(),
      cpuSeconds,
      memoryBytes: Math.max(0, (memCurrent ?? 0) - inactive)
    };
  }

  async limits(): Promise<ResourceLimits> {
    return resolveLimits(await cgroupLimits(this.loc), this.env);
  }
}
