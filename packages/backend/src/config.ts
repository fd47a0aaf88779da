import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  COURSE_NAME_PATTERN,
  literals,
  PriceTable,
  STORAGE_NAME_PATTERN,
  StorageKind,
  StorageRule
} from '@hotstepper/api';
import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { Value, type ValueError } from '@sinclair/typebox/value';
import { allowed } from './errors';
import { SshConfig } from './features/apps/ssh/config';

/** A wire schema as a config section: every field defaulted, unknown fields refused. */
function withDefaults<T extends TObject>(schema: T, defaults: Static<T>): T {
  const properties = Object.fromEntries(
    Object.entries(schema.properties).map(([key, field]) => [
      key,
      { ...field, default: (defaults as Record<string, unknown>)[key] }
    ])
  );
  return Type.Object(properties, { additionalProperties: false, default: {} }) as unknown as T;
}

/** The admin configuration: `HOTSTEPPER_CONFIG`, else `hotstepper.json` in the Jupyter config path. */
export const Config = Type.Object(
  {
    platform: literals('auto', 'local', 'kubernetes', { default: 'auto' }),
    dataDir: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Where state.db lives; default $XDG_DATA_HOME/hotstepper'
      })
    ),
    logLevel: literals('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent', {
      default: 'info'
    }),
    usage: Type.Object(
      {
        sampleIntervalSeconds: Type.Number({ minimum: 1, maximum: 300, default: 5 }),
        source: literals('auto', 'cgroup', 'proc', { default: 'auto' }),
        rawRetentionHours: Type.Number({ minimum: 1, maximum: 720, default: 48 }),
        historyDays: Type.Integer({ minimum: 90, maximum: 3650, default: 100 }),
        /**
         * How many named servers a user may have under JupyterHub (the hub's
         * `named_server_limit_per_user`, which its API does not say), for My servers.
         */
        serverLimit: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { default: null }),
        /**
         * The hub's cluster service (cluster-service.js, a JupyterHub service), asked for the
         * cluster's free GPUs instead of listing every node and pod from each server.
         */
        clusterService: Type.Optional(
          Type.String({
            pattern: '^https?://\\S+$',
            description: 'e.g. http://hub:10101/services/hotstepper-cluster/'
          })
        )
      },
      { additionalProperties: false, default: {} }
    ),
    /** The price table for cost estimates: the wire's PriceTable, with defaults. */
    prices: withDefaults(PriceTable, {
      currency: 'CZK',
      basis: 'reserved',
      cpuHour: 0.5,
      memoryGiBHour: 0.1,
      gpuHour: { default: 20 }
    }),
    /** The idle clean-up rule, as the platform applies it. */
    idle: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        checkHour: Type.Integer({ minimum: 0, maximum: 23, default: 3 }),
        /** The minute of `checkHour` the daily check runs at. */
        checkMinute: Type.Integer({ minimum: 0, maximum: 59, default: 0 }),
        segmentMinutes: Type.Integer({ minimum: 1, maximum: 60, default: 5 }),
        cpuThreshold: Type.Number({ minimum: 0, default: 0.1, description: 'CPU cores' }),
        cpuMaxIdleDays: Type.Integer({ minimum: 1, maximum: 365, default: 4 }),
        gpuThreshold: Type.Number({ minimum: 0, maximum: 1, default: 0.005 }),
        gpuMaxIdleDays: Type.Integer({ minimum: 1, maximum: 365, default: 2 }),
        warnDaysBefore: Type.Integer({ minimum: 0, maximum: 365, default: 1 }),
        enforce: literals('off', 'hub', { default: 'off' })
      },
      { additionalProperties: false, default: {} }
    ),
    /** Background jobs. */
    jobs: Type.Object(
      {
        runner: literals('auto', 'local', 'slurm', 'kubernetes', { default: 'auto' }),
        defaults: Type.Object(
          {
            cpu: Type.Number({ exclusiveMinimum: 0, default: 1 }),
            memoryGiB: Type.Number({ exclusiveMinimum: 0, default: 2 }),
            timeLimitMinutes: Type.Integer({ minimum: 1, default: 1440 })
          },
          { additionalProperties: false, default: {} }
        ),
        maxTimeLimitMinutes: Type.Integer({ minimum: 1, default: 10080 }),
        /** Local runner: what all running jobs together may take; absent = the notebook's own limits. */
        quota: Type.Object(
          {
            cpu: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
            memoryGiB: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
            gpus: Type.Optional(Type.Integer({ minimum: 0 }))
          },
          { additionalProperties: false, default: {} }
        ),
        presets: Type.Array(
          Type.Object(
            {
              name: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$' }),
              label: Type.String({ minLength: 1 }),
              description: Type.Optional(Type.String()),
              cpu: Type.Number({ exclusiveMinimum: 0 }),
              memoryGiB: Type.Number({ exclusiveMinimum: 0 }),
              gpu: Type.Optional(
                Type.Object(
                  {
                    count: Type.Integer({ minimum: 1 }),
                    model: Type.Optional(Type.String({ minLength: 1 }))
                  },
                  { additionalProperties: false }
                )
              ),
              timeLimitMinutes: Type.Optional(Type.Integer({ minimum: 1 }))
            },
            { additionalProperties: false }
          ),
          { default: [] }
        ),
        /** Finished jobs (and their logs) are forgotten after this many days. */
        retentionDays: Type.Integer({ minimum: 1, maximum: 3650, default: 90 }),
        slurm: Type.Object(
          {
            partition: Type.Optional(Type.String({ minLength: 1 })),
            account: Type.Optional(Type.String({ minLength: 1 })),
            /** Where sbatch, squeue, scancel and scontrol are; default: PATH. */
            binDir: Type.Optional(Type.String({ minLength: 1 })),
            /** GPU gres name per model, e.g. {"a40": "gpu:a40"}; default "gpu:<model>". */
            gres: Type.Record(Type.String(), Type.String(), { default: {} })
          },
          { additionalProperties: false, default: {} }
        ),
        kubernetes: Type.Object(
          {
            ttlSecondsAfterFinished: Type.Integer({ minimum: 0, default: 86400 }),
            /** Node label that names the GPU model, for a job asking for one. */
            gpuModelLabel: Type.String({ minLength: 1, default: 'nvidia.com/gpu.product' }),
            gpuResource: Type.String({ minLength: 1, default: 'nvidia.com/gpu' })
          },
          { additionalProperties: false, default: {} }
        )
      },
      { additionalProperties: false, default: {} }
    ),
    /** The activity journal behind "what happened while you were away". */
    activity: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        /** Journal entries older than this are deleted. */
        retentionDays: Type.Integer({ minimum: 1, maximum: 3650, default: 30 }),
        /** Keep each cell's last printed line (cut to 200 characters); false keeps none. */
        streamLines: Type.Boolean({ default: true }),
        /** How often the Jupyter server's kernels and sessions are listed. */
        kernelPollSeconds: Type.Number({ minimum: 1, maximum: 300, default: 3 }),
        /**
         * An OpenAI-compatible endpoint that writes a short paragraph above the summary from the
         * journal's metadata; absent: no paragraph.
         */
        ai: Type.Optional(
          Type.Object(
            {
              enabled: Type.Boolean({ default: true }),
              /** e.g. https://llm.ai.e-infra.cz/v1 */
              baseURL: Type.String({ pattern: '^https?://\\S+$' }),
              model: Type.String({ minLength: 1 }),
              /** The name of the environment variable holding the key, never the key itself. */
              apiKeyEnv: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }),
              /** Past this, the paragraph is dropped and the summary stands alone. */
              timeoutSeconds: Type.Number({ exclusiveMinimum: 0, maximum: 60, default: 5 })
            },
            { additionalProperties: false }
          )
        )
      },
      { additionalProperties: false, default: {} }
    ),
    /** Exposing a web server running in the notebook at a public URL. */
    flare: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        /** Local: where the reverse proxy listens. */
        listenHost: Type.String({ minLength: 1, default: '127.0.0.1' }),
        listenPort: Type.Integer({ minimum: 0, maximum: 65535, default: 8787 }),
        /** Exposures are `<name>.<domain>`; browsers resolve *.localhost to loopback. */
        domain: Type.String({ minLength: 1, default: 'flare.localhost' }),
        /** The port in public URLs; default: listenPort locally, none on Kubernetes. */
        publicPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
        /** Default: http locally, https on Kubernetes. */
        scheme: Type.Optional(Type.Union([Type.Literal('http'), Type.Literal('https')])),
        passwordMinLength: Type.Integer({ minimum: 4, maximum: 128, default: 8 }),
        maxExposures: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
        kubernetes: Type.Object(
          {
            ingressClassName: Type.Optional(Type.String({ minLength: 1 })),
            /** cert-manager ClusterIssuer for the TLS certificate. */
            clusterIssuer: Type.Optional(Type.String({ minLength: 1 })),
            /** Extra annotations on every Ingress. */
            annotations: Type.Record(Type.String(), Type.String(), { default: {} })
          },
          { additionalProperties: false, default: {} }
        )
      },
      { additionalProperties: false, default: {} }
    ),
    /** The storages the user can reach besides the Jupyter root (always there as Home). */
    storage: Type.Object(
      {
        mounts: Type.Array(
          Type.Object(
            {
              name: Type.String({ pattern: STORAGE_NAME_PATTERN }),
              /** Absolute; `{user}` is the hub's user name, else the OS user's. */
              path: Type.String({ pattern: '^/' }),
              kind: StorageKind,
              label: Type.Optional(Type.String({ minLength: 1 })),
              description: Type.String({ default: '' }),
              /** Empty: everyone may write (as the file system allows); else no match = not shown. */
              access: Type.Array(StorageRule, { default: [] })
            },
            { additionalProperties: false }
          ),
          { default: [] }
        ),
        /** Mounts found in /proc/self/mountinfo, shown besides the listed ones. */
        discover: Type.Object(
          {
            enabled: Type.Boolean({ default: true }),
            types: Type.Array(Type.String({ minLength: 1 }), {
              default: [
                'nfs',
                'nfs4',
                'cifs',
                'smb3',
                'fuse.sshfs',
                'ceph',
                'fuse.ceph',
                'lustre',
                'gpfs',
                'beegfs',
                'fuse.rclone',
                'fuse.s3fs'
              ]
            })
          },
          { additionalProperties: false, default: {} }
        ),
        /** How long the hub's answer about the user's groups is kept. */
        groupsCacheSeconds: Type.Integer({ minimum: 0, maximum: 86400, default: 300 }),
        /** A writable storage this full (percent used) goes into the activity journal. */
        nearlyFullPercent: Type.Number({ minimum: 1, maximum: 100, default: 90 }),
        /** How often the storages' fill is looked at for that. */
        fullCheckSeconds: Type.Integer({ minimum: 1, maximum: 86400, default: 600 })
      },
      { additionalProperties: false, default: {} }
    ),
    /** The platform apps started through jupyter-server-proxy (desktop, VS Code, RStudio, …). */
    apps: Type.Object(
      {
        /** App name → the images (as the spawner names them) that have it, for "not in this image". */
        images: Type.Record(Type.String(), Type.Array(Type.String({ minLength: 1 })), {
          default: {}
        }),
        /** Seconds between SIGTERM and SIGKILL when an app is stopped. */
        stopGraceSeconds: Type.Number({ minimum: 0, maximum: 120, default: 5 }),
        /** The SSH card: the image's sshd, authorized_keys, SSH over HTTPS. */
        ssh: SshConfig
      },
      { additionalProperties: false, default: {} }
    ),
    /** Courses run by nbgrader. */
    course: Type.Object(
      {
        /** Hub group names that make the user an instructor of `{course}`; first match wins. */
        instructorGroups: Type.Array(Type.String({ pattern: '\\{course\\}' }), {
          default: ['formgrade-{course}', '{course}-instructors']
        }),
        /** Hub group names that make the user a student of `{course}`. */
        studentGroups: Type.Array(Type.String({ pattern: '\\{course\\}' }), {
          default: ['nbgrader-{course}', '{course}-students']
        }),
        /** Courses named here (used besides the hub's groups, or alone without a hub). */
        courses: Type.Array(
          Type.Object(
            {
              id: Type.String({ pattern: COURSE_NAME_PATTERN }),
              title: Type.Optional(Type.String({ minLength: 1 })),
              instructors: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
              students: Type.Array(Type.String({ minLength: 1 }), { default: [] })
            },
            { additionalProperties: false }
          ),
          { default: [] }
        ),
        /**
         * The course's folder, where nbgrader runs (its nbgrader_config.py, source/, the
         * student's fetched copies): relative to the Jupyter root, `{course}` replaced.
         */
        directory: Type.String({ minLength: 1, default: '{course}' }),
        /** The Python that runs nbgrader; default the one on PATH (the server's). */
        python: Type.String({ minLength: 1, default: 'python3' }),
        /** Autograde jobs of one assignment running at once (nbgrader's gradebook has one writer). */
        autogradeConcurrency: Type.Integer({ minimum: 1, maximum: 64, default: 2 })
      },
      { additionalProperties: false, default: {} }
    )
  },
  { additionalProperties: false }
);
export type Config = Static<typeof Config>;

