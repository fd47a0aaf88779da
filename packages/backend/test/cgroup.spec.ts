import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { CgroupReader, cgroupLimits, envLimits, locateCgroup } from '../src/platform/resources';
import { fixture, GiB } from './helpers';

const POD_ID = 'pod3f9c1a2e-7b4d-4c1e-9a0f-5d2b8e6c4a17';
const CONTAINER_ID = '8d1e4f0b6a2c9e7d5b3a1f8e6c4d2b0a9e7f5c3d1b8a6e4f2d0c9b7a5e3f1d8c';

describe('cgroup v2: a Kubernetes pod with limits', () => {
  const root = fixture('cgroup2-pod');

  it('is found as version 2 at the cgroup2 mount point', async () => {
    const loc = await locateCgroup(root);
    const dir = join(root, '/sys/fs/cgroup');
    expect(loc).toEqual({ version: 2, cpu: dir, cpuacct: dir, memory: dir });
  });

  it('reads cpu.max "200000 100000" as 2 cores and memory.max as 4 GiB, from the cgroup', async () => {
    const loc = (await locateCgroup(root))!;
    expect(await cgroupLimits(loc)).toEqual({ cpu: 2, memory: 4 * GiB });
    // The environment only fills gaps: KubeSpawner's variables must not override the cgroup.
    const reader = new CgroupReader(loc, { CPU_LIMIT: '8', MEM_LIMIT: String(16 * GiB) });
    expect(reader.source).toBe('cgroup2');
    expect(await reader.limits()).toEqual({
      cpu: { value: 2, source: 'cgroup' },
      memory: { value: 4 * GiB, source: 'cgroup' }
    });
  });

  it('divides the quota by the period the cgroup sets, not an assumed 100 ms', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'hotstepper-cgroup2-'));
    try {
      cpSync(root, copy, { recursive: true });
      writeFileSync(join(copy, 'sys/fs/cgroup/cpu.max'), '150000 50000\n');
      expect((await cgroupLimits((await locateCgroup(copy))!)).cpu).toBe(3);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('reports CPU time from usage_usec and memory as current less inactive_file', async () => {
    const reader = new CgroupReader((await locateCgroup(root))!, {});
    const counters = await reader.read();
    expect(counters.cpuSeconds).toBeCloseTo(98765432 / 1e6, 9);
    expect(counters.memoryBytes).toBe(1610612736 - 402653184);
    expect(counters.at).toBeGreaterThan(0);
  });

  it('gives increasing monotonic times to successive readings', async () => {
    const reader = new CgroupReader((await locateCgroup(root))!, {});
    const a = await reader.read();
    const b = await reader.read();
    expect(b.at).toBeGreaterThan(a.at);
  });
});

describe('cgroup v2 without limits ("max 100000" and "max")', () => {
  const root = fixture('cgroup2-unlimited');

  it('has no cgroup limit', async () => {
    const loc = (await locateCgroup(root))!;
    expect(loc.version).toBe(2);
    expect(await cgroupLimits(loc)).toEqual({ cpu: undefined, memory: undefined });
  });

  it("falls back to KubeSpawner's CPU_LIMIT and MEM_LIMIT", async () => {
    const reader = new CgroupReader((await locateCgroup(root))!, {
      CPU_LIMIT: '0.5',
      MEM_LIMIT: '1073741824'
    });
    expect(await reader.limits()).toEqual({
      cpu: { value: 0.5, source: 'env' },
      memory: { value: GiB, source: 'env' }
    });
  });

  it('falls back to the whole host when the environment says nothing', async () => {
    const reader = new CgroupReader((await locateCgroup(root))!, {});
    expect(await reader.limits()).toEqual({
      cpu: { value: cpus().length, source: 'host' },
      memory: { value: totalmem(), source: 'host' }
    });
  });

  it('mixes sources per resource: env for CPU only, host for memory', async () => {
    const reader = new CgroupReader((await locateCgroup(root))!, { CPU_LIMIT: '3' });
    const limits = await reader.limits();
    expect(limits.cpu).toEqual({ value: 3, source: 'env' });
    expect(limits.memory).toEqual({ value: totalmem(), source: 'host' });
  });

  it('still reads usage', async () => {
    const counters = await new CgroupReader((await locateCgroup(root))!, {}).read();
    expect(counters.cpuSeconds).toBeCloseTo(1.5, 9);
    expect(counters.memoryBytes).toBe(524288000 - 104857600);
  });
});

describe('cgroup v2 on a laptop: the process sits in a nested systemd scope', () => {
  const root = fixture('cgroup2-laptop');
  const scope = 'user.slice/user-1000.slice/user@1000.service/app.slice/app-jupyter-lab.scope';

  it("resolves the process's own directory below the mount point, not the root cgroup", async () => {
    const loc = (await locateCgroup(root))!;
    const dir = join(root, 'sys/fs/cgroup', scope);
    expect(loc).toEqual({ version: 2, cpu: dir, cpuacct: dir, memory: dir });
    const counters = await new CgroupReader(loc, {}).read();
    expect(counters.cpuSeconds).toBeCloseTo(42, 9);
    expect(counters.memoryBytes).toBe(838860800 - 209715200);
  });
});

