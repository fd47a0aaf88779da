import { KernelUsageList, type KernelUsage } from '@hotstepper/api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { jupyterRootPid } from '../../platform';
import { monotonicSeconds } from '../../platform/resources/files';
import type { ProcessNode, Processes } from '../../platform/types';
import type { UsageDeps } from './deps';

/** A kernel's connection file, as every kernel is started with it: `-f …/kernel-<id>.json`. */
const CONNECTION_FILE = /(?:^|[/=])kernel-([\w-]+)\.json$/;

/**
 * The kernel id a command line carries, or undefined. ipykernel gets `-f <file>`,
 * IRkernel `--args <file>`, IJulia the bare path: any argument naming a connection file
 * counts, except a client's `--existing <file>` (`jupyter console` attaching to one).
 */
export function kernelIdOf(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--existing') {
      i++;
      continue;
    }
    const m = argv[i].startsWith('--existing=') ? null : CONNECTION_FILE.exec(argv[i]);
    if (m) {
      return m[1];
    }
  }
  return undefined;
}

export interface KernelUsageOptions {
  /** The Jupyter server, whose process tree holds the kernels. */
  rootPid: number;
  /** The platform's processes: the tree under rootPid, with command lines. */
  processes: Processes;
  /**
   * The platform's own processes besides the Jupyter server (rootPid), counted apart from the
   * user's: by default this backend.
   */
  platformPids?: number[];
  /** Monotonic seconds. */
  clock?: () => number;
  /**
   * A CPU rate is measured against a reading kept from an earlier call at least this
   * long ago, so two calls a moment apart (two browser tabs) do not measure over a few
   * clock ticks of 10 ms.
   */
  minIntervalSeconds?: number;
}

/**
 * Memory and CPU per kernel: each kernel process with its whole subtree (a
 * multiprocessing pool, an R session's children), and the rest of the Jupyter server's
 * tree as `other`. CPU is a rate between two calls, so the first call reports 0.
 */
export class KernelUsageReader {
  /** The last two readings kept to measure against, oldest first. */
  private baselines: Array<{ at: number; cpuSeconds: Map<number, number> }> = [];
  private inFlight?: Promise<KernelUsageList>;

  constructor(private readonly options: KernelUsageOptions) {}

  /** Concurrent callers share one reading. */
  read(): Promise<KernelUsageList> {
    this.inFlight ??= this.take().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async take(): Promise<KernelUsageList> {
    const { rootPid, processes, clock = monotonicSeconds, minIntervalSeconds = 1 } = this.options;
    // A parent always comes before its children.
    const tree = await processes.tree(rootPid);
    const at = clock();

    const owner = new Map<number, string>();
    tree.forEach(s => {
      if (s.pid === rootPid) {
        return; // the Jupyter server itself
      }
      const id = owner.get(s.ppid) ?? kernelIdOf(s.argv);
      if (id) {
        owner.set(s.pid, id);
      }
    });

    // The latest reading at least minIntervalSeconds old, else the oldest there is.
    const kept = this.baselines;
    const previous = [...kept].reverse().find(b => at - b.at >= minIntervalSeconds) ?? kept[0];
    const elapsed = previous ? at - previous.at : 0;
    const cpu = (s: ProcessNode) => {
      const before = previous?.cpuSeconds.get(s.pid);
      // A process new since that reading has no rate yet; a reused pid never goes below 0.
      return before === undefined || elapsed <= 0
        ? 0
        : Math.max(0, s.cpuSeconds - before) / elapsed;
    };
    const latest = kept[kept.length - 1];
    if (!latest || at - latest.at >= minIntervalSeconds) {
      this.baselines = [
        ...kept,
        { at, cpuSeconds: new Map(tree.map(s => [s.pid, s.cpuSeconds])) }
      ].slice(-2);
    }

    const kernels = new Map<string, KernelUsage>();
    const other = { cpu: 0, memory: 0 };
    const platform = { cpu: 0, memory: 0 };
    const own = new Set([rootPid, ...(this.options.platformPids ?? [process.pid])]);
    for (const s of tree) {
      const id = owner.get(s.pid);
      const entry = id
        ? (kernels.get(id) ?? { kernelId: id, pids: [], cpu: 0, memory: 0 })
        : undefined;
      const target = entry ?? (own.has(s.pid) ? platform : other);
      target.cpu += cpu(s);
      target.memory += s.memoryBytes;
      if (entry) {
        entry.pids.push(s.pid);
        kernels.set(entry.kernelId, entry);
      }
    }
    return {
      kernels: [...kernels.values()].sort((a, b) => a.kernelId.localeCompare(b.kernelId)),
      other,
      platform
    };
  }
}

/** GET /kernels: memory and CPU per kernel, for the per-kernel chart. */
export const kernelRoutes: FastifyPluginAsyncTypebox<
  UsageDeps & { kernels?: KernelUsageReader }
> = async (app, opts) => {
  const reader =
    opts.kernels ??
    new KernelUsageReader({ rootPid: jupyterRootPid(), processes: opts.platform.processes });
  app.get(
    '/kernels',
    {
      schema: {
        summary:
          "Memory and CPU of each kernel's process tree, and of the rest of the notebook; CPU is measured since the previous call",
        tags: ['usage'],
        response: { 200: KernelUsageList }
      }
    },
    async () => reader.read()
  );
};
