import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { spawn } from 'node:child_process';
import {
  ProcTreeReader,
  parseStat,
  processTree,
  readStats,
  readTree,
  type ProcStat
} from '../src/platform/resources/proc';
import { fixture } from './helpers';

/** A /proc/<pid>/stat line as the kernel writes it (52 fields), with the fields we read set. */
function statLine(
  pid: number,
  comm: string,
  ppid: number,
  utime: number,
  stime: number,
  rss: number
): string {
  return (
    `${pid} (${comm}) S ${ppid} ${pid} ${pid} 34816 ${pid} 4194304 9120 0 3 0 ${utime} ${stime} 7 9 20 0 4 0 ` +
    `81234 1189888000 ${rss} 18446744073709551615 94571 94630 140731 0 0 0 0 16781312 134235139 0 0 0 17 2 0 0 0 0 0 ` +
    `94650 94652 94653 140733 140734 140734 140735 0\n`
  );
}

describe('parseStat', () => {
  it('reads pid, ppid, utime+stime and rss when the command holds spaces and parentheses', () => {
    expect(parseStat(statLine(1234, 'my (weird) cmd', 1, 1500, 250, 32768))).toEqual({
      pid: 1234,
      ppid: 1,
      ticks: 1750,
      rss: 32768
    });
  });

  it('is not fooled by a command that looks like the start of the fields', () => {
    // A process may name itself anything up to 15 bytes, including ") R 1 2 3".
    expect(parseStat(statLine(77, ') R 1 2 3 4', 5, 10, 20, 30))).toEqual({
      pid: 77,
      ppid: 5,
      ticks: 30,
      rss: 30
    });
  });

  it('does not count the time of waited-for children (cutime, cstime)', () => {
    // In statLine cutime=7 and cstime=9: they must not be in ticks.
    expect(parseStat(statLine(10, 'bash', 1, 100, 50, 1))?.ticks).toBe(150);
  });

  it('reads a real stat file from the fixture', () => {
    const text = readFileSync(fixture('proc-tree/proc/91/stat'), 'utf8');
    expect(parseStat(text)).toEqual({ pid: 91, ppid: 88, ticks: 400, rss: 4096 });
  });

  it('refuses text without a command in parentheses', () => {
    expect(parseStat('')).toBeUndefined();
    expect(parseStat('1234 bash S 1 2 3')).toBeUndefined();
  });
});

describe('processTree', () => {
  const s = (pid: number, ppid: number): ProcStat => ({ pid, ppid, ticks: pid, rss: pid });
  const stats = [
    s(1, 0),
    s(7, 1),
    s(45, 7),
    s(3, 45),
    s(88, 7),
    s(91, 88),
    s(30, 1),
    s(31, 30),
    s(500, 31)
  ];

  it('takes the root and all its descendants, whatever their pid order, and no siblings', () => {
    const pids = processTree(stats, 7).map(p => p.pid);
    expect(pids.sort((a, b) => a - b)).toEqual([3, 7, 45, 88, 91]);
  });

  it('is just the root when it has no children', () => {
    expect(processTree(stats, 91).map(p => p.pid)).toEqual([91]);
  });

  it('is empty when the root is gone', () => {
    expect(processTree(stats, 4242)).toEqual([]);
  });
});

