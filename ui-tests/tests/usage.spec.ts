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
  test.describe.configure({ timeout: 120_000 });
  test('shows compact CPU and memory figures, the exact values in the tooltip', async ({
    page
  }) => {
    await waitForFigures(page);
    await expect(memory(page)).toHaveText(/^Mem \d+\s?%$/);
    const title = (await item(page).getAttribute('title')) ?? '';
    expect(title.split('\n')).toEqual([
      expect.stringMatching(/^CPU: [\d.]+ CPU of 0\.5 CPU \(\d+\s?%\)\.$/),
      'The CPU limit was set by the hub.',
      expect.stringMatching(/^Memory: .+ of .+ \(\d+\s?%\)\.$/),
      'No memory limit is set: the figure is against the whole machine.',
      "Read from the Jupyter server's processes.",
      expect.stringMatching(/^Measured at .+\.$/)
    ]);
    // Idle: nothing is near a limit.
    await expect(cpu(page)).toHaveAttribute('data-level', 'ok');
    await expect(memory(page)).toHaveAttribute('data-level', 'ok');
  });

  test('is one tab stop with a focus ring; a click, Enter or Space opens the usage panel', async ({
    page
  }) => {
    await waitForFigures(page);
    const widget = page.locator('#jp-main-statusbar .hs-UsageStatus-item');
    await expect(widget).toHaveAttribute('role', 'button');
    await expect(widget).toHaveAttribute('tabindex', '0');
    const panel = page.locator('#hs-usage-panel');
    for (const key of ['Enter', 'Space']) {
      await expect(panel).toBeHidden();
      await widget.focus();
      // A visible focus ring: an outline drawn in the theme's brand colour.
      const ring = await widget.evaluate(el => {
        const style = getComputedStyle(el);
        return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
      });
      expect(ring.style).toBe('solid');
      expect(ring.width).toBeGreaterThanOrEqual(2);
      await page.keyboard.press(key);
      await expect(panel).toBeVisible();
      await expect(panel.locator('.hs-UsageCard-now')).toBeVisible();
      await page.evaluate(() => window.jupyterapp.shell.collapseLeft());
    }
    await widget.click();
    await expect(panel).toBeVisible();
  });

  test("at 1024 × 768 the item keeps one width, and JupyterLab's own items still work beside it", async ({
    page,
    tmpPath
  }) => {
    await page.setViewportSize({ width: 1024, height: 768 });
    await openNewNotebook(page, `${tmpPath}/cells.ipynb`, [['1'], ['2'], ['3']]);
    await waitForFigures(page);
    // Tabular figures in a fixed box: "1 %" and "100 %" take the same width.
    const widths = await page.locator(CPU).evaluate(el => {
      const value = el.querySelector('.hs-UsageStatus-value') as HTMLElement;
      const probe = (text: string) => {
        const copy = value.cloneNode() as HTMLElement;
        copy.textContent = text;
        value.parentElement!.appendChild(copy);
        const width = copy.getBoundingClientRect().width;
        copy.remove();
        return width;
      };
      return [probe('1%'), probe('12%'), probe('100%')];
    });
    expect(new Set(widths).size).toBe(1);
    // Nothing in the status bar overflows once the kernel is ready (JupyterLab's own kernel item
    // reads a longer "Connecting" for a moment before).
    const bar = page.locator('#jp-main-statusbar');
    await expect(bar).toContainText('| Idle', { timeout: 60_000 });
    expect(await bar.evaluate(el => el.scrollWidth <= el.clientWidth)).toBe(true);
    // The notebook's cell counter opens its go-to-cell popup on a click.
    const counter = bar.locator('[title="Go to cell…"]');
    await expect(counter).toHaveText(/^Cell \d+\/3$/);
    await counter.click();
    await expect(page.locator('.jp-lineFormCaption')).toHaveText(
      'Go to cell number between 1 and 3'
    );
    await page.keyboard.press('Escape');
    // The refresh stays in the palette.
    const sample = backendAnswer(page, 'usage/sample');
    await page.evaluate(() => window.jupyterapp.commands.execute('hotstepper-usage:refresh'));
    expect((await sample).status()).toBe(200);
  });

  test('a busy kernel turns CPU red, then back; thresholds come from the settings', async ({
    page,
    tmpPath
  }) => {
    test.setTimeout(180_000);
    await waitForFigures(page);
    const okColor = await colorAtLevel(page, CPU, 'ok');

    await openNewNotebook(page, `${tmpPath}/load.ipynb`, [BUSY, PARTLY_BUSY]);
    await page.notebook.runCell(0, { inplace: true, wait: false });

    // ≥ 0.45 cores of 0.5 is ≥ 90 %: red within a few samples (once the kernel has started,
    // which a busy machine takes its time over).
    await expect(cpu(page)).toHaveAttribute('data-level', 'danger', {
      timeout: 45_000
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
