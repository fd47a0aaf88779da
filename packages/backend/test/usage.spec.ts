import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { UsageSampler, type SamplerOptions } from '../src/features/usage/service';
import { LocalPlatform } from '../src/platform/local';
import { CgroupReader, ProcTreeReader, locateCgroup } from '../src/platform/resources';
import type { ResourceReader } from '../src/platform/types';
import { Store } from '../src/store';
import { fixture, GiB, memoryLogger, sleep, snapshotErrors, until } from './helpers';

interface Row {
  ts: number;
  cpu_used: number;
  cpu_limit: number;
  mem_used: number;
  mem_limit: number;
}

describe('UsageSampler', () => {
  let store: Store;
  let samplers: UsageSampler[];
  let dirs: string[];
  let logged: ReturnType<typeof memoryLogger>;
  const rows = () => store.db.prepare('SELECT * FROM usage_sample ORDER BY ts').all() as Row[];

  beforeEach(() => {
    store = new Store({ path: ':memory:' });
    samplers = [];
    dirs = [];
    logged = memoryLogger();
  });
  afterEach(async () => {
    for (const s of samplers) {
      // Let a start-up in progress finish (or fail), so no timer outlives the test.
      await s.ready.catch(() => undefined);
      s.stop();
    }
    store.close();
    for (const d of dirs) {
      rmSync(d, { recursive: true, force: true });
    }
  });

  const start = (reader: ResourceReader, options: Partial<SamplerOptions> = {}) => {
    const sampler = new UsageSampler(new LocalPlatform(reader), store, {
      intervalSeconds: 60,
      retentionHours: 48,
      log: logged.log,
      ...options
    });
    samplers.push(sampler);
    return sampler;
  };
  /** A writable copy of a fixture tree. */
  const copyOf = (name: string) => {
    const dir = mkdtempSync(join(tmpdir(), `hotstepper-${name}-`));
    dirs.push(dir);
    cpSync(fixture(name), dir, { recursive: true });
    return dir;
  };

  it("has no snapshot until its first two readings, then one from this process's /proc tree", async () => {
    const sampler = start(new ProcTreeReader(process.pid, '', {}));
    expect(sampler.snapshot).toBeUndefined();
    await sampler.ready;

    const snapshot = sampler.snapshot!;
    expect(snapshotErrors(snapshot)).toEqual([]);
    expect(snapshot.source).toBe('proc');
    expect(snapshot.cpu.used).toBeGreaterThanOrEqual(0);
    expect(snapshot.cpu.limit).toBe(cpus().length);
    expect(snapshot.cpu.limitSource).toBe('host');
    expect(snapshot.memory.used).toBeGreaterThan(0);
    expect(snapshot.memory).toMatchObject({ limit: totalmem(), limitSource: 'host' });
    expect(snapshot.intervalSeconds).toBe(60);
    expect(Math.abs(Date.parse(snapshot.sampledAt) - Date.now())).toBeLessThan(60_000);
  });

  it('writes each snapshot to usage_sample', async () => {
    const sampler = start(new ProcTreeReader(process.pid, '', {}));
    await sampler.ready;
    const snapshot = sampler.snapshot!;
    // The first reading only sets the baseline for the CPU rate: one row.
    expect(rows()).toEqual([
      {
        ts: Date.parse(snapshot.sampledAt),
        cpu_used: snapshot.cpu.used,
        cpu_limit: snapshot.cpu.limit,
        mem_used: snapshot.memory.used,
        mem_limit: snapshot.memory.limit,
        // No GPU here: no GPU columns.
        gpu_util: null,
        gpu_mem: null
      }
    ]);
  });

  it('reports the limits from the environment', async () => {
    const sampler = start(
      new ProcTreeReader(process.pid, '', { CPU_LIMIT: '1.5', MEM_LIMIT: String(3 * GiB) })
    );
    await sampler.ready;
    expect(sampler.snapshot!.cpu).toMatchObject({ limit: 1.5, limitSource: 'env' });
    expect(sampler.snapshot!.memory).toMatchObject({ limit: 3 * GiB, limitSource: 'env' });
  });

  it('takes a reading on demand; callers at the same moment share one', async () => {
    const sampler = start(new ProcTreeReader(process.pid, '', {}));
    await sampler.ready;
    const before = rows().length;
    await sleep(5); // a new millisecond: rows are keyed by time
    const a = sampler.sample();
    const b = sampler.sample();
    expect(b).toBe(a);
    const snapshot = await a;
    expect(rows()).toHaveLength(before + 1);
    expect(sampler.snapshot).toBe(snapshot);
  });

  describe('over a cgroup', () => {
    const reader = async (root: string) => new CgroupReader((await locateCgroup(root))!, {});

    it('reports the cgroup figures and limits', async () => {
      const sampler = start(await reader(fixture('cgroup2-pod')));
      await sampler.ready;
      expect(sampler.snapshot).toMatchObject({
        source: 'cgroup2',
        // The fixture's counters do not move: no CPU is being used.
        cpu: { used: 0, limit: 2, limitSource: 'cgroup' },
        memory: { used: 1610612736 - 402653184, limit: 4 * GiB, limitSource: 'cgroup' }
      });
    });

    it('reports the CPU used between two readings as a rate in cores', async () => {
      const root = copyOf('cgroup2-pod');
      const t0 = process.hrtime.bigint();
      const sampler = start(await reader(root));
      await sampler.ready;
      await sleep(200);
      // 3 CPU-seconds consumed since the last reading.
      writeFileSync(join(root, 'sys/fs/cgroup/cpu.stat'), `usage_usec ${98765432 + 3_000_000}\n`);
      const snapshot = (await sampler.sample())!;
      const longest = Number(process.hrtime.bigint() - t0) / 1e9;
      // The two readings were at least 0.2 s and at most `longest` apart.
      expect(snapshot.cpu.used).toBeGreaterThanOrEqual(3 / longest);
      expect(snapshot.cpu.used).toBeLessThanOrEqual(3 / 0.2);
    });

    it('never reports a negative CPU rate when the counter goes down', async () => {
      const root = copyOf('cgroup2-pod');
      const sampler = start(await reader(root));
      await sampler.ready;
      writeFileSync(join(root, 'sys/fs/cgroup/cpu.stat'), 'usage_usec 1000\n');
      expect((await sampler.sample())!.cpu.used).toBe(0);
    });
  });

  it('drops rows older than the retention', async () => {
    const insert = store.db.prepare(
      'INSERT INTO usage_sample (ts, cpu_used, cpu_limit, mem_used, mem_limit) VALUES (?, 0, 1, 1, 1)'
    );
    const hour = 3600_000;
    const old = Date.now() - 49 * hour;
    const recent = Date.now() - 47 * hour;
    insert.run(old);
    insert.run(recent);
    const sampler = start(new ProcTreeReader(process.pid, '', {}), { retentionHours: 48 });
    await sampler.ready;
    const kept = rows().map(r => r.ts);
    expect(kept).not.toContain(old);
    expect(kept).toContain(recent);
    expect(kept).toHaveLength(2);
  });

  it('samples in the background every interval until stopped', async () => {
    const sampler = start(new ProcTreeReader(process.pid, '', {}), { intervalSeconds: 0.1 });
    await sampler.ready;
    await until(() => rows().length >= 3);
    sampler.stop();
    await sleep(150); // a reading already under way may still land
    const count = rows().length;
    await sleep(500);
    expect(rows()).toHaveLength(count);
  });

  describe('when a reading fails', () => {
    let unhandled: unknown[];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    beforeEach(() => {
      unhandled = [];
      process.on('unhandledRejection', onUnhandled);
    });
    afterEach(() => {
      process.off('unhandledRejection', onUnhandled);
    });

    it('a requested reading rejects and the error is logged', async () => {
      const root = copyOf('proc-tree');
      const sampler = start(new ProcTreeReader(7, root, {}));
      await sampler.ready;
      rmSync(join(root, 'proc'), { recursive: true });
      await expect(sampler.sample()).rejects.toThrow(/ENOENT/);
      expect(logged.lines).toEqual([
        expect.objectContaining({ level: 50, msg: 'usage sampling failed' })
      ]);
    });

    it('a background reading logs the error and keeps the last snapshot, without an unhandled rejection', async () => {
      const root = copyOf('proc-tree');
      const sampler = start(new ProcTreeReader(7, root, {}), { intervalSeconds: 0.1 });
      await sampler.ready;
      const last = sampler.snapshot;
      rmSync(join(root, 'proc'), { recursive: true });
      await until(() => logged.lines.length >= 2);
      await sleep(50);
      sampler.stop();
      expect(logged.lines[0]).toMatchObject({ level: 50, msg: 'usage sampling failed' });
      expect(unhandled).toEqual([]);
      expect(sampler.snapshot).toBe(last);
    });
  });
});
