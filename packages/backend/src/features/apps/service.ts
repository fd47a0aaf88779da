import type { App, AppState } from '@hotstepper/api';
import { SSH_TUNNEL_NAME } from '@hotstepper/api/constants';
import type { AppChange, EventBus } from '../../bus';
import type { Config } from '../../config';
import { HttpError } from '../../errors';
import type { AppRecord, AppsHost, ProxyServer } from '../../platform/apps';
import type { Processes } from '../../platform/types';

/** The apps Hotstepper knows, whether or not this image has them: their programs and titles. */
export interface KnownApp {
  /** jupyter-server-proxy's server name. */
  name: string;
  title: string;
  /** Any one of them on PATH: the app is in this image. */
  programs: string[];
  /** What registers it with the proxy, for "installed, but its proxy is not". */
  proxy: string;
  /** Another name the admin's `apps.images` may use. */
  alias?: string;
}

export const KNOWN_APPS: KnownApp[] = [
  {
    name: 'desktop-websockify',
    alias: 'desktop',
    title: 'Desktop',
    programs: ['vncserver'],
    proxy: 'jupyter-remote-desktop-proxy'
  },
  {
    name: 'code-server',
    alias: 'vscode',
    title: 'VS Code',
    programs: ['code-server', 'openvscode-server'],
    proxy: 'hotstepper'
  },
  { name: 'tensorboard', title: 'TensorBoard', programs: ['tensorboard'], proxy: 'hotstepper' },
  { name: 'rstudio', title: 'RStudio', programs: ['rserver'], proxy: 'jupyter-rsession-proxy' },
  { name: 'matlab', title: 'MATLAB', programs: ['matlab'], proxy: 'jupyter-matlab-proxy' }
];

/** The backend itself is a proxy server too, not an app. */
// The backend itself and the SSH tunnel (the SSH card's) are jupyter-server-proxy servers, not apps.
const NOT_APPS = new Set(['hotstepper', SSH_TUNNEL_NAME]);
/** Lines of a crashed app's output shown. */
const OUTPUT_LINES = 20;
/** Default ready timeout of jupyter-server-proxy. */
const PROXY_TIMEOUT_S = 5;

type AppEvent = AppChange['event'];

export interface AppsServiceOptions {
  config: Config['apps'];
  host: AppsHost;
  processes: Processes;
  bus?: EventBus;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface Cpu {
  at: number;
  seconds: number;
}

export class AppsService {
  constructor(private readonly options: AppsServiceOptions) {}

  private registryCache?: ProxyServer[];
  private readonly cpu = new Map<number, Cpu>();
  /** Root pids this backend stopped: their end is a stop, not a crash. */
  private readonly stopped = new Set<number>();
  private readonly last = new Map<string, AppState>();

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** The registry is fixed for the server's life: asked until it answers once. */
  private async registry(): Promise<ProxyServer[]> {
    this.registryCache ??= await this.options.host.registry().catch((err: Error) => {
      throw new HttpError(
        502,
        `jupyter-server-proxy could not be asked for its apps: ${err.message}`
      );
    });
    return this.registryCache;
  }

  /** Looked for at every query (a few stats): a program installed meanwhile shows up. */
  private async program(names: string[]): Promise<string | undefined> {
    for (const name of names) {
      const found = await this.options.host.which(name);
      if (found) {
        return found;
      }
    }
    return undefined;
  }

  private reason(known: KnownApp): { reason: string; images: string[] } {
    const images =
      this.options.config.images[known.name] ??
      (known.alias ? this.options.config.images[known.alias] : undefined) ??
      [];
    const choose = images.map(i => `'${i}'`).join(' or ');
    return {
      images,
      reason: images.length
        ? `Not in this image — choose ${choose} when you start a server`
        : 'Not in this image'
    };
  }

  /** Every app: the registry's and the known ones, with their state. */
  async list(): Promise<App[]> {
    const [registry, records] = await Promise.all([this.registry(), this.options.host.records()]);
    const known = new Map(KNOWN_APPS.map(k => [k.name, k]));
    const names = [
      ...registry.filter(s => !NOT_APPS.has(s.name)).map(s => s.name),
      ...KNOWN_APPS.map(k => k.name).filter(n => !registry.some(s => s.name === n))
    ];
    const apps = await Promise.all(
      names.map(name =>
        this.describe(
          name,
          registry.find(s => s.name === name),
          known.get(name),
          records.get(name)
        )
      )
    );
    this.publishChanges(apps);
    return apps;
  }

  async get(name: string): Promise<App> {
    const app = (await this.list()).find(a => a.name === name);
    if (!app) {
      throw new HttpError(404, `No app named ${name}; GET /apps lists them`);
    }
    return app;
  }

  private async describe(
    name: string,
    server: ProxyServer | undefined,
    known: KnownApp | undefined,
    record: AppRecord | undefined
  ): Promise<App> {
    const program = known ? await this.program(known.programs) : undefined;
    const app: App = {
      name,
      title: known?.title ?? server?.title ?? name,
      iconPath: server?.iconPath,
      source: server ? 'proxy' : 'known',
      // An app the admin configured without a program we know: the proxy can start it.
      installed: Boolean(server) && (!known || Boolean(program)),
      program: program ?? known?.programs[0],
      images: [],
      path: server?.path ?? `${name}/`,
      timeout: record?.timeout ?? PROXY_TIMEOUT_S,
      state: 'stopped',
      pids: [],
      output: []
    };
    if (!app.installed && known) {
      if (program) {
        app.reason =
          known.proxy === 'hotstepper'
            ? `${known.title} is here (${program}) but the hotstepper package's entry point for it is not registered: reinstall the package`
            : `${known.title} is here (${program}) but its proxy is not: ask for ${known.proxy} in this image`;
      } else {
        Object.assign(app, this.reason(known));
      }
    }
    if (record) {
      await this.state(app, record);
    }
    return app;
  }

