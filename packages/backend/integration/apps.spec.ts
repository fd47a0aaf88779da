/**
 * Platform apps through a real Jupyter server and jupyter-server-proxy, auth on: a real desktop
 * (TigerVNC + openbox through jupyter-remote-desktop-proxy), a real TensorBoard, and RStudio's
 * real proxy (jupyter-rsession-proxy) with the program absent, then with a stand-in rserver
 * (fixtures/apps/rserver) that serves HTTP on the socket the proxy gives it.
 */
import type { App } from '@hotstepper/api';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { isRunning, JupyterServer, REPO_ROOT, request } from './jupyter';

const python = join(REPO_ROOT, '.venv', 'bin', 'python');
const hasDesktop = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v vncserver && command -v openbox'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * The entry points of the `hotstepper` package, for an environment where it was installed
 * before they existed (its metadata lists only the backend): a dist-info naming them.
 */
function entryPointsShim(dir: string): string | undefined {
  const listed = execFileSync(python, [
    '-c',
    "from importlib.metadata import entry_points; print(' '.join(e.name for e in entry_points(group='jupyter_serverproxy_servers')))"
  ])
    .toString()
    .split(/\s+/);
  if (listed.includes('tensorboard')) {
    return undefined;
  }
  const info = join(dir, 'hotstepper_apps_dev-0.0.0.dist-info');
  mkdirSync(info, { recursive: true });
  writeFileSync(
    join(info, 'METADATA'),
    'Metadata-Version: 2.1\nName: hotstepper-apps-dev\nVersion: 0.0.0\n'
  );
  writeFileSync(
    join(info, 'entry_points.txt'),
    '[jupyter_serverproxy_servers]\ntensorboard = hotstepper.apps:setup_tensorboard\ncode-server = hotstepper.apps:setup_code_server\n'
  );
  return dir;
}

const work = mkdtempSync(join(tmpdir(), 'hotstepper-apps-'));
const logdir = join(work, 'runs');
const bin = join(work, 'bin');
mkdirSync(bin);
const configFile = join(work, 'hotstepper.json');
writeFileSync(
  configFile,
  JSON.stringify({ apps: { images: { rstudio: ['RStudio 4.4'] }, stopGraceSeconds: 3 } })
);
const shim = entryPointsShim(join(work, 'site'));
// The proxy's own session script starts Xfce: a window manager alone is enough here.
const xstartup = join(work, 'xstartup');
writeFileSync(xstartup, '#!/bin/sh\nexec openbox\n', { mode: 0o755 });
const server = new JupyterServer({
  env: {
    HOTSTEPPER_CONFIG: configFile,
    HOTSTEPPER_TENSORBOARD_LOGDIR: logdir,
    JUPYTER_REMOTE_DESKTOP_PROXY_XSTARTUP: xstartup,
    // The stand-in rserver's folder comes first once a test puts it there.
    PATH: `${bin}:${join(REPO_ROOT, '.venv', 'bin')}:${process.env.PATH}`,
    PYTHONPATH: [process.env.PYTHONPATH, shim].filter(Boolean).join(':')
  }
});
const api = (path: string) => `${server.url}hotstepper/api/v1/apps${path}`;
let headers: Record<string, string>;

async function apps(): Promise<App[]> {
  const res = await request(api(''), 'GET', { headers: server.auth });
  if (res.status !== 200) {
    throw new Error(`GET /apps: ${res.status} ${res.body}\n${server.stderr.slice(-3000)}`);
  }
  return JSON.parse(res.body) as App[];
}

async function appNamed(name: string): Promise<App> {
  const app = (await apps()).find(a => a.name === name);
  if (!app) {
    throw new Error(`no app ${name}`);
  }
  return app;
}

async function act(name: string, verb: 'start' | 'stop' | 'restart'): Promise<App> {
  const res = await request(api(`/${name}/${verb}`), 'POST', { headers, body: '{}' });
  if (res.status !== 200) {
    throw new Error(`${verb} ${name}: ${res.status} ${res.body}`);
  }
  return JSON.parse(res.body) as App;
}

/** What a browser does: opens the desktop's websocket; resolves with its first bytes. */
function rfbGreeting(): Promise<string> {
  const url = `${server.url.replace(/^http/, 'ws')}desktop-websockify/`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: server.auth });
    ws.once('message', data => {
      resolve(Buffer.from(data as Buffer).toString('latin1'));
      ws.close();
    });
    ws.once('error', reject);
    ws.once('close', code => reject(new Error(`closed (${code}) before a greeting`)));
  });
}

beforeAll(async () => {
  // A run's scalars, written with TensorBoard's own writer (no TensorFlow).
  execFileSync(python, [
    '-c',
    `from tensorboard.summary import Writer
w = Writer(${JSON.stringify(join(logdir, 'run1'))})
for step in range(3):
    w.add_scalar('loss', 1.0 / (step + 1), step=step)
w.flush(); w.close()`
  ]);
  await server.start();
  headers = await server.labHeaders();
}, 90_000);

afterAll(async () => {
  await server.stop();
}, 60_000);

