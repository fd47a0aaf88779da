/**
 * What the UI specs share: the `test` they run under (a clean server before and after each
 * test), settings, the backend's answers, sidebar panels, folders, notebooks, themes and
 * screenshots. Locators of one feature stay in its spec.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  expect,
  galata,
  test as galataTest,
  type IJupyterLabPageFixture
} from '@jupyterlab/galata';
import type { APIRequestContext, Locator, Response, TestInfo } from '@playwright/test';

export { expect };

/** The backend's API, behind jupyter-server-proxy. */
const API = '/hotstepper/api/v1';
/**
 * The backend refuses a mutation whose X-XSRFToken header differs from the `_xsrf` cookie; the
 * test server runs without XSRF, so any value sent in both will do.
 */
const XSRF = { cookie: '_xsrf=ui-tests', 'x-xsrftoken': 'ui-tests' };
const ACTIVE_JOB = ['queued', 'starting', 'running'];
const SCREENSHOTS = path.resolve(__dirname, '..', 'test-results', 'screenshots');

/**
 * How long JupyterLab may take to start and restore. galata allows 15 s (its waitForAppStarted
 * and launcher check), which a busy two-core machine exceeds now and then.
 */
const APP_READY_MS = 90_000;

/**
 * galata's test with JupyterLab's own readiness waited for with APP_READY_MS, and one more
 * automatic fixture: the backend answers before each test starts (jupyter-server-proxy starts it
 * on first use), and whatever a test started on the server is gone after it, however it ended:
 * jobs, exposures and kernels. (galata already deletes the test's folder; settings and the
 * workspace live in memory per test.)
 */
export const test = galataTest.extend<{ cleanServer: void }>({
  // The page below goes to the test's folder itself, once its waits are the longer ones.
  autoGoto: false,
  page: async ({ page, tmpPath }, use) => {
    // Replaces galata's 15 s wait for `jupyterapp.started`, for the first load and reloads.
    Object.assign(page, {
      waitForAppStarted: async () => {
        await page.waitForFunction(() => typeof window.jupyterapp === 'object', undefined, {
          timeout: APP_READY_MS
        });
        await page.evaluate(() => window.jupyterapp.started);
      }
    });
    await page.goto(`tree/${tmpPath}?reset`);
    await use(page);
  },
  // eslint-disable-next-line no-empty-pattern
  waitForApplication: async ({}, use) => {
    // galata's checks (splash gone, the Launcher the active tab) after JupyterLab's own
    // `restored`, each with the longer limit.
    await use(async (page, helpers) => {
      await page
        .locator('#jupyterlab-splash')
        .waitFor({ state: 'detached', timeout: APP_READY_MS });
      await page.evaluate(() => window.jupyterapp.restored);
      await expect
        .poll(() => helpers.activity.isTabActive('Launcher'), { timeout: APP_READY_MS })
        .toBe(true);
      if (!(await helpers.isInSimpleMode())) {
        await helpers.activity.activateTab('Launcher');
      }
    });
  },
  cleanServer: [
    async ({ request }, use) => {
      await backendReady(request);
      await use();
      for (const cleanUp of CLEAN_UPS) {
        await cleanUp(request);
      }
    },
    { auto: true }
  ]
});

async function backendReady(request: APIRequestContext): Promise<void> {
  await expect
    .poll(async () => (await request.get(`${API}/jobs/info`).catch(() => null))?.status(), {
      timeout: 60_000,
      message: 'the Hotstepper backend answers'
    })
    .toBe(200);
}

async function getJson<T>(request: APIRequestContext, url: string): Promise<T> {
  const response = await request.get(url);
  expect(response.ok(), `GET ${url}: ${response.status()}`).toBe(true);
  return (await response.json()) as T;
}

async function send(request: APIRequestContext, method: 'POST' | 'DELETE', url: string) {
  const response = await request.fetch(url, { method, headers: XSRF });
  // 404: it went by itself meanwhile.
  expect(response.ok() || response.status() === 404, `${method} ${url}: ${response.status()}`).toBe(
    true
  );
}

/**
 * What a test may leave on the server, per feature, removed after every test; a new feature
 * whose tests start something on the server adds its own here.
 */
const CLEAN_UPS: Array<(request: APIRequestContext) => Promise<void>> = [
  async function jobs(request) {
    type Jobs = { jobs: Array<{ id: string; status: string }> };
    const list = async () => (await getJson<Jobs>(request, `${API}/jobs?limit=1000`)).jobs;
    const active = async () => (await list()).filter(j => ACTIVE_JOB.includes(j.status));
    for (const job of await active()) {
      await send(request, 'POST', `${API}/jobs/${job.id}/cancel`);
    }
    // Only a finished job can be deleted.
    await expect.poll(async () => (await active()).length, { timeout: 30_000 }).toBe(0);
    for (const job of await list()) {
      await send(request, 'DELETE', `${API}/jobs/${job.id}`);
    }
  },
  async function flareExposures(request) {
    type Exposures = { exposures: Array<{ name: string }> };
    const { exposures } = await getJson<Exposures>(request, `${API}/flare/exposures`);
    for (const { name } of exposures) {
      await send(request, 'DELETE', `${API}/flare/exposures/${encodeURIComponent(name)}`);
    }
  },
  // Also a kernel still starting when the test ended, which escapes galata's own tracking; a
  // session whose kernel is gone goes with it.
  async function kernels(request) {
    for (const { id } of await getJson<Array<{ id: string }>>(request, '/api/kernels')) {
      await send(request, 'DELETE', `/api/kernels/${id}`);
    }
  }
];

