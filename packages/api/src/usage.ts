import { CloneType, Type, type Static } from '@sinclair/typebox';
import { literals } from './literals';

/** Where a limit came from: the container's cgroup, KubeSpawner's env vars, or the whole host. */
export const LimitSource = literals('cgroup', 'env', 'host');
export type LimitSource = Static<typeof LimitSource>;

/** How usage was measured. */
export const UsageSource = literals('cgroup2', 'cgroup1', 'proc');
export type UsageSource = Static<typeof UsageSource>;

/** One GPU (or MIG instance) as nvidia-smi reports it. */
export const GpuUsage = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  uuid: Type.String(),
  /** Product name, e.g. "NVIDIA A40", or the MIG profile, e.g. "mig-1g.10gb". */
  model: Type.String(),
  /** The parent GPU's uuid when this is a MIG instance. */
  parent: Type.Optional(Type.String()),
  utilization: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], {
    description: 'Fraction of time the GPU was busy; null where the driver does not report it (MIG)'
  }),
  memoryUsed: Type.Integer({ minimum: 0, description: 'Bytes' }),
  memoryTotal: Type.Integer({ minimum: 0, description: 'Bytes' })
});
export type GpuUsage = Static<typeof GpuUsage>;

export const UsageSnapshot = Type.Object(
  {
    sampledAt: Type.String({ format: 'date-time' }),
    source: UsageSource,
    cpu: Type.Object({
      used: Type.Number({
        minimum: 0,
        description: 'CPU cores in use, averaged over the last interval'
      }),
      limit: Type.Number({ exclusiveMinimum: 0, description: 'CPU cores allowed' }),
      limitSource: LimitSource
    }),
    memory: Type.Object({
      used: Type.Integer({ minimum: 0, description: 'Bytes in use' }),
      limit: Type.Integer({ exclusiveMinimum: 0, description: 'Bytes allowed' }),
      limitSource: LimitSource
    }),
    intervalSeconds: Type.Number({
      exclusiveMinimum: 0,
      description: 'How often the backend samples'
    }),
    gpus: Type.Optional(
      Type.Array(GpuUsage, { description: 'Absent when the notebook has no GPU' })
    )
  },
  { $id: 'UsageSnapshot' }
);
export type UsageSnapshot = Static<typeof UsageSnapshot>;

export const HistoryRange = CloneType(literals('hour', 'day', 'week', 'quarter'), {
  description:
    'hour: raw samples; day: 5-minute rollups; week: 30-minute; quarter (90 days): 6-hour'
});
export type HistoryRange = Static<typeof HistoryRange>;

const nullable = (schema: ReturnType<typeof Type.Number>) => Type.Union([schema, Type.Null()]);

/** One point of history; nulls are a gap (the server was not running), not zeros. */
export const HistoryPoint = Type.Object({
  t: Type.Integer({ description: 'Start of the bucket, unix ms' }),
  cpu: nullable(Type.Number({ minimum: 0 })),
  cpuMax: nullable(Type.Number({ minimum: 0 })),
  cpuLimit: nullable(Type.Number({ minimum: 0 })),
  memory: nullable(Type.Number({ minimum: 0 })),
  memoryMax: nullable(Type.Number({ minimum: 0 })),
  memoryLimit: nullable(Type.Number({ minimum: 0 })),
  gpu: nullable(Type.Number({ minimum: 0, maximum: 1 })),
  gpuMax: nullable(Type.Number({ minimum: 0, maximum: 1 })),
  gpuMemory: nullable(Type.Number({ minimum: 0 })),
  gpuMemoryTotal: nullable(Type.Number({ minimum: 0 }))
});
export type HistoryPoint = Static<typeof HistoryPoint>;

export const UsageHistory = Type.Object(
  {
    range: HistoryRange,
    /** Bucket width in seconds. */
    resolution: Type.Integer({ minimum: 1 }),
    from: Type.Integer(),
    to: Type.Integer(),
    points: Type.Array(HistoryPoint)
  },
  { $id: 'UsageHistory' }
);
export type UsageHistory = Static<typeof UsageHistory>;

export const HistoryQuery = Type.Object({ range: HistoryRange });
export type HistoryQuery = Static<typeof HistoryQuery>;