describe('what exists', () => {
  it('lists the proxy’s apps and the known ones, installed or not with the reason', async () => {
    const list = await apps();
    const byName = new Map(list.map(a => [a.name, a]));
    expect(byName.has('hotstepper')).toBe(false);
    const rstudio = byName.get('rstudio')!;
    expect(rstudio).toMatchObject({ source: 'proxy', installed: false, images: ['RStudio 4.4'] });
    expect(rstudio.reason).toBe("Not in this image — choose 'RStudio 4.4' when you start a server");
    expect(rstudio.iconPath).toMatch(/^server-proxy\/icon\/rstudio$/);
    expect(byName.get('matlab')).toMatchObject({ source: 'known', installed: false });
    expect(byName.get('code-server')).toMatchObject({
      installed: false,
      reason: 'Not in this image'
    });
    expect(byName.get('tensorboard')).toMatchObject({ installed: true, state: 'stopped' });
    if (hasDesktop) {
      expect(byName.get('desktop-websockify')).toMatchObject({
        title: 'Desktop',
        installed: true,
        path: 'desktop/',
        state: 'stopped'
      });
    }
    const refused = await request(api('/rstudio/start'), 'POST', { headers, body: '{}' });
    expect(refused.status).toBe(409);
    expect(JSON.parse(refused.body).message).toContain('RStudio 4.4');
  });
});

(hasDesktop ? describe : describe.skip)('the desktop', () => {
  it('starts on open, answers RFB, ends every process on Stop and starts again', async () => {
    expect(await rfbGreeting()).toMatch(/^RFB 003\.00\d\n/);
    const running = await appNamed('desktop-websockify');
    expect(running.state).toBe('running');
    // sh, vncserver, Xtigervnc, the window manager…
    expect(running.pids.length).toBeGreaterThanOrEqual(3);
    expect(running.memory).toBeGreaterThan(0);

    const stopped = await act('desktop-websockify', 'stop');
    expect(stopped.state).toBe('stopped');
    expect(running.pids.filter(isRunning)).toEqual([]);

    expect(await rfbGreeting()).toMatch(/^RFB 003\.00\d\n/);
    const again = await appNamed('desktop-websockify');
    expect(again.state).toBe('running');
    expect(again.pids[0]).not.toBe(running.pids[0]);
    await act('desktop-websockify', 'stop');
  }, 120_000);
});

describe('TensorBoard', () => {
  const scalars = () =>
    request(`${server.url}tensorboard/data/plugin/scalars/scalars?run=run1&tag=loss`, 'GET', {
      headers: server.auth
    });

  it('serves the run’s scalars through the proxy, and again after stop and restart', async () => {
    const first = await scalars();
    expect(first.status).toBe(200);
    expect((JSON.parse(first.body) as number[][]).map(p => p[1])).toEqual([0, 1, 2]);
    const running = await appNamed('tensorboard');
    expect(running.state).toBe('running');

    expect((await act('tensorboard', 'stop')).state).toBe('stopped');
    expect(running.pids.filter(isRunning)).toEqual([]);
    // The next request starts it again.
    expect((await scalars()).status).toBe(200);

    const restarted = await act('tensorboard', 'restart');
    expect(restarted.state).toBe('running');
    expect(running.pids[0]).not.toBe(restarted.pids[0]);
    expect((await scalars()).status).toBe(200);
    await act('tensorboard', 'stop');
  }, 150_000);
});

describe('RStudio with a stand-in rserver', () => {
  it('is detected, runs, starts again after exiting with code 0 and after a crash', async () => {
    execFileSync('cp', [join(__dirname, 'fixtures', 'apps', 'rserver'), bin]);
    const found = await appNamed('rstudio');
    expect(found).toMatchObject({ installed: true, program: join(bin, 'rserver') });

    expect((await act('rstudio', 'start')).state).toBe('running');
    const exit = await request(`${server.url}rstudio/exit`, 'GET', { headers: server.auth });
    expect(exit.status).toBe(200);
    // As the panel shows it once the process is gone.
    const deadline = Date.now() + 30_000;
    while ((await appNamed('rstudio')).state !== 'stopped') {
      if (Date.now() > deadline) {
        throw new Error('the stand-in never showed as stopped after exiting');
      }
      await new Promise(r => setTimeout(r, 100));
    }
    // jupyter-server-proxy alone answers 500 here for good: the app exited with 0.
    const again = await request(`${server.url}rstudio/`, 'GET', { headers: server.auth });
    expect(again.status).toBe(200);
    expect(again.body).toBe('stand-in rserver\n');
    expect((await appNamed('rstudio')).state).toBe('running');

    // A crash: the panel says so with the last lines, and the next Open starts it again.
    await request(`${server.url}rstudio/crash`, 'GET', { headers: server.auth });
    let crashed = await appNamed('rstudio');
    const until = Date.now() + 30_000;
    while (crashed.state !== 'crashed' && Date.now() < until) {
      await new Promise(r => setTimeout(r, 100));
      crashed = await appNamed('rstudio');
    }
    expect(crashed).toMatchObject({ state: 'crashed', exitCode: 3 });
    expect(crashed.output.at(-1)).toBe('fatal: the stand-in was asked to crash');
    expect(crashed.output).toContain('stand-in rserver starting');
    expect((await request(`${server.url}rstudio/`, 'GET', { headers: server.auth })).status).toBe(
      200
    );
    expect((await appNamed('rstudio')).state).toBe('running');
  }, 150_000);
});