/** `test.use()` options: galata's default settings with these plugins' settings on top. */
export function withSettings(plugins: Record<string, Record<string, unknown>>): {
  mockSettings: Record<string, unknown>;
} {
  return { mockSettings: { ...galata.DEFAULT_SETTINGS, ...plugins } };
}

/** Sets (a value) or removes (null) keys of a plugin's user settings, live. */
export async function setUserSettings(
  page: IJupyterLabPageFixture,
  plugin: string,
  values: Record<string, unknown>
): Promise<void> {
  await page.evaluate(
    async ({ plugin, values }) => {
      const registry = (await window.galata.getPlugin('@jupyterlab/apputils-extension:settings'))!;
      for (const [key, value] of Object.entries(values)) {
        if (value === null) {
          await registry.remove(plugin, key);
        } else {
          await registry.set(plugin, key, value as never);
        }
      }
    },
    { plugin, values }
  );
}

/** A plugin's settings as they apply (defaults and user settings together). */
export async function userSettings(
  page: IJupyterLabPageFixture,
  plugin: string
): Promise<Record<string, unknown>> {
  return page.evaluate(async plugin => {
    const registry = (await window.galata.getPlugin('@jupyterlab/apputils-extension:settings'))!;
    return (await registry.load(plugin)).composite as Record<string, unknown>;
  }, plugin);
}

/** Matches requests to a backend route, e.g. 'usage/now' (polls add `?<timestamp>`). */
export function backendRoute(route: string): (url: URL) => boolean {
  return url => url.pathname.endsWith(`${API}/${route}`);
}

/** The backend's next answer on a route; call before the action that asks. */
export function backendAnswer(page: IJupyterLabPageFixture, route: string): Promise<Response> {
  const matches = backendRoute(route);
  return page.waitForResponse(r => matches(new URL(r.url())));
}

/**
 * Opens a sidebar panel from its tab and waits until `ready(panel)` shows: the panel's first
 * answer from the backend.
 */
export async function openSidebarPanel(
  page: IJupyterLabPageFixture,
  id: string,
  ready: (panel: Locator) => Locator
): Promise<Locator> {
  await page.sidebar.openTab(id);
  const panel = page.locator(`#${id}`);
  await expect(panel).toBeVisible();
  await expect(ready(panel)).toBeVisible({ timeout: 30_000 });
  return panel;
}

/**
 * Shows a folder in the file browser, straight there: galata's openDirectory waits a fixed time
 * for the folder to be listed first, which a busy machine can miss.
 */
export async function goToFolder(page: IJupyterLabPageFixture, dir: string): Promise<void> {
  await page.sidebar.openTab('filebrowser');
  await page.evaluate(
    dir => window.jupyterapp.commands.execute('filebrowser:go-to-path', { path: dir }),
    dir
  );
}

/** An entry of the file browser's listing. */
export function fileItem(page: IJupyterLabPageFixture, name: string): Locator {
  return page.locator('.jp-DirListing-item', { hasText: name });
}

/**
 * Uploads a Python notebook with these code cells (each a list of lines; uploaded rather than
 * typed, as typing Python fights auto-indent) and opens it.
 */
export async function openNewNotebook(
  page: IJupyterLabPageFixture,
  file: string,
  cells: string[][]
): Promise<void> {
  const notebook = {
    cells: cells.map(lines => ({
      cell_type: 'code',
      execution_count: null,
      metadata: {},
      outputs: [],
      source: lines.join('\n')
    })),
    metadata: {
      kernelspec: { display_name: 'Python 3 (ipykernel)', language: 'python', name: 'python3' },
      language_info: { name: 'python' }
    },
    nbformat: 4,
    nbformat_minor: 5
  };
  await page.contents.uploadContent(JSON.stringify(notebook), 'text', file);
  expect(await page.notebook.openByPath(file)).toBe(true);
}

/** Runs `body` in the light theme, then in the dark one. */
export async function inBothThemes(
  page: IJupyterLabPageFixture,
  body: (theme: 'light' | 'dark') => Promise<void>
): Promise<void> {
  await page.theme.setLightTheme();
  await body('light');
  await page.theme.setDarkTheme();
  await body('dark');
}

/**
 * Writes a screenshot of `target` to test-results/screenshots/<name>.png and attaches it to the
 * report. Notification toasts (the idle warning, a job's) are hidden: they come and go.
 */
export async function screenshot(target: Locator, name: string, testInfo: TestInfo): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await target.screenshot({ path: file, style: '.Toastify { display: none !important; }' });
  await testInfo.attach(name, { path: file, contentType: 'image/png' });
}

/** The colour a theme variable stands for now, e.g. `--jp-ui-font-color1`, as computed CSS. */
export async function themeColor(page: IJupyterLabPageFixture, variable: string): Promise<string> {
  return page.evaluate(variable => {
    const probe = document.createElement('span');
    probe.style.color = `var(${variable})`;
    document.body.appendChild(probe);
    const value = getComputedStyle(probe).color;
    probe.remove();
    return value;
  }, variable);
}

/** The computed text colour of an element. */
export async function textColor(target: Locator): Promise<string> {
  return target.evaluate(el => getComputedStyle(el).color);
}
