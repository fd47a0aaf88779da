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

/** One process of a tree, with what it has used so far. */
export interface ProcessNode {
  pid: number;
  ppid: number;
  /** The command line; empty for a kernel thread or a zombie. */
  argv: string[];
  /** CPU time consumed so far (user + system), in seconds. */
  cpuSeconds: number;
  /** Resident memory, in bytes. */
  memoryBytes: number;
}

/** A TCP port a process listens on. */
export interface PortListener {
  port: number;
  /** e.g. "0.0.0.0", "127.0.0.1", "::", "::1". */
  address: string;
  pid: number;
  /** The command line, arguments joined by spaces. */
  command: string;
}

/** A listening TCP socket of any user (no process looked up: another user's are not ours to read). */
export interface ListeningSocket {
  port: number;
  address: string;
  uid: number;
}

export interface PortScanOptions {
  /** Whose processes count; default: ours. */
  uid?: number;
  /** Processes left out (the backend itself: its own sockets are not the user's apps). */
  excludePids?: ReadonlySet<number>;
}

/** The processes where the notebook runs. */
export interface Processes {
  /** The process and all its descendants, a parent always before its children; empty when it is gone. */
  tree(rootPid: number): Promise<ProcessNode[]>;
  /** The TCP ports processes listen on, sorted by port, one entry per address. */
  listeningPorts(options?: PortScanOptions): Promise<PortListener[]>;
  /** Every listening TCP socket on the machine with its owner's uid: whose a port is. */
  listeningSockets(): Promise<ListeningSocket[]>;
}

/**
 * The one seam between features and the world they run in. A feature
 * depends on this interface, never on an adapter.
 */
export interface Platform {
  readonly name: PlatformName;
  readonly resources: ResourceReader;
  readonly processes: Processes;
  /** Undefined when the notebook has no GPU: GPU features then disappear. */
  readonly gpus?: GpuReader;
  /** Free / total GPUs per model on the platform (cluster nodes, or this machine). */
  gpuInventory(): Promise<GpuInventory>;
  /** What a person would want to know about where this runs (pod, namespace…). */
  describe(): Record<string, string>;
}