  /** The state from the record and the processes: a record says what the proxy did, /proc what is. */
  private async state(app: App, record: AppRecord): Promise<void> {
    const since = new Date(record.started * 1000).toISOString();
    if (record.exited === undefined) {
      const tree = await this.options.processes.tree(record.pid);
      if (tree.length) {
        app.state = record.ready ? 'running' : 'starting';
        app.since = since;
        app.pids = tree.map(p => p.pid);
        app.memory = tree.reduce((sum, p) => sum + p.memoryBytes, 0);
        const seconds = tree.reduce((sum, p) => sum + p.cpuSeconds, 0);
        const now = this.now();
        const before = this.cpu.get(record.pid);
        this.cpu.set(record.pid, { at: now, seconds });
        if (before && now > before.at) {
          app.cpu = Math.max(0, (seconds - before.seconds) / ((now - before.at) / 1000));
        }
        return;
      }
    }
    this.cpu.delete(record.pid);
    // Ended: by our Stop, on its own with 0, or not in time / of an error (a crash).
    const code = record.code;
    if (this.stopped.has(record.pid) || code === 0 || code === undefined) {
      app.state = 'stopped';
      return;
    }
    app.state = 'crashed';
    app.since = new Date((record.exited ?? record.started) * 1000).toISOString();
    app.exitCode = code < 0 ? null : code;
    app.output = await this.options.host.output(app.name, OUTPUT_LINES);
    if (code < 0) {
      app.output.push(`(ended by signal ${-code}${record.ready ? '' : ', not ready in time'})`);
    }
  }

  private publishChanges(apps: App[]): void {
    for (const app of apps) {
      const before = this.last.get(app.name);
      this.last.set(app.name, app.state);
      if (before === undefined || before === app.state || !this.options.bus) {
        continue;
      }
      const event: AppEvent | undefined =
        app.state === 'running'
          ? 'started'
          : app.state === 'crashed'
            ? 'crashed'
            : app.state === 'stopped'
              ? 'stopped'
              : undefined;
      if (event) {
        this.options.bus.publish('app', {
          name: app.name,
          title: app.title,
          event,
          at: this.now(),
          detail: event === 'crashed' ? app.output.at(-1) : undefined
        });
      }
    }
  }

  /** SIGTERM to every process of the app, SIGKILL to those left after the grace period. */
  async stop(name: string): Promise<App> {
    const app = await this.get(name);
    if (app.state !== 'running' && app.state !== 'starting') {
      throw new HttpError(409, `${app.title} is not running (it is ${app.state})`);
    }
    const { host } = this.options;
    const root = app.pids[0];
    this.stopped.add(root);
    for (const pid of app.pids) {
      host.signal(pid, 'SIGTERM');
    }
    const sleep = this.options.sleep ?? (ms => new Promise(r => setTimeout(r, ms)));
    const deadline = this.now() + this.options.config.stopGraceSeconds * 1000;
    const left = async () =>
      (await Promise.all(app.pids.map(async pid => ((await host.alive(pid)) ? pid : 0)))).filter(
        Boolean
      );
    let alive = await left();
    while (alive.length && this.now() < deadline) {
      await sleep(100);
      alive = await left();
    }
    for (const pid of alive) {
      host.signal(pid, 'SIGKILL');
    }
    // The proxy records the root's end once it has reaped it.
    const recorded = this.now() + 5000;
    while (this.now() < recorded) {
      const record = (await host.records()).get(name);
      if (!record || record.pid !== root || record.exited !== undefined) {
        break;
      }
      await sleep(50);
    }
    return this.get(name);
  }

  /** Starts the app as opening it would, and waits until it answers (or the proxy gives up). */
  async start(name: string): Promise<App> {
    const app = await this.get(name);
    if (!app.installed) {
      throw new HttpError(
        409,
        `${app.title} cannot be started here: ${app.reason ?? 'not installed'}`
      );
    }
    if (app.state === 'running') {
      return app;
    }
    // MATLAB takes minutes; the proxy's own timeout ends it first, this only bounds the wait.
    const timeoutMs = Math.max(app.timeout, 300) * 1000 + 15_000;
    const res = await this.options.host.open(name, timeoutMs);
    const after = await this.get(name);
    if (res.status >= 500) {
      const why =
        after.output.at(-1) ??
        res.body
          .replace(/<[^>]*>/g, ' ')
          .trim()
          .slice(0, 200);
      throw new HttpError(
        502,
        `${app.title} did not start: ${why || `the proxy answered ${res.status}`}`
      );
    }
    return after;
  }

  async restart(name: string): Promise<App> {
    const app = await this.get(name);
    if (app.state === 'running' || app.state === 'starting') {
      await this.stop(name);
    }
    return this.start(name);
  }
}
