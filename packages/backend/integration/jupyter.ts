/**
 * A REAL Jupyter server (jupyter_server + jupyter-server-proxy + the hotstepper
 * entry point + the bundled backend) with token auth and XSRF ON, for the
 * integration suite. Everything it writes (config, data, runtime, state.db,
 * jupyter-server-proxy's socket directory) lives in one private temp dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync
} from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The monorepo root: packages/backend/integration/ → ../../.. */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** The `jupyter` launcher of the repo's venv, unless HOTSTEPPER_JUPYTER names another. */
export function jupyterExecutable(): string {
  return process.env.HOTSTEPPER_JUPYTER || join(REPO_ROOT, '.venv', 'bin', 'jupyter');
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: string;
}

/** One plain HTTP request: no redirect following, no cookie jar, no keep-alive. */
export function request(
  url: string,
  method = 'GET',
  options: RequestOptions = {}
): Promise<HttpResponse> {
  return new Promise((resolvePromise, reject) => {
    const req = http.request(
      url,
      { method, headers: { connection: 'close', ...options.headers }, agent: false },
      res => {
        const chunks: Buffer[] = [];
        // An event stream never ends: its first chunk proves the proxy streams it.
        const stream = String(res.headers['content-type']).startsWith('text/event-stream');
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          if (stream) {
            resolvePromise({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: chunk.toString()
            });
            req.destroy();
          }
        });
        res.on('end', () =>
          resolvePromise({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8')
          })
        );
        res.on('error', reject);
      }
    );
    req.setTimeout(90_000, () => req.destroy(new Error(`${method} ${url}: no answer in 90 s`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The value of a cookie set by a response's Set-Cookie headers. */
export function setCookieValue(res: HttpResponse, name: string): string | undefined {
  for (const line of res.headers['set-cookie'] ?? []) {
    const [pair] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) {
      return pair.slice(eq + 1).trim();
    }
  }
  return undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePromise(port));
    });
  });
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** The parent pid from /proc/<pid>/stat (the command may hold spaces and parentheses). */
export function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** The argv of a live process, or undefined once it is gone. */
export function commandLine(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** A pid that exists and is not a zombie. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The socket inodes a process holds open (the `socket:[N]` links in /proc/<pid>/fd). */
export function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) {
        inodes.add(match[1]);
      }
    } catch {
      // The fd closed while we looked.
    }
  }
  return inodes;
}

export interface JupyterOptions {
  /** Extra environment for the Jupyter server (and so for the backend it spawns). */
  env?: Record<string, string>;
}

export class JupyterServer {
  readonly token = randomBytes(24).toString('hex');
  readonly dir: string;
  port = 0;
  private proc?: ChildProcess;
  private exited?: Promise<void>;
  private out: string[] = [];
  private err: string[] = [];
  /** What stop() found: the backend pids that were running and any that outlived Jupyter. */
  stopReport?: { backendPids: number[]; survivors: number[] };

