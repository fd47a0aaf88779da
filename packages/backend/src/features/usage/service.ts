import type { UsageSnapshot } from '@hotstepper/api';
import type { FastifyBaseLogger } from 'fastify';
import type { Platform, ResourceCounters } from '../../platform/types';
import type { Store } from '../../store';

export interface SamplerOptions {
  intervalSeconds: number;
  retentionHours: number;
  log: FastifyBaseLogger;
}

/** How long the first CPU rate is measured over, so the first answer comes quickly. */
const FIRST_INTERVAL_MS = 250;
const PRUNE_EVERY_MS = 3600_000;

/**
 * Samples the platform's resources in the background and keeps the latest
 * snapshot in memory: requests are answered from memory, never by sampling
 * (jupyter-resource-usage's per-request sampling costs ~300 ms a call).
 */
export class UsageSampler {
  private previous?: ResourceCounters;
  private latest?: UsageSnapshot;
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<UsageSnapshot | undefined>;
  private lastPrune = 0;
  private stopped = false;
  private readonly insert;
  private readonly prune;
  private readonly listeners: Array<(snapshot: UsageSnapshot, at: number) => void> = [];
  /** Resolves once the first snapshot exists. */
  readonly ready: Promise<void>;

  constructor(
    private readonly platform: Platform,
    store: Store,
    private readonly options: SamplerOptions
  ) {
    this.insert = store.db.prepare(
      `INSERT OR REPLACE INTO usage_sample (ts, cpu_used, cpu_limit, mem_used, mem_limit, gpu_util, gpu_mem)
       VALUES (?, ?, ?, ?, ?, ?, ?)`
    );
    this.prune = store.db.prepare('DELETE FROM usage_sample WHERE ts < ?');
    this.ready = this.start();
  }

  private async start(): Promise<void> {
    await this.sample();
    await new Promise(resolve => setTimeout(resolve, FIRST_INTERVAL_MS));
    await this.sample();
    if (this.stopped) {
      return;
    }
    // takeSample has logged a failure; unhandled, the rejection would end the process.
    this.timer = setInterval(
      () => void this.sample().catch(() => undefined),
      this.options.intervalSeconds * 1000
    );
    this.timer.unref();
  }

  /** Calls `listener` after each stored sample (history rollups, idle segments…). */
  onSample(listener: (snapshot: UsageSnapshot, at: number) => void): void {
    this.listeners.push(listener);
  }

  /** The latest snapshot, or undefined before the first two readings. */
  get snapshot(): UsageSnapshot | undefined {
    return this.latest;
  }

  /** Takes a reading now; concurrent callers share one. */
  sample(): Promise<UsageSnapshot | undefined> {
    this.inFlight ??= this.takeSample().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async takeSample(): Promise<UsageSnapshot | undefined> {
    const { resources } = this.platform;
    try {
      const [counters, limits, gpus] = await Promise.all([
        resources.read(),
        resources.limits(),
        this.platform.gpus?.read()
      ]);
      const previous = this.previous;
      this.previous = counters;
      if (!previous || counters.at <= previous.at) {
        return this.latest;
      }
      // A process that exits takes its CPU time with it: never report a negative rate.
      const cpuUsed = Math.max(
        0,
        (counters.cpuSeconds - previous.cpuSeconds) / (counters.at - previous.at)
      );
      const now = Date.now();
      this.latest = {
        sampledAt: new Date(now).toISOString(),
        source: resources.source,
        cpu: { used: cpuUsed, limit: limits.cpu.value, limitSource: limits.cpu.source },
        memory: {
          used: counters.memoryBytes,
          limit: limits.memory.value,
          limitSource: limits.memory.source
        },
        intervalSeconds: this.options.intervalSeconds,
        ...(gpus?.length ? { gpus } : {})
      };
      const gpu = gpuSummary(this.latest.gpus);
      this.insert.run(
        now,
        cpuUsed,
        limits.cpu.value,
        counters.memoryBytes,
        limits.memory.value,
        gpu?.utilization ?? null,
        gpu?.memoryUsed ?? null
      );
      for (const listener of this.listeners) {
        try {
          listener(this.latest, now);
        } catch (err) {
          this.options.log.error({ err }, 'a usage listener failed');
        }
      }
      if (now - this.lastPrune > PRUNE_EVERY_MS) {
        this.prune.run(now - this.options.retentionHours * 3600_000);
        this.lastPrune = now;
      }
      return this.latest;
    } catch (err) {
      this.options.log.error({ err }, 'usage sampling failed');
      throw err;
    }
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }
}

/** All the notebook's GPUs as one: mean utilisation of those that report it, memory summed. */
export function gpuSummary(
  gpus: UsageSnapshot['gpus']
): { utilization: number | null; memoryUsed: number; memoryTotal: number } | undefined {
  if (!gpus?.length) {
    return undefined;
  }
  const reported = gpus.filter(g => g.utilization !== null).map(g => g.utilization as number);
  return {
    utilization: reported.length ? reported.reduce((a, b) => a + b, 0) / reported.length : null,
    memoryUsed: gpus.reduce((sum, g) => sum + g.memoryUsed, 0),
    memoryTotal: gpus.reduce((sum, g) => sum + g.memoryTotal, 0)
  };
}
