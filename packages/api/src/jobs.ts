import { CloneType, Type, type Static } from '@sinclair/typebox';
import { ENV_NAME_PATTERN, JOB_NAME_MAX_LENGTH, JOB_STATUSES } from './constants';
import { literals } from './literals';

/** Every state a job can be in, whichever runner runs it. */
export const JobStatus = CloneType(literals(...JOB_STATUSES), { $id: 'JobStatus' });
export type JobStatus = Static<typeof JobStatus>;

/** What runs the jobs: this machine, a Slurm cluster, or Kubernetes Jobs in the user's namespace. */
export const JobRunnerName = literals('local', 'slurm', 'kubernetes');
export type JobRunnerName = Static<typeof JobRunnerName>;

/** What to run: an argv command, a script file, or a notebook executed headless. */
export const JobKind = literals('command', 'script', 'notebook');
export type JobKind = Static<typeof JobKind>;

export const JobGpu = Type.Object(
  {
    count: Type.Integer({ minimum: 1, maximum: 16 }),
    model: Type.Optional(
      Type.String({ minLength: 1, description: 'e.g. "a40" or "mig-1g.10gb"; any when absent' })
    )
  },
  { additionalProperties: false }
);
export type JobGpu = Static<typeof JobGpu>;

export const JobResources = Type.Object(
  {
    // A floor per job: a vanishing request would slip any number of jobs under the quota.
    cpu: Type.Number({ minimum: 0.01, maximum: 1024, description: 'CPU cores (at least 0.01)' }),
    memory: Type.Integer({ minimum: 16 * 1024 * 1024, description: 'Bytes (at least 16 MiB)' }),
    gpu: Type.Optional(JobGpu)
  },
  { additionalProperties: false }
);
export type JobResources = Static<typeof JobResources>;

/** `POST /jobs/` — a new job. Paths are relative to the Jupyter server's root directory. */
export const JobSubmit = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: JOB_NAME_MAX_LENGTH }),
    kind: JobKind,
    command: Type.Optional(
      Type.Array(Type.String(), {
        minItems: 1,
        description: 'kind "command": the program and its arguments (argv, no shell)'
      })
    ),
    file: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'kind "script" or "notebook": the file, relative to the root directory'
      })
    ),
    args: Type.Optional(Type.Array(Type.String(), { description: 'kind "script": its arguments' })),
    parameters: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'kind "notebook": papermill parameters (papermill must be installed)'
      })
    ),
    cwd: Type.Optional(
      Type.String({ description: 'Working directory relative to the root; default: the file’s' })
    ),
    env: Type.Optional(
      Type.Record(Type.String({ pattern: ENV_NAME_PATTERN }), Type.String(), {
        // Every key is held to the pattern: a key like "A=B" is refused, never set in the job.
        additionalProperties: false,
        description: 'Variables by name; a name is letters, digits and _, not starting with a digit'
      })
    ),
    preset: Type.Optional(Type.String({ minLength: 1, description: 'An admin preset’s name' })),
    resources: Type.Optional(Type.Partial(JobResources)),
    timeLimitSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
    image: Type.Optional(
      Type.String({ minLength: 1, description: 'Kubernetes only; default: the notebook’s image' })
    ),
    idempotencyKey: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'A second submit with the same key returns the first job'
      })
    )
  },
  { $id: 'JobSubmit', additionalProperties: false }
);
export type JobSubmit = Static<typeof JobSubmit>;

/** How a job's limits are held: by a cgroup, by rlimits, by the scheduler, or not at all. */
export const LimitEnforcement = literals('cgroup', 'rlimit', 'scheduler', 'none');
export type LimitEnforcement = Static<typeof LimitEnforcement>;

const Timestamp = Type.String({ format: 'date-time' });

export const Job = Type.Object(
  {
    id: Type.String({ description: 'Lowercase letters and digits, starting with "j"' }),
    name: Type.String(),
    kind: JobKind,
    runner: JobRunnerName,
    status: JobStatus,
    reason: Type.Optional(Type.String({ description: 'Why it is in this status, in words' })),
    exitCode: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    /** The program and arguments actually run. */
    argv: Type.Array(Type.String()),
    cwd: Type.String({ description: 'Relative to the root directory' }),
    file: Type.Optional(Type.String()),
    env: Type.Record(Type.String(), Type.String()),
    parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    preset: Type.Optional(Type.String()),
    resources: JobResources,
    timeLimitSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
    image: Type.Optional(Type.String()),
    enforcement: LimitEnforcement,
    /** The runner's own id: a process group, a Slurm job id, a Kubernetes Job name. */
    externalId: Type.Optional(Type.String()),
    /** kind "notebook": the executed notebook, beside the input. */
    output: Type.Optional(Type.String()),
    /** kind "notebook", failed: the failing cell (0-based) and its error. */
    failure: Type.Optional(
      Type.Object({ cell: Type.Optional(Type.Integer({ minimum: 0 })), error: Type.String() })
    ),
    createdAt: Timestamp,
    startedAt: Type.Optional(Timestamp),
    finishedAt: Type.Optional(Timestamp),
    cost: Type.Optional(
      Type.Object({
        amount: Type.Number({ minimum: 0 }),
        currency: Type.String(),
        estimate: Type.Literal(true)
      })
    )
  },
  { $id: 'Job' }
);
export type Job = Static<typeof Job>;