  constructor(private readonly options: JupyterOptions = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'hotstepper-int-'));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  get pid(): number {
    if (!this.proc?.pid) {
      throw new Error('jupyter server is not running');
    }
    return this.proc.pid;
  }

  get stdout(): string {
    return this.out.join('');
  }

  get stderr(): string {
    return this.err.join('');
  }

  /** The Authorization header a script would send. */
  get auth(): Record<string, string> {
    return { authorization: `token ${this.token}` };
  }

  /**
   * Headers of a request as JupyterLab's ServerConnection sends it: the token, the XSRF pair
   * (the `_xsrf` cookie Jupyter sets when the lab page loads, and its header) and JSON.
   */
  async labHeaders(): Promise<Record<string, string>> {
    const lab = await request(`${this.url}lab?token=${this.token}`);
    const xsrf = setCookieValue(lab, '_xsrf');
    if (!xsrf) {
      throw new Error('Jupyter set no _xsrf cookie on the lab page');
    }
    return {
      ...this.auth,
      cookie: `_xsrf=${xsrf}`,
      'x-xsrftoken': xsrf,
      'content-type': 'application/json'
    };
  }

  /** Starts `jupyter server` and waits until GET /api/status with the token answers 200. */
  async start(): Promise<this> {
    const dirs = ['config', 'data', 'runtime', 'xdg-data', 'root', 'tmp'];
    for (const d of dirs) {
      mkdirSync(join(this.dir, d), { recursive: true, mode: 0o700 });
    }
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) {
      // Nothing from the caller's own Jupyter or Hotstepper set-up may leak in.
      if (value !== undefined && !/^(JUPYTER_|HOTSTEPPER_|JPY_)/.test(key)) {
        env[key] = value;
      }
    }
    Object.assign(env, {
      JUPYTER_CONFIG_DIR: join(this.dir, 'config'),
      JUPYTER_DATA_DIR: join(this.dir, 'data'),
      JUPYTER_RUNTIME_DIR: join(this.dir, 'runtime'),
      XDG_DATA_HOME: join(this.dir, 'xdg-data'),
      // jupyter-server-proxy makes its socket directory with mkdtemp: keep it in here too.
      TMPDIR: join(this.dir, 'tmp'),
      PATH: [
        join(REPO_ROOT, '.venv', 'bin'),
        dirname(process.execPath),
        process.env.PATH ?? ''
      ].join(':'),
      ...this.options.env
    });

    const jupyter = jupyterExecutable();
    if (!existsSync(jupyter)) {
      throw new Error(
        `no Jupyter at ${jupyter}: create the venv (see README) or set HOTSTEPPER_JUPYTER`
      );
    }
    const deadline = Date.now() + 45_000;
    this.port = await freePort();
    const proc = spawn(
      jupyter,
      [
        'server',
        '--ServerApp.ip=127.0.0.1',
        `--ServerApp.port=${this.port}`,
        '--ServerApp.port_retries=0',
        '--ServerApp.open_browser=False',
        '--allow-root',
        `--IdentityProvider.token=${this.token}`,
        `--ServerApp.root_dir=${join(this.dir, 'root')}`
      ],
      // Its own process group, so a last-resort kill reaches the backend too.
      { env, cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true }
    );
    this.proc = proc;
    proc.stdout?.setEncoding('utf8').on('data', (s: string) => this.out.push(s));
    proc.stderr?.setEncoding('utf8').on('data', (s: string) => this.err.push(s));
    this.exited = new Promise(r => proc.once('exit', () => r()));
    let gone = false;
    void this.exited.then(() => (gone = true));

    for (;;) {
      if (gone) {
        throw new Error(
          `jupyter server exited during start-up (code ${proc.exitCode}):\n${this.stderr}`
        );
      }
      try {
        const res = await request(`${this.url}api/status`, 'GET', { headers: this.auth });
        if (res.status === 200) {
          return this;
        }
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`jupyter server did not answer /api/status within 45 s:\n${this.stderr}`);
      }
      await sleep(200);
    }
  }

  /** The backend node processes Jupyter started (children running hotstepper/backend/main.js). */
  backendPids(): number[] {
    if (!this.proc?.pid) {
      return [];
    }
    const pids: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) {
        continue;
      }
      const pid = Number(entry);
      const argv = commandLine(pid);
      if (
        argv?.some(a => a.endsWith('hotstepper/backend/main.js')) &&
        parentPid(pid) === this.proc.pid &&
        isRunning(pid)
      ) {
        pids.push(pid);
      }
    }
    return pids;
  }

  /**
   * SIGTERM, then SIGKILL after a few seconds; then checks that the backend is
   * gone (jupyter-server-proxy stops it on shutdown) and kills the whole process
   * group if anything survived. Safe to call twice.
   */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc?.pid || this.stopReport) {
      return;
    }
    const pid = proc.pid;
    const backendPids = this.backendPids();
    if (proc.exitCode === null && proc.signalCode === null) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
      let timer: NodeJS.Timeout | undefined;
      const done = await Promise.race([
        this.exited!.then(() => true),
        new Promise<boolean>(r => (timer = setTimeout(() => r(false), 8_000)))
      ]);
      clearTimeout(timer);
      if (!done) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
        await this.exited;
      }
    }
    // Give the backend a moment to finish its own SIGTERM handler.
    for (let i = 0; i < 30 && backendPids.some(isRunning); i++) {
      await sleep(100);
    }
    const survivors = backendPids.filter(isRunning);
    this.stopReport = { backendPids, survivors };
    try {
      process.kill(-pid, 'SIGKILL'); // The process group: anything left behind.
    } catch {
      // No such group: nothing left.
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
