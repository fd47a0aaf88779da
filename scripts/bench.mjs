// Benchmarks (figures, not pass/fail). Starts real Jupyter servers with a
// token on loopback, drives Debian Chromium, and prints:
//  - JupyterLab time-to-ready with the suite vs. without it (ratio);
//  - the status item's request latency through the Jupyter server (p50, p99).
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);

const freePort = () =>
  new Promise(ok => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });

const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const median = xs =>
  pct(
    [...xs].sort((a, b) => a - b),
    50
  );

async function startJupyter({ disableSuite }) {
  const dir = mkdtempSync(join(tmpdir(), 'hs-bench-'));
  const config = join(dir, 'config');
  mkdirSync(join(config, 'labconfig'), { recursive: true });
  if (disableSuite) {
    writeFileSync(
      join(config, 'labconfig', 'page_config.json'),
      JSON.stringify({ disabledExtensions: { '@hotstepper/usage': true } })
    );
  }
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const proc = spawn(
    join(root, '.venv', 'bin', 'jupyter'),
    [
      'lab',
      '--no-browser',
      '--ServerApp.ip=127.0.0.1',
      `--ServerApp.port=${port}`,
      `--IdentityProvider.token=${token}`,
      `--ServerApp.root_dir=${dir}`,
      '--LabApp.expose_app_in_browser=True',
      '--LabApp.news_url=',
      '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
      ...(process.getuid?.() === 0 ? ['--allow-root'] : [])
    ],
    {
      env: {
        ...process.env,
        JUPYTER_CONFIG_DIR: config,
        JUPYTER_RUNTIME_DIR: join(dir, 'runtime'),
        XDG_DATA_HOME: join(dir, 'data'),
        PATH: `${join(root, '.venv', 'bin')}:${process.env.PATH}`
      },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true
    }
  );
  proc.stderr.resume();
  const base = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${base}api/status`, { headers: { Authorization: `token ${token}` } })).ok) {
        break;
      }
    } catch {
      // not listening yet
    }
    await new Promise(r => setTimeout(r, 100));
  }
  return {
    base,
    token,
    stop: async () => {
      try {
        process.kill(-proc.pid, 'SIGTERM');
      } catch {}
      await new Promise(r => setTimeout(r, 1500));
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {}
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** Milliseconds from navigation start until JupyterLab is restored (and, with the suite, the item shows figures). */
async function timeToReady(browser, server, withSuite) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.base}lab?token=${server.token}`);
  await page.waitForFunction(() => window.jupyterapp !== undefined, null, { timeout: 60000 });
  await page.evaluate(() => window.jupyterapp.restored);
  if (withSuite) {
    await page.waitForSelector('.hs-UsageStatus-cpu', { timeout: 60000 });
  }
  const ms = await page.evaluate(() => performance.now());
  await context.close();
  return ms;
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
    '--disable-dev-shm-usage'
  ]
});

const withSuite = await startJupyter({ disableSuite: false });
const without = await startJupyter({ disableSuite: true });
try {
  // Warm both servers (first page load compiles templates, first proxy call starts the backend).
  await timeToReady(browser, withSuite, true);
  await timeToReady(browser, without, false);
  const a = [];
  const b = [];
  for (let i = 0; i < ROUNDS; i++) {
    a.push(await timeToReady(browser, withSuite, true));
    b.push(await timeToReady(browser, without, false));
  }
  const ma = median(a);
  const mb = median(b);
  console.log(
    `JupyterLab time-to-ready, median of ${ROUNDS} (status item showing figures vs. suite disabled):`
  );
  console.log(
    `  with suite ${ma.toFixed(0)} ms, without ${mb.toFixed(0)} ms, ratio ${(ma / mb).toFixed(3)}`
  );

  const url = `${withSuite.base}hotstepper/api/v1/usage/now`;
  const headers = { Authorization: `token ${withSuite.token}` };
  for (let i = 0; i < 20; i++) {
    await (await fetch(url, { headers })).json();
  }
  const lat = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t = performance.now();
    const r = await fetch(url, { headers });
    await r.json();
    lat.push(performance.now() - t);
  }
  lat.sort((x, y) => x - y);
  console.log(
    `Status item request GET /hotstepper/api/v1/usage/now through jupyter-server-proxy, ${REQUESTS} sequential:`
  );
  console.log(
    `  p50 ${pct(lat, 50).toFixed(2)} ms, p99 ${pct(lat, 99).toFixed(2)} ms, max ${lat.at(-1).toFixed(2)} ms`
  );
} finally {
  await browser.close();
  await withSuite.stop();
  await without.stop();
}
