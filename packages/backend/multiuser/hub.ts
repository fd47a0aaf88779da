/**
 * A REAL multi-user JupyterHub for the multi-user suite: JupyterHub 5.5 with
 * configurable-http-proxy on loopback, LocalProcessSpawner, real Unix users created here (the
 * suite runs as root), DummyAuthenticator (a shared password, no outside service), groups from
 * the config, named servers (2 per user), and every user's server running from a fresh venv into
 * which the hotstepper wheel is installed as a user would install it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { freePort, REPO_ROOT, request, type HttpResponse } from '../integration/jupyter';

const VENV_BIN = join(REPO_ROOT, '.venv', 'bin');
const CHP = join(
  REPO_ROOT,
  'node_modules',
  'configurable-http-proxy',
  'bin',
  'configurable-http-proxy'
);
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** The group names the hub loads; each feature reads them through GET /hub/api/user. */
export const GROUPS = {
  'formgrade-demo': ['a'],
  'nbgrader-demo': ['b'],
  'storage-readers': ['a', 'b']
} as const;

export interface HubUser {
  /** The Unix (and hub) name. */
  name: string;
  uid: number;
  home: string;
  /** An API token of this user, made by the hub's admin service. */
  token: string;
}

function run(cmd: string, args: string[], opts: { cwd?: string } = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

/**
 * The single-user environment: a venv with JupyterLab and JupyterHub (for
 * jupyterhub-singleuser) — kept between runs, keyed by their versions — into which the wheel
 * built from this checkout is installed on every run, as a user installs it. Readable and
 * runnable by every user.
 */
function singleUserVenv(dir: string): string {
  const wheels = join(dir, 'wheels');
  run(join(VENV_BIN, 'python'), [
    '-m',
    'pip',
    'wheel',
    '-q',
    '--no-deps',
    '--no-build-isolation',
    '-w',
    wheels,
    REPO_ROOT
  ]);
  const wheel = readdirSync(wheels).find(f => f.endsWith('.whl'));
  if (!wheel) {
    throw new Error('pip wheel made no wheel');
  }
  const versions = run(join(VENV_BIN, 'python'), [
    '-c',
    'import jupyterhub, jupyterlab; print(jupyterhub.__version__, jupyterlab.__version__)'
  ]).trim();
  const [jupyterhub, jupyterlab] = versions.split(' ');
  // Outside the checkout, which may sit where other users cannot enter (under /root).
  const venv = join('/var/tmp', `hotstepper-hub-venv-${jupyterhub}-${jupyterlab}`);
  const pip = join(venv, 'bin', 'pip');
  if (!existsSync(join(venv, '.complete'))) {
    rmSync(venv, { recursive: true, force: true });
    // The system's Python, as in a user image: pyenv's or a venv's may sit under /root.
    run('/usr/bin/python3', ['-m', 'venv', venv]);
    run(pip, [
      'install',
      '-q',
      '--disable-pip-version-check',
      `jupyterlab==${jupyterlab}`,
      `jupyterhub==${jupyterhub}`,
      'jupyter-server-proxy>=4.1'
    ]);
    writeFileSync(join(venv, '.complete'), versions);
  }
  // The same version is installed again (the wheel changed, its number did not); then its
  // dependencies, as `pip install <wheel>` brings them (the Node runtime among them).
  run(pip, [
    'install',
    '-q',
    '--disable-pip-version-check',
    '--force-reinstall',
    '--no-deps',
    join(wheels, wheel)
  ]);
  run(pip, ['install', '-q', '--disable-pip-version-check', join(wheels, wheel)]);
  return venv;
}

export class Hub {
  readonly dir: string;
  readonly adminToken = randomBytes(24).toString('hex');
  readonly password = randomBytes(12).toString('hex');
  readonly users: HubUser[] = [];
  url = '';
  private proc?: ChildProcess;
  private log: string[] = [];
  private prefix = `hs${randomBytes(3).toString('hex')}`;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'hs-hub-'));
    // The users' servers run the venv in here: every user may enter and read it.
    chmodSync(this.dir, 0o755);
  }

  /** The hub's name of a test user: `a` → `hs1a2b3c-a` (unique per run, a valid Unix name). */
  userName(short: string): string {
    return `${this.prefix}-${short}`;
  }

  user(short: string): HubUser {
    const found = this.users.find(u => u.name === this.userName(short));
    if (!found) {
      throw new Error(`no hub user ${short}`);
    }
    return found;
  }

  async start(shortNames: string[]): Promise<this> {
    const venv = singleUserVenv(this.dir);
    for (const short of shortNames) {
      const name = this.userName(short);
      run('useradd', ['-m', '-s', '/bin/sh', name]);
      const uid = Number(run('id', ['-u', name]).trim());
      this.users.push({ name, uid, home: `/home/${name}`, token: '' });
    }
    const [port, hubPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    this.url = `http://127.0.0.1:${port}`;
    const values = parseYaml(readFileSync(join(REPO_ROOT, 'deploy', 'values.yaml'), 'utf8'));
    // The same token scopes as the Kubernetes recipe: what is proven here is what is deployed.
    const scopes: string[] = values.hub.config.Spawner.server_token_scopes;
    const groups = Object.fromEntries(
      Object.entries(GROUPS).map(([g, members]) => [
        g,
        { users: members.map(m => this.userName(m)) }
      ])
    );
    const state = join(this.dir, 'state');
    mkdirSync(state, { mode: 0o700 });
    const config = `
import json
c = get_config()  # noqa
c.JupyterHub.bind_url = "${this.url}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:${hubPort}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:${apiPort}"
c.ConfigurableHTTPProxy.command = ["node", ${JSON.stringify(CHP)}]
c.JupyterHub.db_url = "sqlite:///${state}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "${state}/cookie_secret"
c.JupyterHub.pid_file = "${state}/jupyterhub.pid"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = ${JSON.stringify(this.password)}
c.Authenticator.allowed_users = set(${JSON.stringify(this.users.map(u => u.name))})
c.JupyterHub.load_groups = json.loads(${JSON.stringify(JSON.stringify(groups))})
c.JupyterHub.allow_named_servers = True
c.JupyterHub.named_server_limit_per_user = 2
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [${JSON.stringify(join(venv, 'bin', 'jupyterhub-singleuser'))}]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.server_token_scopes = json.loads(${JSON.stringify(JSON.stringify(scopes))})
# Each user's own admin config, so a test can change one user's without touching the others'.
c.Spawner.environment = {"HOTSTEPPER_CONFIG": lambda spawner: f"${this.dir}/hotstepper-{spawner.user.name}.json"}
c.JupyterHub.services = [{"name": "hs-test", "api_token": ${JSON.stringify(this.adminToken)}}]
c.JupyterHub.load_roles = [{"name": "hs-test", "scopes": ["admin:users", "admin:servers", "tokens", "read:groups"], "services": ["hs-test"]}]
`;
    writeFileSync(join(this.dir, 'jupyterhub_config.py'), config);
    for (const user of this.users) {
      this.writeConfig(user);
    }
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${VENV_BIN}:${process.env.PATH}` };
    for (const key of Object.keys(env).filter(k => /^(JUPYTER|HOTSTEPPER|XDG_)/.test(k))) {
      delete env[key];
    }
    this.proc = spawn(
      join(VENV_BIN, 'jupyterhub'),
      ['-f', join(this.dir, 'jupyterhub_config.py')],
      {
        cwd: state,
        env,
        stdio: ['ignore', 'pipe', 'pipe']
      }
    );
    const keep = (b: Buffer) => this.log.push(b.toString());
    this.proc.stdout!.on('data', keep);
    this.proc.stderr!.on('data', keep);
    await this.until(
      async () => (await request(`${this.url}/hub/health`)).status === 200,
      60_000,
      'the hub to answer /hub/health'
    );
    for (const user of this.users) {
      const made = await this.api('POST', `/users/${user.name}/tokens`, {
        note: 'multi-user suite'
      });
      user.token = JSON.parse(made.body).token;
    }
    return this;
  }

  /**
   * A user's admin config (hotstepper.json), read by the backend when it starts: the suite's
   * defaults with `extra`'s sections merged over them.
   */
  writeConfig(user: HubUser, extra: Record<string, object> = {}): void {
    // The hub's named_server_limit_per_user, as the admin tells My servers.
    const base: Record<string, object> = { usage: { sampleIntervalSeconds: 1, serverLimit: 2 } };
    const config = { ...base };
    for (const [section, values] of Object.entries(extra)) {
      config[section] = { ...(base[section] ?? {}), ...values };
    }
    const file = join(this.dir, `hotstepper-${user.name}.json`);
    writeFileSync(file, JSON.stringify(config));
    chmodSync(file, 0o644);
  }

  /** The hub's REST API as its admin service. */
  api(method: string, path: string, body?: unknown): Promise<HttpResponse> {
    return request(`${this.url}/hub/api${path}`, method, {
      headers: { authorization: `token ${this.adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
  }

  /** Starts a user's (default or named) server and waits until the hub says it is ready. */
  async startServer(user: HubUser, server = ''): Promise<void> {
    const path = `/users/${user.name}/server${server ? `s/${server}` : ''}`;
    const res = await this.api('POST', path);
    if (![201, 202, 400].includes(res.status)) {
      throw new Error(
        `starting ${user.name}/${server}: ${res.status} ${res.body}\n${this.log.join('').slice(-4000)}`
      );
    }
    await this.until(
      async () => {
        const model = JSON.parse((await this.api('GET', `/users/${user.name}`)).body);
        return model.servers?.[server]?.ready === true;
      },
      150_000,
      `${user.name}'s server "${server}" to be ready`
    );
  }

  /** A request through the hub's public URL with a user's token. */
  as(user: HubUser, method: string, path: string, body?: unknown): Promise<HttpResponse> {
    const xsrf = randomBytes(8).toString('hex');
    return request(`${this.url}${path}`, method, {
      headers: {
        authorization: `token ${user.token}`,
        // The backend checks the XSRF pair itself on every mutation, as JupyterLab sends it.
        cookie: `_xsrf=${xsrf}`,
        'x-xsrftoken': xsrf,
        'content-type': 'application/json'
      },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
  }

  async until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      try {
        if (await check()) {
          return;
        }
      } catch {
        // not yet
      }
      if (Date.now() > deadline) {
        throw new Error(`gave up waiting for ${what}; hub log:\n${this.log.join('').slice(-4000)}`);
      }
      await sleep(250);
    }
  }

  /** Pids of the processes a user runs whose command line holds `needle`. */
  processesOf(user: HubUser, needle: string): number[] {
    return readdirSync('/proc')
      .filter(p => /^\d+$/.test(p))
      .filter(p => {
        try {
          const status = readFileSync(`/proc/${p}/status`, 'utf8');
          const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
          return uid === user.uid && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(needle);
        } catch {
          return false;
        }
      })
      .map(Number);
  }

  async stop(): Promise<void> {
    for (const user of this.users) {
      await this.api('DELETE', `/users/${user.name}/server`).catch(() => undefined);
    }
    if (this.proc && this.proc.exitCode === null) {
      const proc = this.proc;
      let timer: NodeJS.Timeout | undefined;
      const exited = new Promise(r => proc.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise(r => (timer = setTimeout(r, 15_000)))]);
      clearTimeout(timer);
      proc.kill('SIGKILL');
    }
    for (const user of this.users) {
      // Whatever a test left running as the user (jobs, apps) goes with it.
      try {
        execFileSync('pkill', ['-KILL', '-u', user.name]);
      } catch {
        // nothing left
      }
      try {
        execFileSync('userdel', ['-r', '-f', user.name], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
    if (existsSync(this.dir)) {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