describe('cgroup v1: a Kubernetes node with separate cpu, cpuacct and memory hierarchies', () => {
  const root = fixture('cgroup1-node');

  it('falls back to the mount points when the host path from /proc/self/cgroup does not exist inside the container', async () => {
    const cgroupFile = await import('node:fs/promises').then(fs =>
      fs.readFile(join(root, 'proc/self/cgroup'), 'utf8')
    );
    // The fixture is what makes this test meaningful: a long host path that is absent here.
    expect(cgroupFile).toContain(`/kubepods/burstable/${POD_ID}/${CONTAINER_ID}`);
    expect(await locateCgroup(root)).toEqual({
      version: 1,
      cpu: join(root, 'sys/fs/cgroup/cpu'),
      cpuacct: join(root, 'sys/fs/cgroup/cpuacct'),
      memory: join(root, 'sys/fs/cgroup/memory')
    });
  });

  it('reads cfs_quota_us 150000 / cfs_period_us 100000 as 1.5 cores and the ~2^63 memory limit as none', async () => {
    const loc = (await locateCgroup(root))!;
    expect(await cgroupLimits(loc)).toEqual({ cpu: 1.5, memory: undefined });
  });

  it('takes the memory limit from MEM_LIMIT, else the host, while the CPU limit stays the cgroup one', async () => {
    const loc = (await locateCgroup(root))!;
    expect(
      await new CgroupReader(loc, { MEM_LIMIT: '2147483648', CPU_LIMIT: '4' }).limits()
    ).toEqual({
      cpu: { value: 1.5, source: 'cgroup' },
      memory: { value: 2 * GiB, source: 'env' }
    });
    expect(await new CgroupReader(loc, {}).limits()).toEqual({
      cpu: { value: 1.5, source: 'cgroup' },
      memory: { value: totalmem(), source: 'host' }
    });
  });

  it('reports cpuacct.usage (nanoseconds) in seconds and memory as usage less total_inactive_file', async () => {
    const reader = new CgroupReader((await locateCgroup(root))!, {});
    expect(reader.source).toBe('cgroup1');
    const counters = await reader.read();
    expect(counters.cpuSeconds).toBeCloseTo(123456789012 / 1e9, 9);
    // total_inactive_file (the hierarchy's), not inactive_file (this level only)
    expect(counters.memoryBytes).toBe(2147483648 - 805306368);
  });
});

describe('cgroup v1, docker style: combined cpu,cpuacct hierarchy with the container below the mount point', () => {
  const root = fixture('cgroup1-nested');

  it("reads the container's own directory, not the host's root cgroup", async () => {
    const loc = (await locateCgroup(root))!;
    const cpuDir = join(root, 'sys/fs/cgroup/cpu,cpuacct/docker', CONTAINER_ID);
    expect(loc).toEqual({
      version: 1,
      cpu: cpuDir,
      cpuacct: cpuDir,
      memory: join(root, 'sys/fs/cgroup/memory/docker', CONTAINER_ID)
    });
    expect(await cgroupLimits(loc)).toEqual({ cpu: 0.5, memory: GiB });
    const counters = await new CgroupReader(loc, {}).read();
    expect(counters.cpuSeconds).toBeCloseTo(7.5, 9);
    expect(counters.memoryBytes).toBe(314572800 - 104857600);
  });
});

describe('a hybrid host: an empty cgroup2 at /sys/fs/cgroup/unified beside v1 controllers', () => {
  const root = fixture('cgroup-hybrid');

  it('picks v1, because the cgroup2 hierarchy has no memory controller', async () => {
    const loc = await locateCgroup(root);
    expect(loc).toEqual({
      version: 1,
      cpu: join(root, 'sys/fs/cgroup/cpu,cpuacct'),
      cpuacct: join(root, 'sys/fs/cgroup/cpu,cpuacct'),
      memory: join(root, 'sys/fs/cgroup/memory')
    });
  });

  it('treats cfs_quota_us -1 as no CPU limit and reads the v1 memory limit', async () => {
    const loc = (await locateCgroup(root))!;
    expect(await cgroupLimits(loc)).toEqual({ cpu: undefined, memory: 2 * GiB });
    const counters = await new CgroupReader(loc, {}).read();
    expect(counters.cpuSeconds).toBeCloseTo(3, 9);
    expect(counters.memoryBytes).toBe(1048576000 - 48576000);
  });
});

describe('no cgroup information', () => {
  it('is undefined when /proc/self/cgroup and mountinfo are missing', async () => {
    expect(await locateCgroup(fixture('proc-tree'))).toBeUndefined();
  });
});

describe('envLimits', () => {
  it('ignores values that are not positive numbers', () => {
    expect(envLimits({ CPU_LIMIT: 'two', MEM_LIMIT: '0' })).toEqual({});
    expect(envLimits({ CPU_LIMIT: '-1', MEM_LIMIT: '' })).toEqual({});
  });

  it('rounds a fractional byte count down to whole bytes', () => {
    expect(envLimits({ CPU_LIMIT: '1.5', MEM_LIMIT: '1073741824.7' })).toEqual({
      cpu: { value: 1.5, source: 'env' },
      memory: { value: 1073741824, source: 'env' }
    });
  });
});
