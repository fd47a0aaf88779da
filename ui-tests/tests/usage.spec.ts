/**
 * @hotstepper/usage: the CPU / memory item in JupyterLab's status bar.
 *
 * The server (playwright.config.ts) runs with CPU_LIMIT=0.5, no MEM_LIMIT and
 * a backend sampling every second; the front end here polls every second.
 */
import * as fs from 'fs';
import * as path from 'path';
import { expect, galata, test, type IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Page, Route } from '@playwright/test';

const PLUGIN = '@hotstepper/usage:status-item';
/** The poll's URL carries a cache buster (`?<timestamp>`), so match on the path. */
const NOW_ROUTE = (url: URL) => url.pathname.endsWith('/hotstepper/api/v1/usage/now');
const SCREENSHOTS = path.resolve(__dirname, '..', 'test-results', 'screenshots');

/** One core flat out: 1 / 0.5 = 200 % of the limit. */
const BUSY = ['import time', 't = time.time()', 'while time.time() - t < 12:', '    pass'];

/** A third of one core (30 ms busy, 70 ms asleep): ~30-50 % of the limit with the idle baseline. */
const PARTLY_BUSY = [
  'import time',
  'end = time.time() + 10',
  'while time.time() < end:',
  '    s = time.perf_counter()',
  '    while time.perf_counter() - s < 0.03:',
  '        pass',
  '    time.sleep(0.07)'
];

/** A notebook with the two loads (uploaded rather than typed: typing Python fights auto-indent). */
function loadNotebook(): string {
  const cell = (lines: string[]) => ({
    cell_type: 'code',
    execution_count: null,
    metadata: {},
    outputs: [],
    source: lines.join('\n')
  });
  return JSON.stringify({
    cells: [cell(BUSY), cell(PARTLY_BUSY)],
    metadata: {
      kernelspec: {
        display_name: 'Python 3 (ipykernel)',
        language: 'python',
        name: 'python3'
      }
    },
    nbformat: 4,
    nbformat_minor: 5
  });
}

test.use({
  // Settings stay in memory, per test; poll every second instead of every five.
  mockSettings: { ...galata.DEFAULT_SETTINGS, [PLUGIN]: { refreshRate: 1000 } }
});

const CPU = '#jp-main-statusbar .hs-UsageStatus-cpu';
const MEMORY = '#jp-main-statusbar .hs-UsageStatus-memory';
const item = (page: Page) => page.locator('#jp-main-statusbar .hs-UsageStatus');
const cpu = (page: Page) => page.locator(CPU);
const memory = (page: Page) => page.locator(MEMORY);

/** Waits for the first figures (the backend is started by jupyter-server-proxy on first use). */
async function waitForFigures(page: Page): Promise<void> {
  await expect(cpu(page)).toHaveText(/CPU \d+/, { timeout: 30_000 });
}

async function color(page: Page, selector: string): Promise<string> {
  return page.locator(selector).evaluate(el => getComputedStyle(el).color);
}

/**
 * The text colour of a figure while it is at `level`: level and colour are read together,
 * as the figure may re-render with a new sample between two separate reads.
 */
async function colorAtLevel(page: Page, selector: string, level: string): Promise<string> {
  let value = '';
  await expect
    .poll(async () => {
      const read = await page.locator(selector).evaluate(el => ({
        level: (el as HTMLElement).dataset.level,
        color: getComputedStyle(el).color
      }));
      value = read.color;
      return read.level;
    })
    .toBe(level);
  return value;
}

/** Sets (number) or removes (null) keys of the plugin's user settings through the settings registry. */
async function setUsageSettings(
  page: IJupyterLabPageFixture,
  values: Record<string, number | null>
): Promise<void> {
  await page.evaluate(
    async ({ plugin, values }) => {
      const registry = (await window.galata.getPlugin('@jupyterlab/apputils-extension:settings'))!;
      for (const [key, value] of Object.entries(values)) {
        if (value === null) {
          await registry.remove(plugin, key);
        } else {
          await registry.set(plugin, key, value);
        }
      }
    },
    { plugin: PLUGIN, values }
  );
}

async function usageSettings(page: IJupyterLabPageFixture): Promise<Record<string, unknown>> {
  return page.evaluate(async plugin => {
    const registry = (await window.galata.getPlugin('@jupyterlab/apputils-extension:settings'))!;
    const settings = await registry.load(plugin);
    return settings.composite as Record<string, unknown>;
  }, PLUGIN);
}

