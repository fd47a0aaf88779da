import { CgroupReader, ProcTreeReader, createResourceReader } from '../src/platform/resources';
import { fixture, GiB } from './helpers';

describe('createResourceReader', () => {
  const base = { rootPid: 7, env: {} };

  it('uses /proc when told to, even inside a limited cgroup', async () => {
    const reader = await createResourceReader({
      ...base,
      prefer: 'proc',
      inContainer: true,
      rootfs: fixture('cgroup2-pod')
    });
    expect(reader).toBeInstanceOf(ProcTreeReader);
    expect(reader.source).toBe('proc');
  });

  it('auto: uses a cgroup v2 that sets limits', async () => {
    const reader = await createResourceReader({
      ...base,
      prefer: 'auto',
      inContainer: false,
      rootfs: fixture('cgroup2-pod')
    });
    expect(reader.source).toBe('cgroup2');
    expect((await reader.limits()).cpu).toEqual({ value: 2, source: 'cgroup' });
  });

  it('auto: uses a cgroup v1 that sets only a CPU limit', async () => {
    const reader = await createResourceReader({
      ...base,
      prefer: 'auto',
      inContainer: false,
      rootfs: fixture('cgroup1-node')
    });
    expect(reader.source).toBe('cgroup1');
  });

  it('auto: uses a cgroup v1 that sets only a memory limit', async () => {
    const reader = await createResourceReader({
      ...base,
      prefer: 'auto',
      inContainer: false,
      rootfs: fixture('cgroup-hybrid')
    });
    expect(reader.source).toBe('cgroup1');
    expect((await reader.limits()).memory).toEqual({ value: 2 * GiB, source: 'cgroup' });
  });

  it("auto: uses /proc on a laptop, where an unlimited cgroup is the whole login session's", async () => {
    for (const rootfs of [fixture('cgroup2-laptop'), fixture('cgroup2-unlimited')]) {
      const reader = await createResourceReader({
        ...base,
        prefer: 'auto',
        inContainer: false,
        rootfs
      });
      expect(reader.source).toBe('proc');
    }
  });

  it('auto: uses the cgroup of a Kubernetes container even when it sets no limit', async () => {
    const reader = await createResourceReader({
      ...base,
      prefer: 'auto',
      inContainer: true,
      rootfs: fixture('cgroup2-unlimited')
    });
    expect(reader).toBeInstanceOf(CgroupReader);
    expect(reader.source).toBe('cgroup2');
    const counters = await reader.read();
    expect(counters.memoryBytes).toBe(524288000 - 104857600);
  });

  it('cgroup: uses the cgroup when told to, limited or not', async () => {
    const reader = await createResourceReader({
      ...base,
      prefer: 'cgroup',
      inContainer: false,
      rootfs: fixture('cgroup2-laptop')
    });
    expect(reader.source).toBe('cgroup2');
  });

  it('falls back to /proc when there is no cgroup at all, whatever is preferred', async () => {
    for (const prefer of ['auto', 'cgroup'] as const) {
      const reader = await createResourceReader({
        ...base,
        prefer,
        inContainer: true,
        rootfs: fixture('proc-tree')
      });
      expect(reader.source).toBe('proc');
    }
  });

  it('gives the /proc reader the root pid and file system it was asked for', async () => {
    const reader = await createResourceReader({
      ...base,
      prefer: 'proc',
      inContainer: false,
      rootfs: fixture('proc-tree')
    });
    // pid 88's subtree in the fixture: bash (12+8 ticks) and "my (weird) cmd" (300+100 ticks).
    const other = await createResourceReader({
      ...base,
      rootPid: 88,
      prefer: 'proc',
      inContainer: false,
      rootfs: fixture('proc-tree')
    });
    expect((await other.read()).cpuSeconds).toBeCloseTo(4.2, 9);
    expect((await reader.read()).cpuSeconds).toBeCloseTo(118, 9);
  });

  it('passes the environment through to the limits', async () => {
    const reader = await createResourceReader({
      rootPid: 7,
      prefer: 'auto',
      inContainer: true,
      rootfs: fixture('cgroup2-unlimited'),
      env: { CPU_LIMIT: '1', MEM_LIMIT: String(GiB) }
    });
    expect(await reader.limits()).toEqual({
      cpu: { value: 1, source: 'env' },
      memory: { value: GiB, source: 'env' }
    });
  });
});
