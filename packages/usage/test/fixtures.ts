/** Answers as the backend gives them, typed by the wire contract. */
import type {
  GpuInventory,
  HistoryRange,
  HubServerList,
  IdleStatus,
  KernelUsageList,
  SaveAllRequest,
  UsageCost,
  UsageHistory,
  UsageSnapshot
} from '@hotstepper/api';

const GiB = 1024 ** 3;
export const NOW = Date.parse('2026-11-25T10:00:00.000Z');

export function snapshotWithGpus(gpus?: UsageSnapshot['gpus']): UsageSnapshot {
  return {
    sampledAt: new Date(NOW).toISOString(),
    source: 'cgroup2',
    cpu: { used: 1.5, limit: 2, limitSource: 'cgroup' },
    memory: { used: Math.round(3.8 * GiB), limit: 4 * GiB, limitSource: 'env' },
    intervalSeconds: 5,
    ...(gpus ? { gpus } : {})
  };
}

export const A40: NonNullable<UsageSnapshot['gpus']>[number] = {
  index: 0,
  uuid: 'GPU-1',
  model: 'NVIDIA A40',
  utilization: 0.42,
  memoryUsed: 12 * GiB,
  memoryTotal: 48 * GiB
};

/** Points every `resolution` seconds, with the buckets in `gapAt` (indices) as nulls. */
export function history(
  range: HistoryRange,
  count = 12,
  resolution = 300,
  gapAt: number[] = [],
  gpu = false
): UsageHistory {
  const to = NOW;
  const from = to - count * resolution * 1000;
  const points = Array.from({ length: count }, (_, i) => {
    const gap = gapAt.includes(i);
    const v = (x: number) => (gap ? null : x);
    return {
      t: from + i * resolution * 1000,
      cpu: v(0.2 + i / 100),
      cpuMax: v(0.5),
      cpuLimit: v(2),
      memory: v(1 * GiB),
      memoryMax: v(1.5 * GiB),
      memoryLimit: v(4 * GiB),
      gpu: gpu ? v(0.3) : null,
      gpuMax: gpu ? v(0.6) : null,
      gpuMemory: gpu ? v(10 * GiB) : null,
      gpuMemoryTotal: gpu ? v(48 * GiB) : null
    };
  });
  return { range, resolution, from, to, points };
}

export const kernels: KernelUsageList = {
  kernels: [
    { kernelId: 'aaaa-1', pids: [10], cpu: 0.1, memory: 200 * 1024 ** 2 },
    { kernelId: 'bbbb-2', pids: [11, 12], cpu: 1.2, memory: 2 * GiB },
    { kernelId: 'cccc-3', pids: [13], cpu: 0, memory: 500 * 1024 ** 2 }
  ],
  other: { cpu: 0.05, memory: 300 * 1024 ** 2 }
};

export function inventory(
  source: GpuInventory['source'],
  models: GpuInventory['models'] = []
): GpuInventory {
  return { source, models, checkedAt: new Date(NOW).toISOString() };
}

/** `days` days of cost, oldest first, ending 2026-11-25, with three idle days as zeros. */
export function cost(currency = 'CZK', days = 95): UsageCost {
  const list = Array.from({ length: days }, (_, i) => {
    const d = new Date(Date.UTC(2026, 10, 25 - (days - 1 - i)));
    const date = d.toISOString().slice(0, 10);
    const off = i >= 40 && i < 43;
    const cpu = off ? 0 : 12;
    const memory = off ? 0 : 9.6;
    const gpu = i === 80 ? 160 : 0;
    return { date, cpu, memory, gpu, total: cpu + memory + gpu, hours: off ? 0 : 24 };
  });
  return {
    prices: {
      currency,
      basis: 'reserved',
      cpuHour: 0.5,
      memoryGiBHour: 0.1,
      gpuHour: { default: 20, 'mig-1g.10gb': 5 }
    },
    days: list,
    totals: { today: 21.6, week: 151.2, quarter: 1234.5 },
    estimate: true
  };
}

/** The last 24 h in 5-minute segments, every one at `value` (null: no readings). */
export function idle(overrides: Partial<IdleStatus> = {}, value: number | null = 0.02): IdleStatus {
  const segments = Array.from({ length: 288 }, (_, i) => ({
    t: NOW - (288 - i) * 300_000,
    value
  }));
  return {
    enabled: true,
    enforce: 'off',
    resource: 'cpu',
    threshold: 0.1,
    maxIdleDays: 4,
    checkHour: 3,
    segmentMinutes: 5,
    segments,
    busiest: value,
    verdict: value === null ? 'unknown' : value < 0.1 ? 'idle' : 'busy',
    idleDays: 0,
    lastCheck: '2026-11-25T03:00:00.000Z',
    nextCheck: '2026-11-26T03:00:00.000Z',
    removalAt: null,
    warning: false,
    ...overrides
  };
}

export const COUNTING_DOWN: Partial<IdleStatus> = {
  idleDays: 2,
  removalAt: '2026-11-28T03:00:00.000Z',
  warning: true
};

/** A save-all event's data: stopped two days from NOW whatever the frontends answer. */
export const SAVE_ALL: SaveAllRequest = {
  reason: 'idle for 4 days',
  deadline: Date.parse('2026-11-27T03:05:00.000Z')
};

/** My servers outside JupyterHub: the card is not there and is not asked again. */
export const NOT_UNDER_HUB: HubServerList = {
  available: false,
  reason: 'This server does not run under JupyterHub.',
  user: null,
  limit: null,
  running: 0,
  servers: []
};