test.describe('usage status item', () => {
  test('shows CPU and memory figures with exact values in the tooltip', async ({ page }) => {
    await waitForFigures(page);
    await expect(memory(page)).toHaveText(/^Mem \d[\d.,]* [KMGT]?i?B \/ \d[\d.,]* [KMGT]?i?B$/);
    const title = (await item(page).getAttribute('title')) ?? '';
    const lines = title.split('\n');
    expect(lines[0]).toMatch(/^CPU: [\d.]+ CPU of 0\.5 CPU \(\d+\s?%, limit set by the hub\)$/);
    expect(lines[1]).toMatch(/^Memory: .+ of .+ \(\d+\s?%, no limit: the whole machine\)$/);
    expect(lines[2]).toMatch(/^Measured from the Jupyter server's processes at /);
    // Idle: nothing is near a limit.
    await expect(cpu(page)).toHaveAttribute('data-level', 'ok');
    await expect(memory(page)).toHaveAttribute('data-level', 'ok');

    // A click takes a reading now (POST /sample) and the figures stay.
    const sample = page.waitForResponse(r => r.url().includes('/hotstepper/api/v1/usage/sample'));
    await item(page).click();
    expect((await sample).status()).toBe(200);
    await expect(cpu(page)).toHaveText(/CPU \d+/);
    await expect(page.locator('#jp-main-statusbar .hs-UsageStatus-unavailable')).toHaveCount(0);
  });

  test('a busy kernel turns CPU red, then back; thresholds come from the settings', async ({
    page,
    tmpPath
  }) => {
    test.setTimeout(90_000);
    await waitForFigures(page);
    const okColor = await colorAtLevel(page, CPU, 'ok');

    await page.contents.uploadContent(loadNotebook(), 'text', `${tmpPath}/load.ipynb`);
    expect(await page.notebook.openByPath(`${tmpPath}/load.ipynb`)).toBe(true);
    await page.notebook.runCell(0, { inplace: true, wait: false });

    // ≥ 0.45 cores of 0.5 is ≥ 90 %: red within a few samples.
    await expect(cpu(page)).toHaveAttribute('data-level', 'danger', {
      timeout: 15_000
    });
    await expect(cpu(page)).toHaveText(/CPU \d{3}\s?%/); // one core of 0.5 is ~200 %
    const dangerColor = await colorAtLevel(page, CPU, 'danger');
    expect(dangerColor).not.toBe(okColor);
    // The neighbouring memory figure stays ok, in the normal colour.
    expect(await colorAtLevel(page, MEMORY, 'ok')).toBe(okColor);

    // When the loop ends, the figure goes back to normal.
    await page.notebook.waitForRun(0);
    await expect(cpu(page)).toHaveAttribute('data-level', 'ok', {
      timeout: 15_000
    });

    // A third of a core (~30-50 % of the limit) is ok with the default thresholds...
    await page.notebook.runCell(1, { inplace: true, wait: false });
    await expect(cpu(page)).toHaveText(/CPU ([2-9]\d)\s?%/, {
      timeout: 15_000
    });
    await expect(cpu(page)).toHaveAttribute('data-level', 'ok');
    // ...red when the danger threshold is lowered below it...
    await setUsageSettings(page, { warnThreshold: 0.1, dangerThreshold: 0.15 });
    await expect(cpu(page)).toHaveAttribute('data-level', 'danger');
    // ...and orange when it is raised above it.
    await setUsageSettings(page, { dangerThreshold: 0.99 });
    const warnColor = await colorAtLevel(page, CPU, 'warn');
    expect(warnColor).not.toBe(okColor);
    expect(warnColor).not.toBe(dangerColor);

    // Restore the defaults.
    await setUsageSettings(page, {
      warnThreshold: null,
      dangerThreshold: null
    });
    expect(await usageSettings(page)).toMatchObject({
      refreshRate: 1000,
      warnThreshold: 0.7,
      dangerThreshold: 0.9
    });
    await expect(cpu(page)).toHaveAttribute('data-level', 'ok');
    // The rest of the loop is cut short: galata shuts the kernel down after the test.
  });

  test('screenshots of the status bar in the light and dark themes', async ({ page }, testInfo) => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    const colors: Record<string, string> = {};
    for (const [slug, setTheme] of [
      ['light', () => page.theme.setLightTheme()],
      ['dark', () => page.theme.setDarkTheme()]
    ] as const) {
      await setTheme();
      await waitForFigures(page);
      const file = path.join(SCREENSHOTS, `usage-statusbar-${slug}.png`);
      await page.locator('#jp-main-statusbar').screenshot({ path: file });
      await testInfo.attach(`usage-statusbar-${slug}`, { path: file, contentType: 'image/png' });

      colors[slug] = await color(page, '#jp-main-statusbar .hs-UsageStatus');
      // The item's colour is the theme's --jp-ui-font-color1.
      const themeColor = await page.evaluate(() => {
        const probe = document.createElement('span');
        probe.style.color = 'var(--jp-ui-font-color1)';
        document.body.appendChild(probe);
        const value = getComputedStyle(probe).color;
        probe.remove();
        return value;
      });
      expect(colors[slug]).toBe(themeColor);
    }
    expect(colors.dark).not.toBe(colors.light);
    await page.theme.setLightTheme();
  });

  test('says "usage unavailable" when the backend fails, and recovers', async ({ page }) => {
    await waitForFigures(page);
    let failures = 0;
    const fail = (route: Route) => {
      failures++;
      return route.fulfill({
        status: 500,
        contentType: 'text/html',
        body: '<html>could not start</html>'
      });
    };
    await page.route(NOW_ROUTE, fail);

    const unavailable = page.locator('#jp-main-statusbar .hs-UsageStatus-unavailable');
    await expect(unavailable).toHaveText('usage unavailable', {
      timeout: 15_000
    });
    await expect(unavailable).toHaveAttribute('title', /backend did not start/);
    await expect(cpu(page)).toHaveCount(0);

    await page.unroute(NOW_ROUTE, fail);
    // The poll backs off after a failure (up to 3× the interval), then reconnects.
    await expect(cpu(page)).toHaveText(/CPU \d+/, { timeout: 30_000 });
    await expect(unavailable).toHaveCount(0);
    expect(failures).toBeGreaterThanOrEqual(1);
  });
});
