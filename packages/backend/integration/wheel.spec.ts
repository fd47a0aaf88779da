/**
 * The distribution people install: one wheel with every extension prebuilt
 * and the backend bundled, which runs with Node alone (no node_modules).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(__dirname, '..', '..', '..');
const python = process.env.HOTSTEPPER_PYTHON ?? join(repo, '.venv', 'bin', 'python');

describe('the hotstepper wheel', () => {
  let dir: string;
  let unpacked: string;
  let wheel: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hs-wheel-'));
    execFileSync(
      python,
      ['-m', 'pip', 'wheel', '-q', '--no-deps', '--no-build-isolation', '-w', dir, repo],
      { stdio: ['ignore', 'ignore', 'pipe'] }
    );
    wheel = readdirSync(dir).find(f => f.endsWith('.whl'))!;
    unpacked = join(dir, 'unpacked');
    execFileSync(python, ['-m', 'zipfile', '-e', join(dir, wheel), unpacked]);
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is tagged for this platform, since it carries a native addon', () => {
    expect(wheel).toMatch(/^hotstepper-[\d.]+-py3-none-linux_(x86_64|aarch64)\.whl$/);
  });

  it('installs every extension prebuilt into share/jupyter/labextensions', () => {
    const data = join(
      unpacked,
      'hotstepper-0.1.0.data',
      'data',
      'share',
      'jupyter',
      'labextensions',
      '@hotstepper'
    );
    for (const name of ['usage', 'jobs', 'flare']) {
      const pkg = JSON.parse(readFileSync(join(data, name, 'package.json'), 'utf8'));
      expect(pkg.name).toBe(`@hotstepper/${name}`);
      // The prebuilt bundle's entry point is named in the package.json the builder writes.
      const entry: string = pkg.jupyterlab._build.load;
      expect(readdirSync(join(data, name, 'static'))).toContain(entry.replace('static/', ''));
      // Every extension has user settings (the Settings Editor reads these).
      expect(
        readdirSync(join(data, name, 'schemas', '@hotstepper', name)).some(f => f.endsWith('.json'))
      ).toBe(true);
    }
  });

  it('declares the jupyter-server-proxy entry point and depends on jupyter-server-proxy', () => {
    const info = readdirSync(unpacked).find(f => f.endsWith('.dist-info'))!;
    expect(readFileSync(join(unpacked, info, 'entry_points.txt'), 'utf8')).toMatch(
      /\[jupyter_serverproxy_servers\][^[]*\nhotstepper = hotstepper:setup_hotstepper\n/
    );
    expect(readFileSync(join(unpacked, info, 'METADATA'), 'utf8')).toMatch(
      /Requires-Dist: jupyter-server-proxy/
    );
  });

  it('runs its bundled backend with Node alone, outside the source tree', async () => {
    const backend = join(unpacked, 'hotstepper', 'backend', 'main.js');
    const socket = join(dir, 'backend.sock');
    const child = spawn(process.execPath, [backend, '--socket', socket], {
      env: { PATH: process.env.PATH, XDG_DATA_HOME: join(dir, 'data'), NODE_PATH: '' },
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe']
    });
    let stderr = '';
    child.stderr.on('data', chunk => (stderr += chunk));
    try {
      const body = await new Promise<string>((ok, fail) => {
        const deadline = Date.now() + 15_000;
        const attempt = () =>
          getRoot(socket)
            .then(ok)
            .catch(err =>
              Date.now() > deadline
                ? fail(new Error(`${err}\n${stderr}`))
                : setTimeout(attempt, 200)
            );
        attempt();
      });
      expect(JSON.parse(body)).toMatchObject({ name: 'hotstepper', platform: 'local' });
    } finally {
      child.kill('SIGTERM');
    }
  });
});

/** GET / over the unix socket with Node's http client. */
function getRoot(socketPath: string): Promise<string> {
  return new Promise((ok, fail) => {
    const req = get({ socketPath, path: '/' }, res => {
      let data = '';
      res.on('data', c => (data += c));
      res.on('end', () =>
        res.statusCode === 200 ? ok(data) : fail(new Error(`HTTP ${res.statusCode}`))
      );
    });
    req.on('error', fail);
  });
}