/** Memory and CPU of one kernel's process tree. */
export const KernelUsage = Type.Object({
  kernelId: Type.String({ description: "The kernel's id (the frontend maps it to its notebook)" }),
  pids: Type.Array(Type.Integer()),
  cpu: Type.Number({ minimum: 0, description: 'Cores, over the last interval' }),
  memory: Type.Integer({ minimum: 0, description: 'Resident bytes' })
});
export type KernelUsage = Static<typeof KernelUsage>;

export const KernelUsageList = Type.Object(
  {
    kernels: Type.Array(KernelUsage),
    /** Everything else in the notebook: terminals, programs the user started outside kernels. */
    other: Type.Object({ cpu: Type.Number({ minimum: 0 }), memory: Type.Integer({ minimum: 0 }) }),
    platform: Type.Optional(
      Type.Object(
        { cpu: Type.Number({ minimum: 0 }), memory: Type.Integer({ minimum: 0 }) },
        {
          description:
            "The platform's own processes: the Jupyter server and the Hotstepper backend (not the user's work)"
        }
      )
    )
  },
  { $id: 'KernelUsageList' }
);
export type KernelUsageList = Static<typeof KernelUsageList>;

/** Free / total GPUs of one model or MIG profile. */
export const GpuAvailability = Type.Object({
  model: Type.String({ description: 'e.g. "NVIDIA A40" or "mig-1g.10gb"' }),
  free: Type.Integer({ minimum: 0 }),
  total: Type.Integer({ minimum: 0 })
});
export type GpuAvailability = Static<typeof GpuAvailability>;

export const GpuInventory = Type.Object(
  {
    source: literals('kubernetes', 'nvidia-smi', 'none'),
    models: Type.Array(GpuAvailability),
    /** Why the inventory is empty or partial, for a person to read. */
    reason: Type.Optional(Type.String()),
    checkedAt: Type.String({ format: 'date-time' }),
    /**
     * Who asked the cluster, when the admin named a cluster service (usage.clusterService): the
     * hub's service (one view for every user), or this server itself (the service failed).
     */
    via: Type.Optional(literals('cluster-service', 'own'))
  },
  { $id: 'GpuInventory' }
);
export type GpuInventory = Static<typeof GpuInventory>;

export const CostBasis = literals('reserved', 'used');
export type CostBasis = Static<typeof CostBasis>;

export const PriceTable = Type.Object({
  currency: Type.String({ minLength: 3, maxLength: 3, description: 'ISO 4217, e.g. CZK' }),
  basis: CostBasis,
  cpuHour: Type.Number({ minimum: 0, description: 'Per CPU core and hour' }),
  memoryGiBHour: Type.Number({ minimum: 0, description: 'Per GiB of memory and hour' }),
  gpuHour: Type.Record(Type.String(), Type.Number({ minimum: 0 }), {
    description: 'Per GPU and hour, by model or MIG profile; "default" for any other'
  })
});
export type PriceTable = Static<typeof PriceTable>;

export const DailyCost = Type.Object({
  date: Type.String({ description: 'YYYY-MM-DD, local time of the server' }),
  cpu: Type.Number({ minimum: 0 }),
  memory: Type.Number({ minimum: 0 }),
  gpu: Type.Number({ minimum: 0 }),
  total: Type.Number({ minimum: 0 }),
  hours: Type.Number({ minimum: 0, description: 'Hours the server ran that day' })
});
export type DailyCost = Static<typeof DailyCost>;

export const UsageCost = Type.Object(
  {
    prices: PriceTable,
    /** Oldest first, one per day, days without a running server included as zeros. */
    days: Type.Array(DailyCost),
    totals: Type.Object({
      today: Type.Number({ minimum: 0 }),
      week: Type.Number({ minimum: 0, description: 'Last 7 days, today included' }),
      quarter: Type.Number({ minimum: 0, description: 'Last 90 days, today included' })
    }),
    estimate: Type.Literal(true, { description: 'Always an estimate, never an invoice' }),
    unlimited: Type.Optional(
      Type.Array(literals('cpu', 'memory'), {
        description:
          'Resources without a limit on this server (its limit is the whole machine): with the reserved basis, what was used is charged for them instead'
      })
    )
  },
  { $id: 'UsageCost' }
);
export type UsageCost = Static<typeof UsageCost>;