/** A configuration that cannot be used: every error found, each said for a person. */
export class ConfigError extends Error {
  constructor(
    readonly origin: string,
    readonly errors: string[]
  ) {
    super(`${origin}: ${errors.join('; ')}`);
  }
}

/** The schema at a JSON pointer, to say what a field allows. */
function schemaAt(schema: TSchema, path: string): TSchema | undefined {
  let at: TSchema | undefined = schema;
  for (const key of path.split('/').filter(Boolean)) {
    at = /^\d+$/.test(key) && at?.items ? at.items : at?.properties?.[key];
  }
  return at;
}

function describe(error: ValueError): string {
  const field = error.path.split('/').filter(Boolean).join('.') || '(top level)';
  if (error.message.startsWith('Unexpected property')) {
    const parent = error.path.split('/').slice(0, -1).join('/');
    return `unknown field "${field}"; ${parent ? `"${parent.slice(1).replace(/\//g, '.')}"` : 'the top level'} allows ${Object.keys(schemaAt(Config, parent)?.properties ?? {}).join(', ')}`;
  }
  return `"${field}" is ${JSON.stringify(error.value)}; it must be ${allowed(schemaAt(Config, error.path))}`;
}

/** Validates raw configuration, filling in defaults; throws a ConfigError naming every bad field. */
export function parseConfig(raw: unknown, origin = 'configuration'): Config {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(origin, ['must be a JSON object']);
  }
  const value = Value.Default(Config, structuredClone(raw));
  // One error per field: a bad value can break several rules of one schema.
  const byField = new Map<string, string>();
  for (const error of Value.Errors(Config, value)) {
    if (!byField.has(error.path)) {
      byField.set(error.path, describe(error));
    }
  }
  if (byField.size) {
    throw new ConfigError(origin, [...byField.values()]);
  }
  return value as Config;
}

/** Loads the file, or the defaults when no file is named. */
export function loadConfig(file: string | undefined): Config {
  if (!file) {
    return parseConfig({});
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot be read (${(err as NodeJS.ErrnoException).code})`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, [`is not valid JSON (${(err as Error).message})`]);
  }
  return parseConfig(raw, file);
}

export function dataDir(config: Config, env: NodeJS.ProcessEnv = process.env): string {
  return (
    config.dataDir ?? join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'hotstepper')
  );
}
