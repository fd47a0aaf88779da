import { EventBus, type AppChange } from '../src/bus';
import { parseConfig } from '../src/config';
import { AppsService } from '../src/features/apps/service';
import type { AppRecord, AppsHost, ProxyServer } from '../src/platform/apps';
import type { ProcessNode, Processes } from '../src/platform/types';

/** A machine in memory: processes that die on the signals they heed, and the proxy's records. */
class World implements AppsHost, Processes {
  registryList: ProxyServer[] = [
    { name: 'hotstepper', title: 'hotstepper', path: 'hotstepper/', launcher: false },
    {
      name: 'desktop-websockify',
      title: 'Desktop',
      path: 'desktop/',
      launcher: true,
      iconPath: 'server-proxy/icon/desktop-websockify'
    },
    { name: 'rstudio', title: 'RStudio', path: 'rstudio/', launcher: true },
    { name: 'custom', title: 'Custom', path: 'custom/', launcher: true }
  ];
  programs = new Set(['vncserver']);
  recordsByName = new Map<string, AppRecord>();
  procs = new Map<number, ProcessNode & { ignoresTerm?: boolean }>();
  signals: Array<[number, string | number]> = [];
  log = ['starting', 'Error: no display'];

  registry = async () => this.registryList;
  open = async () => ({ status: 200, body: '' });
  records = async () => new Map(this.recordsByName);
  output = async (_name: string, lines: number) => this.log.slice(-lines);
  which = async (program: string) =>
    this.programs.has(program) ? `/usr/bin/${program}` : undefined;
  alive = async (pid: number) => this.procs.has(pid);
  signal(pid: number, signal: NodeJS.Signals | 0): boolean {
    this.signals.push([pid, signal]);
    const proc = this.procs.get(pid);
    if (proc && (signal === 'SIGKILL' || (signal === 'SIGTERM' && !proc.ignoresTerm))) {
      this.procs.delete(pid);
      if (this.procs.size === 0) {
        for (const record of this.recordsByName.values()) {
          record.exited ??= 100;
          record.code ??= -15;
        }
      }
    }
    return Boolean(proc);
  }
  async tree(root: number): Promise<ProcessNode[]> {
    return this.procs.has(root) ? [...this.procs.values()] : [];
  }
  listeningPorts = async () => [];
  listeningSockets = async () => [];

  run(name: string, pids: number[], record: Partial<AppRecord> = {}): void {
    for (const pid of pids) {
      this.procs.set(pid, { pid, ppid: pid - 1, argv: [], cpuSeconds: 1, memoryBytes: 1024 });
    }
    this.recordsByName.set(name, {
      pid: pids[0],
      started: 10,
      timeout: 30,
      ready: true,
      ...record
    });
  }
}

function setup(config: object = {}) {
  const world = new World();
  const bus = new EventBus();
  const changes: AppChange[] = [];
  bus.subscribe('app', c => changes.push(c));
  let now = 1_000_000;
  const service = new AppsService({
    config: parseConfig({ apps: { stopGraceSeconds: 1, ...config } }).apps,
    host: world,
    processes: world,
    bus,
    now: () => now,
    sleep: async ms => void (now += ms)
  });
  return { world, service, changes, tick: (ms: number) => (now += ms) };
}