export const JobListQuery = Type.Object({
  status: Type.Optional(
    Type.String({ description: 'Comma-separated statuses, e.g. "queued,running"' })
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  // Bounded: SQLite refuses an offset past its 64-bit integers.
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0 }))
});
export type JobListQuery = Static<typeof JobListQuery>;

export const JobList = Type.Object(
  {
    jobs: Type.Array(Job, { description: 'Newest first' }),
    total: Type.Integer({ minimum: 0, description: 'Jobs matching the filter' }),
    counts: Type.Record(Type.String(), Type.Integer(), {
      description: 'Jobs per status, unfiltered'
    })
  },
  { $id: 'JobList' }
);
export type JobList = Static<typeof JobList>;

const QuotaAmount = Type.Object({
  used: Type.Number({ minimum: 0 }),
  limit: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: 'null: no limit' })
});

/** What the user's running jobs take against what they may take. */
export const JobQuota = Type.Object(
  {
    source: CloneType(literals('local', 'resourcequota', 'slurm', 'none'), {
      description: 'local: the admin’s quota on this machine; resourcequota: the namespace’s'
    }),
    cpu: QuotaAmount,
    memory: QuotaAmount,
    gpu: Type.Optional(QuotaAmount),
    note: Type.Optional(Type.String())
  },
  { $id: 'JobQuota' }
);
export type JobQuota = Static<typeof JobQuota>;

export const JobPreset = Type.Object({
  name: Type.String(),
  label: Type.String(),
  description: Type.Optional(Type.String()),
  resources: JobResources,
  timeLimitSeconds: Type.Optional(Type.Integer({ minimum: 1 }))
});
export type JobPreset = Static<typeof JobPreset>;

/** `GET /jobs/info` — what the submit form needs. */
export const JobsInfo = Type.Object(
  {
    runner: JobRunnerName,
    enforcement: LimitEnforcement,
    enforcementNote: Type.String({ description: 'How limits are held here, in words' }),
    presets: Type.Array(JobPreset),
    defaults: Type.Object({
      resources: JobResources,
      timeLimitSeconds: Type.Integer({ minimum: 1 }),
      image: Type.Optional(Type.String())
    }),
    maxTimeLimitSeconds: Type.Integer({ minimum: 1 }),
    /** GPU models a job may ask for; empty when jobs cannot have GPUs here. */
    gpuModels: Type.Array(Type.String()),
    papermill: Type.Boolean({ description: 'Notebook parameters need papermill' }),
    papermillNote: Type.Optional(
      Type.String({ description: 'Why papermill is not known to be there: the probe timed out' })
    ),
    quota: JobQuota
  },
  { $id: 'JobsInfo' }
);
export type JobsInfo = Static<typeof JobsInfo>;

export const JobLogStream = literals('stdout', 'stderr');
export type JobLogStream = Static<typeof JobLogStream>;

/**
 * `GET /jobs/:id/log` with `Accept: text/event-stream` streams these events:
 *  - `log`: JobLogChunk; its SSE id is "<stdout offset>:<stderr offset>" after the chunk,
 *    so a reconnect with Last-Event-ID (or `?from=`) resumes without loss or repeats;
 *  - `status`: Job, whenever the job changes;
 *  - `end`: {} once the job has finished and every byte was sent.
 * Without that Accept header it answers the whole log as text/plain (`?stream=stdout|stderr`).
 */
export const JobLogChunk = Type.Object({
  stream: JobLogStream,
  /** Byte offset of this chunk in its stream's file. */
  offset: Type.Integer({ minimum: 0 }),
  text: Type.String()
});
export type JobLogChunk = Static<typeof JobLogChunk>;

export const JobLogQuery = Type.Object({
  stream: Type.Optional(JobLogStream),
  from: Type.Optional(
    Type.String({ pattern: '^\\d+:\\d+$', description: '"<stdout offset>:<stderr offset>"' })
  )
});
export type JobLogQuery = Static<typeof JobLogQuery>;

/**
 * `GET /jobs/events` (text/event-stream) keeps a job list live:
 * `job` (Job) on every change, `deleted` ({id}) when one is removed.
 */
export const JobDeleted = Type.Object({ id: Type.String() });
export type JobDeleted = Static<typeof JobDeleted>;
