/**
 * Galata (Playwright) configuration for the Hotstepper UI tests.
 *
 * Uses Debian's Chromium (`npx playwright install` cannot download a browser
 * here) and starts its own JupyterLab from the repository's .venv with the
 * environment a KubeSpawner pod would have (CPU_LIMIT) and a fast sampler.
 */
import * as path from 'path';
import { defineConfig, type PlaywrightTestConfig } from '@playwright/test';

// galata's base configuration is CommonJS and typed as `export {}`: require it, as the
// JupyterLab extension template does.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const baseConfig: PlaywrightTestConfig = require('@jupyterlab/galata/lib/playwright-config');

// eslint-disable-next-line @typescript-eslint/no-require-imports
const chromiumOptions: { executablePath: string; args: string[] } = require('./chromium.json');

const HERE = __dirname;
const TMP = path.join(HERE, '.tmp'); // git-ignored
const VENV_BIN = path.resolve(HERE, '..', '.venv', 'bin');
// Another port lets two checkouts run their UI tests side by side on one machine.
const PORT = process.env.HS_UI_PORT || '8888';

export default defineConfig({
  ...baseConfig,
  testDir: './tests',
  outputDir: 'test-results',
  workers: 1,
  fullyParallel: false,
  // Retries hide bugs: a flaky test must fail.
  retries: 0,
  // A test's own waits plus JupyterLab's start (tests/helpers.ts allows it 90 s) on a busy machine.
  timeout: 150_000,
  // Playwright's 5 s for an assertion is missed on a machine running other suites beside this one.
  expect: { timeout: 15_000 },
  reporter: [['list'], ['json', { outputFile: path.join(HERE, 'test-results', 'results.json') }]],
  use: {
    ...baseConfig.use,
    baseURL: `http://localhost:${PORT}`,
    trace: 'retain-on-failure',
    // galata's default ('retain-on-failure') needs Playwright's own ffmpeg.
    video: 'off',
    // Debian's Chromium with the flags this machine needs; shared with scripts/bench.mjs.
    launchOptions: chromiumOptions
  },
  webServer: {
    // The server's log goes to .tmp/jupyter-server.log (it is long and drowns the test list).
    command: `mkdir -p .tmp && exec ${path.join(VENV_BIN, 'jupyter')} lab --config jupyter_server_test_config.py --ServerApp.port=${PORT} --ServerApp.port_retries=0 > .tmp/jupyter-server.log 2>&1`,
    cwd: HERE,
    url: `http://localhost:${PORT}/lab`,
    reuseExistingServer: !process.env.CI,
    // Jupyter starts in seconds; a machine running the other suites beside it may take longer.
    timeout: 180_000,
    // SIGTERM rather than SIGKILL: jupyter-server-proxy (simpervisor) catches it, stops the
    // backend and exits; kernels exit when they see their parent gone.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      // One busy Python process (1 core) is 200 % of this: red.
      CPU_LIMIT: '0.5',
      // No memory limit and no Kubernetes: the figures must not depend on the caller's shell.
      MEM_LIMIT: '',
      KUBERNETES_SERVICE_HOST: '',
      // Sample every second instead of every five.
      HOTSTEPPER_CONFIG: path.join(HERE, 'hotstepper-test-config.json'),
      // The backend's state.db (and Jupyter's runtime files) stay out of the home directory.
      XDG_DATA_HOME: path.join(TMP, 'xdg-data'),
      // The Apps tests' desktop: TigerVNC with a window manager alone.
      JUPYTER_REMOTE_DESKTOP_PROXY_XSTARTUP: path.join(HERE, 'desktop-xstartup'),
      PATH: `${VENV_BIN}${path.delimiter}${process.env.PATH ?? ''}`
    }
  }
});