describe('what exists', () => {
  it('lists the registry’s apps and the known ones, each installed or with the reason', async () => {
    const { service } = setup({ images: { rstudio: ['RStudio 4.4', 'R + Python'] } });
    const apps = await service.list();
    expect(apps.map(a => a.name)).toEqual([
      'desktop-websockify',
      'rstudio',
      'custom',
      'code-server',
      'tensorboard',
      'matlab'
    ]);
    const by = new Map(apps.map(a => [a.name, a]));
    expect(by.get('desktop-websockify')).toMatchObject({
      installed: true,
      program: '/usr/bin/vncserver',
      path: 'desktop/',
      iconPath: 'server-proxy/icon/desktop-websockify',
      state: 'stopped'
    });
    expect(by.get('rstudio')).toMatchObject({
      installed: false,
      images: ['RStudio 4.4', 'R + Python'],
      reason: "Not in this image — choose 'RStudio 4.4' or 'R + Python' when you start a server"
    });
    // Configured by the admin with a program we do not know: the proxy can start it.
    expect(by.get('custom')).toMatchObject({ installed: true, title: 'Custom' });
    expect(by.get('matlab')).toMatchObject({ source: 'known', reason: 'Not in this image' });
  });

  it('says when the program is there but its proxy is not', async () => {
    const { world, service } = setup();
    world.programs.add('tensorboard');
    const tensorboard = (await service.list()).find(a => a.name === 'tensorboard')!;
    expect(tensorboard.installed).toBe(false);
    expect(tensorboard.reason).toContain('entry point for it is not registered');
  });

  it('answers 502 with the reason when the proxy cannot be asked', async () => {
    const { world, service } = setup();
    world.registry = async () => {
      throw new Error('connection refused');
    };
    await expect(service.list()).rejects.toMatchObject({
      statusCode: 502,
      message: expect.stringContaining('connection refused')
    });
  });
});

describe('state', () => {
  it('is running with the tree’s memory and CPU, starting until it answers', async () => {
    const { world, service, tick, changes } = setup();
    world.run('desktop-websockify', [100, 101, 102], { ready: false });
    let desktop = (await service.list())[0];
    expect(desktop).toMatchObject({ state: 'starting', pids: [100, 101, 102], memory: 3072 });
    world.recordsByName.get('desktop-websockify')!.ready = true;
    for (const p of world.procs.values()) {
      p.cpuSeconds += 1;
    }
    tick(2000);
    desktop = (await service.list())[0];
    expect(desktop.state).toBe('running');
    expect(desktop.cpu).toBeCloseTo(1.5);
    expect(desktop.since).toBe(new Date(10_000).toISOString());
    expect(changes.map(c => c.event)).toEqual(['started']);
  });

  it('is crashed with the last output when it ended on its own with an error, stopped with 0', async () => {
    const { world, service, changes } = setup();
    world.run('desktop-websockify', [100]);
    await service.list();
    world.procs.clear();
    Object.assign(world.recordsByName.get('desktop-websockify')!, { exited: 20, code: 1 });
    const crashed = (await service.list())[0];
    expect(crashed).toMatchObject({
      state: 'crashed',
      exitCode: 1,
      output: ['starting', 'Error: no display']
    });
    expect(changes.at(-1)).toMatchObject({ event: 'crashed', detail: 'Error: no display' });
    Object.assign(world.recordsByName.get('desktop-websockify')!, { code: 0 });
    expect((await service.list())[0].state).toBe('stopped');
  });
});

describe('stop', () => {
  it('sends SIGTERM to the whole tree and SIGKILL to what is left after the grace period', async () => {
    const { world, service, changes } = setup();
    world.run('desktop-websockify', [100, 101, 102]);
    world.procs.get(102)!.ignoresTerm = true;
    await service.list();
    const stopped = await service.stop('desktop-websockify');
    expect(world.signals).toEqual([
      [100, 'SIGTERM'],
      [101, 'SIGTERM'],
      [102, 'SIGTERM'],
      [102, 'SIGKILL']
    ]);
    // Ended by a signal, but asked for: stopped, not crashed.
    expect(stopped.state).toBe('stopped');
    expect(changes.map(c => c.event)).toEqual(['stopped']);
  });

  it('refuses what does not run, and names unknown apps', async () => {
    const { service } = setup();
    await expect(service.stop('desktop-websockify')).rejects.toMatchObject({ statusCode: 409 });
    await expect(service.stop('nope')).rejects.toMatchObject({ statusCode: 404 });
    await expect(service.start('rstudio')).rejects.toMatchObject({
      statusCode: 409,
      message: expect.stringContaining('Not in this image')
    });
  });
});
