/**
 * @hotstepper/usage: the CPU / memory item in JupyterLab's status bar.
 *
 * The server (playwright.config.ts) runs with CPU_LIMIT=0.5, no MEM_LIMIT and
 * a backend sampling every second; the front end here polls every second.
 */
import type { Page, Route } from '@playwright/test';
import {
  backendAnswer,
  backendRoute,
  expect,
  inBothThemes,
  openNewNotebook,
  screenshot,
  setUserSettings,
  test,
  textColor,
  themeColor,
  userSettings,
  withSettings
} from './helpers';

const PLUGIN = '@hotstepper/usage:status-item';
const NOW_ROUTE = backendRoute('usage/now');
/** The page's one event stream: while it is open the figures come from it, not from a poll. */
const EVENTS_ROUTE = backendRoute('events');

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

// Poll every second instead of every five.
test.use(withSettings({ [PLUGIN]: { refreshRate: 1000 } }));

const CPU = '#jp-main-statusbar .hs-UsageStatus-cpu';
const MEMORY = '#jp-main-statusbar .hs-UsageStatus-memory';
const item = (page: Page) => page.locator('#jp-main-statusbar .hs-UsageStatus');
const cpu = (page: Page) => page.locator(CPU);
const memory = (page: Page) => page.locator(MEMORY);

/** Waits for the first figures. */
async function waitForFigures(page: Page): Promise<void> {
  await expect(cpu(page)).toHaveText(/CPU \d+/, { timeout: 30_000 });
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
    const sample = backendAnswer(page, 'usage/sample');
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

    await openNewNotebook(page, `${tmpPath}/load.ipynb`, [BUSY, PARTLY_BUSY]);
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
    await setUserSettings(page, PLUGIN, { warnThreshold: 0.1, dangerThreshold: 0.15 });
    await expect(cpu(page)).toHaveAttribute('data-level', 'danger');
    // ...and orange when it is raised above it.
    await setUserSettings(page, PLUGIN, { dangerThreshold: 0.99 });
    const warnColor = await colorAtLevel(page, CPU, 'warn');
    expect(warnColor).not.toBe(okColor);
    expect(warnColor).not.toBe(dangerColor);

    // Restore the defaults.
    await setUserSettings(page, PLUGIN, {
      warnThreshold: null,
      dangerThreshold: null
    });
    expect(await userSettings(page, PLUGIN)).toMatchObject({
      refreshRate: 1000,
      warnThreshold: 0.7,
      dangerThreshold: 0.9
    });
    await expect(cpu(page)).toHaveAttribute('data-level', 'ok');
    // The rest of the loop is cut short: the kernel is shut down after the test.
  });

  test('screenshots of the status bar in the light and dark themes', async ({ page }, testInfo) => {
    const colors: Record<string, string> = {};
    await inBothThemes(page, async theme => {
      await waitForFigures(page);
      await screenshot(page.locator('#jp-main-statusbar'), `usage-statusbar-${theme}`, testInfo);
      colors[theme] = await textColor(item(page));
      // The item's colour is the theme's --jp-ui-font-color1.
      expect(colors[theme]).toBe(await themeColor(page, '--jp-ui-font-color1'));
    });
    expect(colors.dark).not.toBe(colors.light);
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
    // A backend that fails fails its event stream too: reload so the page starts without one.
    await page.route(EVENTS_ROUTE, fail);
    await page.reload();

    const unavailable = page.locator('#jp-main-statusbar .hs-UsageStatus-unavailable');
    await expect(unavailable).toHaveText('usage unavailable', {
      timeout: 15_000
    });
    await expect(unavailable).toHaveAttribute('title', /backend did not start/);
    await expect(cpu(page)).toHaveCount(0);

    await page.unroute(NOW_ROUTE, fail);
    await page.unroute(EVENTS_ROUTE, fail);
    // The poll backs off after a failure (up to 3× the interval), then reconnects.
    await expect(cpu(page)).toHaveText(/CPU \d+/, { timeout: 30_000 });
    await expect(unavailable).toHaveCount(0);
    expect(failures).toBeGreaterThanOrEqual(1);
  });
});