describe('ProcTreeReader over a fixture /proc', () => {
  const root = fixture('proc-tree');
  // The tree under pid 7 (jupyter-lab): itself, a kernel (45) and its child (3, a lower pid),
  // a terminal (88) running "my (weird) cmd" (91), and the backend (60).
  // Not: init (1), sshd (30) and its child cron (31); 120 exited before its stat was read.
  const tree = [
    { utime: 1520, stime: 310, rss: 51200 },
    { utime: 8000, stime: 1200, rss: 262144 },
    { utime: 50, stime: 50, rss: 2048 },
    { utime: 12, stime: 8, rss: 1024 },
    { utime: 300, stime: 100, rss: 4096 },
    { utime: 200, stime: 50, rss: 20480 }
  ];

  it('sums (utime + stime) / 100 seconds and rss × 4096 bytes over the tree', async () => {
    const reader = new ProcTreeReader(7, root, {});
    expect(reader.source).toBe('proc');
    const counters = await reader.read();
    const ticks = tree.reduce((sum, p) => sum + p.utime + p.stime, 0);
    const pages = tree.reduce((sum, p) => sum + p.rss, 0);
    expect(counters.cpuSeconds).toBeCloseTo(ticks / 100, 9);
    expect(counters.memoryBytes).toBe(pages * 4096);
  });

  it('reads only the subtree it is given', async () => {
    const counters = await new ProcTreeReader(88, root, {}).read();
    expect(counters.cpuSeconds).toBeCloseTo((12 + 8 + 300 + 100) / 100, 9);
    expect(counters.memoryBytes).toBe((1024 + 4096) * 4096);
  });

  it('reads nothing when the root process is gone', async () => {
    const counters = await new ProcTreeReader(99999, root, {}).read();
    expect(counters.cpuSeconds).toBe(0);
    expect(counters.memoryBytes).toBe(0);
  });

  it('has the environment limits, else the host, as its limits', async () => {
    expect(
      await new ProcTreeReader(7, root, { CPU_LIMIT: '2', MEM_LIMIT: '1000000' }).limits()
    ).toEqual({
      cpu: { value: 2, source: 'env' },
      memory: { value: 1000000, source: 'env' }
    });
    expect(await new ProcTreeReader(7, root, {}).limits()).toEqual({
      cpu: { value: cpus().length, source: 'host' },
      memory: { value: totalmem(), source: 'host' }
    });
  });
});

describe('ProcTreeReader over the real /proc', () => {
  it("reports this process's resident memory", async () => {
    const { memoryBytes } = await new ProcTreeReader(process.pid).read();
    const rss = process.memoryUsage().rss;
    expect(memoryBytes).toBeGreaterThan(0);
    // Same figure from another source: catches a wrong page size or unit.
    expect(memoryBytes).toBeGreaterThan(rss / 2);
    expect(memoryBytes).toBeLessThan(rss * 2);
  });

  it('sees CPU time grow after busy work', async () => {
    const reader = new ProcTreeReader(process.pid);
    const before = await reader.read();
    // Burn at least 200 ms of CPU (measured by the kernel, not by a clock).
    const start = process.cpuUsage();
    let x = 0;
    while (process.cpuUsage(start).user < 200_000) {
      for (let i = 0; i < 100_000; i++) {
        x += Math.sqrt(i);
      }
    }
    expect(x).toBeGreaterThan(0);
    const after = await reader.read();
    expect(after.cpuSeconds).toBeGreaterThan(before.cpuSeconds);
    // Clock ticks are 10 ms: 200 ms of user time must show as well over 0.1 s.
    expect(after.cpuSeconds - before.cpuSeconds).toBeGreaterThan(0.1);
    expect(after.at).toBeGreaterThan(before.at);
  });

  it('finds the same tree from the children files as from every process on the machine', async () => {
    // A child and a grandchild, so the walk goes two levels down.
    const child = spawn('sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore', detached: true });
    try {
      let byChildren: number[] = [];
      let byScan: number[] = [];
      for (let i = 0; i < 100 && byChildren.length < 2; i++) {
        await new Promise(r => setTimeout(r, 20));
        byChildren = (readTree('/proc', child.pid!) ?? []).map(s => s.pid).sort();
      }
      byScan = processTree(await readStats('/proc'), child.pid!)
        .map(s => s.pid)
        .sort();
      expect(byChildren).toHaveLength(2);
      expect(byChildren).toEqual(byScan);
      expect(readTree('/proc', process.pid)!.map(s => s.pid)).toContain(child.pid);
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
    }
  });
});