export const IdleResource = literals('cpu', 'gpu');
export type IdleResource = Static<typeof IdleResource>;

/** The idle clean-up as the platform applies it, and where this server stands. */
export const IdleStatus = Type.Object(
  {
    enabled: Type.Boolean(),
    enforce: literals('off', 'hub'),
    /** GPU utilisation counts when the server reserved a GPU, else CPU cores. */
    resource: IdleResource,
    threshold: Type.Number({
      minimum: 0,
      description: 'Busiest segment below this counts as idle'
    }),
    maxIdleDays: Type.Integer({ minimum: 1 }),
    checkHour: Type.Integer({ minimum: 0, maximum: 23 }),
    segmentMinutes: Type.Integer({ minimum: 1 }),
    /** The last 24 h in segments, oldest first; null where nothing was sampled. */
    segments: Type.Array(
      Type.Object({ t: Type.Integer(), value: Type.Union([Type.Number(), Type.Null()]) })
    ),
    busiest: Type.Union([Type.Number(), Type.Null()]),
    /** Today's verdict so far, from the last 24 h. */
    verdict: literals('idle', 'busy', 'unknown'),
    /** Consecutive idle days counted at the last daily check. */
    idleDays: Type.Integer({ minimum: 0 }),
    lastCheck: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    nextCheck: Type.String({ format: 'date-time' }),
    /** When the server will be removed if it stays idle; null while it is not counting down. */
    removalAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    /** Show the idle warning: an idle day counted, or the removal within the admin's `warnDaysBefore`. */
    warning: Type.Boolean()
  },
  { $id: 'IdleStatus' }
);
export type IdleStatus = Static<typeof IdleStatus>;

/** The data of `event: save-all` on the usage event stream, sent before an idle server is stopped. */
export const SaveAllRequest = Type.Object(
  {
    reason: Type.String(),
    /** Unix ms after which the server is stopped whether or not the frontends answered. */
    deadline: Type.Integer({ minimum: 0 })
  },
  { $id: 'SaveAllRequest' }
);
export type SaveAllRequest = Static<typeof SaveAllRequest>;

export const HubServerState = literals('running', 'starting', 'stopping', 'stopped');
export type HubServerState = Static<typeof HubServerState>;

/** One of the user's servers, as JupyterHub knows it. */
export const HubServer = Type.Object({
  /** "" is the default server. */
  name: Type.String(),
  /** The server this page runs on. */
  current: Type.Boolean(),
  state: HubServerState,
  /** Its path under the hub's public URL ("/user/alice/gpu/"); null while stopped. */
  url: Type.Union([Type.String(), Type.Null()]),
  started: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  lastActivity: Type.Union([Type.String({ format: 'date-time' }), Type.Null()])
});
export type HubServer = Static<typeof HubServer>;

/** `GET /usage/servers`: the user's servers under JupyterHub (My servers). */
export const HubServerList = Type.Object(
  {
    /** False outside JupyterHub, or when the hub refuses: `reason` says why. */
    available: Type.Boolean(),
    reason: Type.Optional(Type.String()),
    user: Type.Union([Type.String(), Type.Null()]),
    /**
     * How many named servers (besides the default one) the user may have, running or stopped:
     * the hub's `named_server_limit_per_user`, as the admin's `usage.serverLimit` says; null:
     * not said.
     */
    limit: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    running: Type.Integer({ minimum: 0 }),
    servers: Type.Array(HubServer)
  },
  { $id: 'HubServerList' }
);
export type HubServerList = Static<typeof HubServerList>;

/**
 * `POST /usage/servers`: start or stop one of the user's other servers, start a new one, or
 * remove a stopped named one from the hub.
 */
export const HubServerAction = Type.Object(
  {
    name: Type.String({
      maxLength: 255,
      // JupyterHub's own rule for a server name: no slash; "" is the default server.
      pattern: '^[^/]*$'
    }),
    action: literals('start', 'stop', 'remove')
  },
  { additionalProperties: false }
);
export type HubServerAction = Static<typeof HubServerAction>;
