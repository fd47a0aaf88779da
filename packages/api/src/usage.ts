import { Type, type Static } from '@sinclair/typebox';

/** Where a limit came from: the container's cgroup, KubeSpawner's env vars, or the whole host. */
export const LimitSource = Type.Union([
  Type.Literal('cgroup'),
  Type.Literal('env'),
  Type.Literal('host')
]);
export type LimitSource = Static<typeof LimitSource>;

/** How usage was measured. */
export const UsageSource = Type.Union([
  Type.Literal('cgroup2'),
  Type.Literal('cgroup1'),
  Type.Literal('proc')
]);
export type UsageSource = Static<typeof UsageSource>;

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
    })
  },
  { $id: 'UsageSnapshot' }
);
export type UsageSnapshot = Static<typeof UsageSnapshot>;
