import { readdirSync } from 'node:fs';
import type { UsageSource } from '@hotstepper/api';
import { join } from 'node:path';
import type { ResourceCounters, ResourceLimits, ResourceReader } from '../types';
import { monotonicSeconds, readKernelFile } from './files';
import { resolveLimits } from './limits';

/** USER_HZ and the page size: the same on every Linux the platform runs on. */
export const CLOCK_TICKS = 100;
export const PAGE_SIZE = 4096;

export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, in clock ticks. */
  ticks: number;
  /** Resident pages. */
  rss: number;
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses. */
export function parseStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) {
    return undefined;
  }
  // Fields after the name start at field 3 (state); see proc(5).
  const f = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const num = (field: number) => Number(f[field - 3]);
  return {
    pid: Number(text.slice(0, open).trim()),
    ppid: num(4),
    ticks: num(14) + num(15),
    rss: num(24)
  };
}

/** Every process's stat under `procDir`; a process that exits while being read is skipped. */
export async function readStats(procDir: string): Promise<ProcStat[]> {
  const stats: ProcStat[] = [];
  for (const pid of readdirSync(procDir)) {
    if (!/^\d+$/.test(pid)) {
      continue;
    }
    // A process may exit between readdir and read: that is not an error.
    const text = readKernelFile(join(procDir, pid, 'stat'));
    const stat = text ? parseStat(text) : undefined;
    if (stat) {
      stats.push(stat);
    }
  }
  return stats;
}

/**
 * The process and its descendants from each thread's `task/<tid>/children` (Linux ≥ 3.5 with
 * CONFIG_PROC_CHILDREN): only the tree's own files are read, not every process on the
 * machine. Undefined where the kernel has no such files.
 */
export function readTree(procDir: string, rootPid: number): ProcStat[] | undefined {
  const out: ProcStat[] = [];
  const queue = [rootPid];
  const seen = new Set<number>();
  while (queue.length) {
    const pid = queue.shift()!;
    if (seen.has(pid)) {
      continue;
    }
    seen.add(pid);
    const text = readKernelFile(join(procDir, String(pid), 'stat'));
    const stat = text ? parseStat(text) : undefined;
    if (!stat) {
      continue; // gone since its parent listed it
    }
    out.push(stat);
    let tasks: string[] = [];
    try {
      tasks = readdirSync(join(procDir, String(pid), 'task'));
    } catch {
      // gone, or no task folders (handled below for the root)
    }
    const main = readKernelFile(join(procDir, String(pid), 'task', String(pid), 'children'));
    if (pid === rootPid && main === undefined) {
      return undefined;
    }
    for (const tid of tasks) {
      const children =
        tid === String(pid)
          ? main
          : readKernelFile(join(procDir, String(pid), 'task', tid, 'children'));
      if (children === undefined) {
        continue;
      }
      for (const child of children.split(' ')) {
        if (child.trim()) {
          queue.push(Number(child));
        }
      }
    }
  }
  return out;
}

/** The process and all its descendants. */
export function processTree(stats: ProcStat[], rootPid: number): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) {
    children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  }
  const root = stats.find(s => s.pid === rootPid);
  const out: ProcStat[] = [];
  const queue = root ? [root] : [];
  while (queue.length) {
    const s = queue.shift()!;
    out.push(s);
    queue.push(...(children.get(s.pid) ?? []));
  }
  return out;
}

/**
 * Usage of one process tree (the Jupyter server, its kernels and terminals)
 * from /proc, for machines where the cgroup is not the notebook's own.
 */
export class ProcTreeReader implements ResourceReader {
  readonly source: UsageSource = 'proc';

  constructor(
    private readonly rootPid: number,
    private readonly rootfs = '',
    private readonly env: NodeJS.ProcessEnv = process.env
  ) {}

  /** Whether this kernel lists children per thread; else every process is read (see readTree). */
  private childrenFiles = true;
  private limitsFound?: ResourceLimits;

  async read(): Promise<ResourceCounters> {
    const procDir = join(this.rootfs, '/proc');
    let tree = this.childrenFiles ? readTree(procDir, this.rootPid) : undefined;
    if (!tree) {
      this.childrenFiles = false;
      tree = processTree(await readStats(procDir), this.rootPid);
    }
    return {
      at: monotonicSeconds(),
      cpuSeconds: tree.reduce((sum, s) => sum + s.ticks, 0) / CLOCK_TICKS,
      memoryBytes: tree.reduce((sum, s) => sum + s.rss, 0) * PAGE_SIZE
    };
  }

  /** Found once: the environment and the host's CPUs and memory do not change while we run. */
  async limits(): Promise<ResourceLimits> {
    this.limitsFound ??= resolveLimits({}, this.env);
    return this.limitsFound;
  }
}
