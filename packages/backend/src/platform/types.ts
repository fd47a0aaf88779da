import type {
  GpuInventory,
  GpuUsage,
  LimitSource,
  PlatformName,
  UsageSource
} from '@hotstepper/api';

/** Cumulative counters read at one moment. */
export interface ResourceCounters {
  /** Monotonic time of the reading, in seconds. */
  at: number;
  /** CPU time consumed so far, in seconds (all cores together). */
  cpuSeconds: number;
  /** Memory in use now, in bytes. */
  memoryBytes: number;
}

export interface Limit {
  value: number;
  source: LimitSource;
}

export interface ResourceLimits {
  /** CPU cores. */
  cpu: Limit;
  /** Bytes. */
  memory: Limit;
}

/** The notebook container's (or process tree's) resources. */
export interface ResourceReader {
  readonly source: UsageSource;
  read(): Promise<ResourceCounters>;
  limits(): Promise<ResourceLimits>;
}

/** The notebook's own GPUs (nvidia-smi), present only where one exists. */
export interface GpuReader {
  read(): Promise<GpuUsage[]>;
}

/**
 * The one seam between features and the world they run in. A feature
 * depends on this interface, never on an adapter.
 */
export interface Platform {
  readonly name: PlatformName;
  readonly resources: ResourceReader;
  /** Undefined when the notebook has no GPU: GPU features then disappear. */
  readonly gpus?: GpuReader;
  /** Free / total GPUs per model on the platform (cluster nodes, or this machine). */
  gpuInventory(): Promise<GpuInventory>;
  /** What a person would want to know about where this runs (pod, namespace…). */
  describe(): Record<string, string>;
}
