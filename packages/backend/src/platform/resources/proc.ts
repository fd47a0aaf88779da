import { readdir } from 'node:fs/promises';
import type { UsageSource } from '@hotstepper/api';
import { join } from 'node:path';
import type { ResourceCounters, ResourceLimits, ResourceReader } from '../types';
import { monotonicSeconds, readText } from './files';
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
  const pids = (await readdir(procDir)).filter(name => /^\d+$/.test(name));
  const stats = await Promise.all(
    pids.map(async pid => {
      // A process may exit between readdir and read: that is not an error.
      const text = await readText(join(procDir, pid, 'stat')).catch(() => undefined);
      return text ? parseStat(text) : undefined;
    })
  );
  return stats.filter((s): s is ProcStat => s !== undefined);
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

  async read(): Promise<ResourceCounters> {
    const tree = processTree(await readStats(join(this.rootfs, '/proc')), this.rootPid);
    return {
      at: monotonicSeconds(),
      cpuSeconds: tree.reduce((sum, s) => sum + s.ticks, 0) / CLOCK_TICKS,
      memoryBytes: tree.reduce((sum, s) => sum + s.rss, 0) * PAGE_SIZE
    };
  }

  async limits(): Promise<ResourceLimits> {
    return resolveLimits({}, this.env);
  }
}
