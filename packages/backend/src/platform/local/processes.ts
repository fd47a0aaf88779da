/** The machine's processes, read from /proc: what features ask of them, without reading it themselves. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  ListeningSocket,
  ProcessNode,
  Processes,
  PortListener,
  PortScanOptions
} from '../types';
import { CLOCK_TICKS, PAGE_SIZE, processTree, readStats } from '../resources/proc';
import { scanListeningPorts, scanListeningSockets } from './ports';

/** /proc/<pid>/cmdline: arguments separated (and ended) by NUL; empty for a kernel thread or a zombie. */
async function readCmdline(procDir: string, pid: number): Promise<string[]> {
  try {
    return (await readFile(join(procDir, String(pid), 'cmdline'), 'utf8'))
      .split('\0')
      .filter(Boolean);
  } catch {
    return []; // exited since its stat was read
  }
}

/**
 * Processes from procfs. The local platform and the Kubernetes one (which runs in the
 * notebook's pod, so its /proc is the notebook's) both use it.
 */
export class ProcProcesses implements Processes {
  /** `rootfs`: where /proc is found, '' for the real one (tests give a fixture tree). */
  constructor(private readonly rootfs = '') {}

  private get procDir(): string {
    return join(this.rootfs, '/proc');
  }

  async tree(rootPid: number): Promise<ProcessNode[]> {
    const tree = processTree(await readStats(this.procDir), rootPid);
    const argvs = await Promise.all(tree.map(s => readCmdline(this.procDir, s.pid)));
    return tree.map((s, i) => ({
      pid: s.pid,
      ppid: s.ppid,
      argv: argvs[i],
      cpuSeconds: s.ticks / CLOCK_TICKS,
      memoryBytes: s.rss * PAGE_SIZE
    }));
  }

  listeningPorts(options: PortScanOptions = {}): Promise<PortListener[]> {
    return scanListeningPorts({ ...options, proc: this.procDir });
  }

  listeningSockets(): Promise<ListeningSocket[]> {
    return scanListeningSockets(this.procDir);
  }
}
