/**
 * @hotstepper/usage: the usage sidebar panel.
 *
 * The server (playwright.config.ts) runs with CPU_LIMIT=0.5, no MEM_LIMIT, no GPU, and a
 * state.db seeded by packages/backend/scripts/seed-usage.mjs (run from
 * jupyter_server_test_config.py): 90 days of 5-minute rollups with a 3-day gap 40 days ago, an
 * A40 reserved on working hours 6 to 4 days ago, a quiet last day, and idle checks that leave
 * the server 2 idle days into a 4-day CPU countdown.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import {
  expect,
  inBothThemes,
  openSidebarPanel,
  screenshot,
  setUserSettings,
  test,
  textColor,
  themeColor,
  withSettings
} from './helpers';

const PANEL_PLUGIN = '@hotstepper/usage:panel';
const PANEL_ID = 'hs-usage-panel';
/** The built extension's chunks. */
const STATIC = path.resolve(
  __dirname,
  '..',
  '..',
  'hotstepper',
  'labextensions',
  '@hotstepper',
  'usage',
  'static'
);

test.use(withSettings({ [PANEL_PLUGIN]: { refreshRate: 2000 } }));

const panel = (page: IJupyterLabPageFixture) => page.locator(`#${PANEL_ID}`);
const card = (page: IJupyterLabPageFixture, name: string) =>
  panel(page).locator(`.hs-UsageCard-${name}`);

/** The built chunk whose code holds `text` (JS chunks only, not the CSS's). */
function chunkWith(text: string, ext: string): string | undefined {
  return fs
    .readdirSync(STATIC)
    .filter(f => f.endsWith(ext) && !f.startsWith('remoteEntry.'))
    .find(f => {
      const code = fs.readFileSync(path.join(STATIC, f), 'utf8');
      return code.includes(text) && !code.includes('.hs-UsagePanel');
    });
}

/** Opens the panel from its sidebar tab and waits for the figures of now. */
async function openPanel(page: IJupyterLabPageFixture): Promise<void> {
  await openSidebarPanel(page, PANEL_ID, panel =>
    panel.locator('.hs-UsageCard-now').getByRole('meter', { name: 'CPU' })
  );
}

/**
 * A chart's SVG has drawn a line or area with a real path (checked by its path, not its box: a
 * flat line has a box without height, which Playwright calls hidden).
 */
async function expectDrawn(chart: Locator, selector: string): Promise<void> {
  const curve = chart.locator(`svg ${selector}`).first();
  await expect(curve).toHaveAttribute('d', /^M[\d.-]+[ ,][\d.-]+.*L/, { timeout: 15_000 });
}

test.describe('usage panel', () => {
  // A busy shared machine draws charts slowly: room for every step, no step timed.
  test.describe.configure({ timeout: 180_000 });
  test('opens from the sidebar with its cards; no GPU parts without a GPU; kernels by notebook', async ({
    page,
    tmpPath
  }) => {
    // The panel's code and recharts are chunks of their own, fetched when the panel is first
    // opened, not at start-up: only the status item's code loads with JupyterLab.
    const rechartsChunk = chunkWith('recharts-surface', '.js');
    const panelChunk = chunkWith('Open in main area', '.js');
    expect(rechartsChunk).not.toBe(panelChunk);
    const fetched: string[] = [];
    page.on('request', r => fetched.push(path.basename(new URL(r.url()).pathname)));
    await page.reload({ waitForIsReady: true });
    expect(fetched.some(f => f.startsWith('remoteEntry.'))).toBe(true);
    expect(fetched).not.toContain(rechartsChunk);
    expect(fetched).not.toContain(panelChunk);

    const tab = page.sidebar.getTabLocator(PANEL_ID);
    await expect(tab).toHaveAttribute('title', 'Usage');
    await openPanel(page);
    await expect(card(page, 'history').locator('.hs-UsageChart-cpu .recharts-wrapper')).toBeVisible(
      { timeout: 20_000 }
    );
    expect(fetched).toContain(rechartsChunk);
    expect(fetched).toContain(panelChunk);

    await expect(panel(page).locator('.hs-UsageCard-title')).toHaveText([
      'Now',
      'History',
      'Kernels',
      'Cost',
      'Idle clean-up'
    ]);
    await expect(card(page, 'now').getByRole('meter', { name: 'Memory' })).toBeVisible();
    // The local adapter without nvidia-smi: no GPU card, no GPU bars, no GPU charts of today.
    await expect(card(page, 'gpus')).toHaveCount(0);
    await expect(panel(page).locator('.hs-Meter-gpu')).toHaveCount(0);
    await expect(panel(page).locator('.hs-UsageCard-error')).toHaveCount(0);
    await expect(card(page, 'kernels')).toContainText('No kernels running.', { timeout: 20_000 });

    // The palette commands exist and the open command shows the panel.
    const commands = await page.evaluate(() => {
      const app = window.jupyterapp;
      return [
        'hotstepper-usage:open-panel',
        'hotstepper-usage:export-csv',
        'hotstepper-usage:open-charts'
      ].map(id => [id, app.commands.hasCommand(id) ? app.commands.label(id) : null]);
    });
    expect(commands).toEqual([
      ['hotstepper-usage:open-panel', 'Open Usage Panel'],
      ['hotstepper-usage:export-csv', 'Export Usage as CSV'],
      ['hotstepper-usage:open-charts', 'Open Usage Charts']
    ]);

    // A notebook's kernel is listed with the notebook's path (the panel stays open).
    await page.notebook.createNew('kernel-usage.ipynb');
    await expect(panel(page)).toBeVisible();
    const row = card(page, 'kernels').locator('.hs-KernelsCard-row').first();
    await expect(row.locator('.hs-KernelsCard-name')).toHaveText('kernel-usage.ipynb', {
      timeout: 30_000
    });
    await expect(row.locator('.hs-KernelsCard-memory')).toHaveText(/^\d[\d.,]* [KMG]iB$/);
    await expect(row).toHaveAttribute('title', new RegExp(`^${tmpPath}/kernel-usage.ipynb\n`));
  });

  test('history charts draw the seeded data for an hour, a day and a week', async ({ page }) => {
    await openPanel(page);
    const history = card(page, 'history');
    const range = history.getByRole('group', { name: 'History range' });

    for (const label of ['Hour', 'Day', 'Week']) {
      const button = range.getByRole('button', { name: label });
      // Keyboard reachable: focus and Enter.
      await button.focus();
      await page.keyboard.press('Enter');
      await expect(button).toHaveAttribute('aria-pressed', 'true');
      for (const metric of ['cpu', 'memory']) {
        const chart = history.locator(`.hs-UsageChart-${metric}`);
        await expectDrawn(chart, '.recharts-area-curve');
        // The limit, dashed (a flat line: its box has no height, so check its path).
        await expect(chart.locator('svg .recharts-line-curve')).toHaveAttribute(
          'stroke-dasharray',
          '5 3'
        );
        expect(await chart.locator('svg .recharts-line-curve').getAttribute('d')).toMatch(/^M/);
      }
    }
    // The week holds the seeded A40 days: GPU utilisation and GPU memory charts appear.
    await expectDrawn(history.locator('.hs-UsageChart-gpu'), '.recharts-area-curve');
    await expectDrawn(history.locator('.hs-UsageChart-gpuMemory'), '.recharts-area-curve');
    // The day before has no GPU: those charts go away again.
    await range.getByRole('button', { name: 'Day' }).click();
    await expectDrawn(history.locator('.hs-UsageChart-cpu'), '.recharts-area-curve');
    await expect(history.locator('.hs-UsageChart-gpu')).toHaveCount(0);
  });

  test('the cost chart shows 90 daily bars; totals, price table and CSV export', async ({
    page
  }) => {
    await openPanel(page);
    const cost = card(page, 'cost');
    await expect(cost.locator('.hs-CostCard-estimate')).toHaveText('Estimate');
    const chart = cost.locator('.hs-UsageChart-cost');
    await expect(chart).toHaveAttribute('data-days', '90', { timeout: 15_000 });

    // One bar per day and part: count the CPU part (the first stack layer), one per day.
    const cpuBars = chart.locator('svg .recharts-bar').first().locator('.recharts-bar-rectangle');
    await expect(cpuBars.first()).toBeVisible();
    const drawn = await chart.evaluate(el => {
      const layers = [...el.querySelectorAll('svg .recharts-bar')];
      const xs = new Set<string>();
      for (const rect of layers.flatMap(l => [...l.querySelectorAll('.recharts-rectangle')])) {
        const d = rect.getAttribute('d') ?? '';
        const m = /^M\s*([\d.]+)/.exec(d);
        if (m) {
          xs.add(Number(m[1]).toFixed(1));
        }
      }
      return { layers: layers.length, days: xs.size };
    });
    expect(drawn.layers).toBe(3); // CPU, memory and GPU, stacked
    // The 3 days the server was stopped cost nothing and draw no bar.
    expect(drawn.days).toBe(87);
    // The seeded A40 days cost something: the GPU has its legend entry here.
    await expect(cost.locator('.recharts-legend-item-text')).toHaveText(['CPU', 'Memory', 'GPU']);
    // Round, distinct money ticks from 0; three dates that do not overlap.
    const yTicks = await chart
      .locator('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value')
      .allTextContents();
    expect(yTicks.length).toBe(3);
    expect(new Set(yTicks).size).toBe(3);
    const xTicks = chart.locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value');
    await expect(xTicks).toHaveCount(3);
    const boxes = await xTicks.evaluateAll(els =>
      els.map(el => el.getBoundingClientRect()).map(r => [r.left, r.right])
    );
    for (let i = 1; i < boxes.length; i++) {
      expect(boxes[i][0]).toBeGreaterThan(boxes[i - 1][1]);
    }

    for (const period of ['today', 'week', 'quarter']) {
      await expect(cost.locator(`[data-period="${period}"] dd`)).toHaveText(/CZK\s?[\d,.]+/);
    }
    const prices = cost.locator('details.hs-CostCard-prices');
    await prices.locator('summary').click();
    await expect(prices.locator('table')).toBeVisible();
    await expect(prices.locator('tr')).toContainText([
      'CPU, per core and hour',
      'Memory, per GiB and hour',
      'A GPU, per hour'
    ]);

    const download = page.waitForEvent('download');
    await cost.getByRole('button', { name: 'Export CSV' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^hotstepper-usage-cost-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = fs.readFileSync((await file.path())!, 'utf8');
    const lines = text.trim().split('\n');
    expect(lines[0]).toMatch(/^date,/);
    expect(lines).toHaveLength(91);
  });

  test('the idle card shows the countdown of the seeded idle days', async ({ page }) => {
    await openPanel(page);
    const idle = card(page, 'idle');
    await expect(idle.locator('.hs-IdleCard-counter')).toHaveText('2 of 4 idle days', {
      timeout: 15_000
    });
    // enforce off: the rule's date, without promising a removal.
    await expect(idle.locator('.hs-IdleCard-removal')).toHaveText(
      /^The rule would remove it on .+\. Nothing removes this server here\.$/
    );
    await expect(idle.locator('.hs-IdleCard-enforce')).toHaveText(
      'The idle rule only counts down here. Nothing stops or removes this server for being idle.'
    );
    await expect(idle.locator('.hs-IdleCard-removal')).toHaveAttribute('data-counting', 'true');
    // Today's verdict: the seeded samples are quiet, but the live sampler adds this busy test
    // server's own readings, so today may count as busy; the reason must match the verdict.
    const verdict = await idle.locator('.hs-IdleCard-verdict').getAttribute('data-verdict');
    expect(['idle', 'busy']).toContain(verdict);
    await expect(idle.locator('.hs-IdleCard-reason')).toHaveText(
      verdict === 'idle'
        ? 'CPU below 0.1 CPU in every 5-minute segment of the last 24 h'
        : /^The busiest 5-minute segment of the last 24 h used [\d.]+ CPU, not below 0.1 CPU$/
    );
    await expect(idle.locator('.hs-UsageCard-note').first()).toHaveText(
      'CPU activity counts: this server has no GPU.'
    );
    const chart = idle.locator('.hs-UsageChart-idle');
    await expectDrawn(chart, '.recharts-area-curve');
    // The threshold, a flat line: its box has no height, so count it rather than ask if visible.
    await expect(chart.locator('svg .recharts-reference-line line')).toHaveCount(1);
    // Its label (recharts draws labels in a layer of their own).
    await expect(chart.locator('.recharts-wrapper > svg')).toContainText('threshold 0.1 CPU');
  });

  test('a warning notification appears, and its action opens the panel', async ({ page }) => {
    // Without opening the panel: the idle status is polled for the warning all the same.
    const toast = page.locator('.Toastify__toast').filter({ hasText: /Idle for 2 of 4 days/ });
    await expect(toast).toBeVisible({ timeout: 30_000 });
    // enforce off: the rule would count down; nothing removes the server here.
    await expect(toast).toContainText(
      /The idle rule would remove this server on .+; nothing removes it here\./
    );
    await expect(toast).not.toContainText(/will be removed/);
    await expect(panel(page)).toBeHidden();

    // The workspace is saved a moment after the layout changes: the reload below must come
    // after the save that has the panel open, or the page comes back without it.
    const saved = page.waitForRequest(
      req =>
        req.method() === 'PUT' &&
        req.url().includes('/api/workspaces') &&
        (req.postData() ?? '').includes('"current":"hotstepper-usage-panel"')
    );
    await toast.getByRole('button', { name: 'Open usage panel' }).click();
    await expect(panel(page)).toBeVisible();
    await expect(card(page, 'idle').locator('.hs-IdleCard-counter')).toHaveText('2 of 4 idle days');
    await saved;
    // Once a day: a reload does not warn again. The warning sees each idle status before the
    // card shows it, so once the card shows the same countdown, the warning has had its say.
    // The layout restores the panel open (clicking its tab now would close it); that it shows
    // is the sign the page is ready (galata's own readiness check waits for the launcher).
    await page.reload({ waitForIsReady: false });
    await expect(panel(page)).toBeVisible({ timeout: 60_000 });
    await expect(card(page, 'idle').locator('.hs-IdleCard-counter')).toHaveText('2 of 4 idle days');
    expect((await page.notifications).map(n => n.message)).not.toContainEqual(
      expect.stringMatching(/Idle for/)
    );
    await expect(page.locator('.Toastify__toast').filter({ hasText: /Idle for/ })).toHaveCount(0);
  });

  test('settings apply live: a card switched off goes, thresholds recolour the bars', async ({
    page
  }) => {
    await openPanel(page);
    const memory = card(page, 'now').locator('.hs-Meter-memory .hs-Meter-fill');
    await expect(memory).toHaveAttribute('data-level', 'ok'); // ~1 % of the host's memory
    await setUserSettings(page, PANEL_PLUGIN, {
      cards: { now: true, history: true, kernels: true, gpus: true, cost: false, idle: true },
      warnThreshold: 0.0001,
      dangerThreshold: 0.0002
    });
    await expect(card(page, 'cost')).toHaveCount(0);
    await expect(memory).toHaveAttribute('data-level', 'danger');
    await setUserSettings(page, PANEL_PLUGIN, {
      cards: null,
      warnThreshold: null,
      dangerThreshold: null
    });
    await expect(card(page, 'cost')).toHaveCount(1);
    await expect(memory).toHaveAttribute('data-level', 'ok');
  });

  test('screenshots of the open panel in the light and dark themes', async ({ page }, testInfo) => {
    test.setTimeout(180_000);
    await page.setViewportSize({ width: 1280, height: 2200 });
    await openPanel(page);
    await page.sidebar.setWidth(235);
    await inBothThemes(page, async theme => {
      await expectDrawn(
        card(page, 'history').locator('.hs-UsageChart-cpu'),
        '.recharts-area-curve'
      );
      await expect(
        card(page, 'cost').locator('.hs-UsageChart-cost .recharts-wrapper > svg')
      ).toBeVisible();
      await expect(
        card(page, 'idle').locator('.hs-UsageChart-idle .recharts-wrapper > svg')
      ).toBeVisible();
      await screenshot(panel(page), `usage-panel-${theme}`, testInfo);

      // The panel's text and the CPU series take the theme's colours.
      expect(await textColor(panel(page))).toBe(await themeColor(page, '--jp-ui-font-color1'));
      // Polled, found and read in one go: a new sample redraws the curve now and then.
      const brand = await themeColor(page, '--jp-brand-color1');
      await expect
        .poll(
          () =>
            panel(page).evaluate(el => {
              const curve = el.querySelector('.hs-UsageChart-cpu .recharts-area-curve');
              return curve ? getComputedStyle(curve).stroke : '';
            }),
          { timeout: 30_000 }
        )
        .toBe(brand);
    });
  });

  test('fits a 235 px sidebar: no horizontal scrollbar, the cost tiles wrap', async ({ page }) => {
    await openPanel(page);
    // JupyterLab 4.6 stops the sidebar at 250 px; the panel itself is narrowed to 235 px (as a
    // theme with a smaller --jp-sidebar-min-width would) to lay its content out at that width.
    await page.sidebar.setWidth(235);
    // The charts follow by their own resize observers.
    await panel(page).evaluate(el => {
      el.style.minWidth = '235px';
      el.style.maxWidth = '235px';
    });
    await expect(card(page, 'cost').locator('.hs-UsageChart-cost svg').first()).toBeVisible({
      timeout: 15_000
    });
    await expect(card(page, 'history').locator('.hs-UsageChart-cpu svg').first()).toBeVisible();
    const overflow = await panel(page).evaluate(root => {
      const scroller = root.querySelector('.hs-UsagePanel') as HTMLElement;
      const width = root.getBoundingClientRect().right;
      const outside = [...root.querySelectorAll('*')]
        .filter(el => (el as HTMLElement).offsetParent !== null)
        .filter(el => el.getBoundingClientRect().right > width + 0.5)
        .map(el => el.className.toString());
      return {
        root: root.getBoundingClientRect().width,
        scroll: scroller.scrollWidth > scroller.clientWidth,
        outside
      };
    });
    expect(overflow.root).toBeGreaterThanOrEqual(234);
    expect(overflow.root).toBeLessThanOrEqual(236);
    expect(overflow.scroll).toBe(false);
    expect(overflow.outside).toEqual([]);
    // Each cost tile stays inside its card.
    const cardBox = (await card(page, 'cost').boundingBox())!;
    for (const period of ['today', 'week', 'quarter']) {
      const tile = (await card(page, 'cost').locator(`[data-period="${period}"]`).boundingBox())!;
      expect(tile.x + tile.width).toBeLessThanOrEqual(cardBox.x + cardBox.width);
    }
  });

  test('history: round ticks, a limit line across the whole chart, averages in plain words', async ({
    page
  }) => {
    await openPanel(page);
    const history = card(page, 'history');
    await history.getByRole('button', { name: 'Day' }).click();
    const chart = history.locator('.hs-UsageChart-cpu');
    await expectDrawn(chart, '.recharts-area-curve');
    await expect(history.locator('.hs-HistoryCard-legend')).toHaveText(
      'Average of each 5 min. Dashed line: the limit.'
    );
    // CPU_LIMIT=0.5: ticks 0 / 0.25 / 0.5 CPU.
    await expect(
      chart.locator('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value')
    ).toHaveText(['0 CPU', '0.25 CPU', '0.5 CPU']);
    // The dashed limit runs from the left edge of the plot to its right edge.
    const span = await chart.evaluate(el => {
      const line = el.querySelector('svg .recharts-line-curve') as SVGGraphicsElement;
      const grid = el.querySelector('svg .recharts-cartesian-grid') as SVGGraphicsElement;
      const a = line.getBoundingClientRect();
      const b = grid.getBoundingClientRect();
      return { lineLeft: a.left, lineRight: a.right, left: b.left, right: b.right };
    });
    expect(span.lineLeft).toBeLessThanOrEqual(span.left + 1);
    expect(span.lineRight).toBeGreaterThanOrEqual(span.right - 1);
  });

  test('keyboard: each chart is one labelled tab stop; focus rings; badges at AA contrast', async ({
    page
  }) => {
    await openPanel(page);
    await expect(card(page, 'idle').locator('.hs-UsageChart-idle svg').first()).toBeVisible({
      timeout: 15_000
    });
    await expect(card(page, 'cost').locator('.hs-UsageChart-cost svg').first()).toBeVisible();
    // Nothing inside a chart's SVG takes focus; the frame around it is the one stop.
    const inner = await panel(page).evaluate(
      el =>
        [...el.querySelectorAll('.hs-UsageChart-frame *')].filter(
          n => (n as HTMLElement).tabIndex >= 0 || n.getAttribute('tabindex') === '0'
        ).length
    );
    expect(inner).toBe(0);
    const frames = panel(page).locator('.hs-UsageChart-frame');
    const count = await frames.count();
    expect(count).toBeGreaterThanOrEqual(4); // CPU, memory, cost, idle
    for (let i = 0; i < count; i++) {
      await expect(frames.nth(i)).toHaveAttribute('tabindex', '0');
      await expect(frames.nth(i)).toHaveAttribute('aria-label', /\w.{10,}/);
    }
    // Tab from the range toggle: the next stops are the charts' frames, one each.
    await card(page, 'history').getByRole('button', { name: 'Week' }).focus();
    const stops: string[] = [];
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('Tab');
      stops.push(
        await page.evaluate(() => {
          const el = document.activeElement;
          return el ? `${el.tagName} ${el.getAttribute('class') ?? ''}` : '';
        })
      );
    }
    expect(stops[0]).toMatch(/^DIV .*hs-UsageChart-frame/);
    expect(stops[1]).toMatch(/^DIV .*hs-UsageChart-frame/);
    // The focused frame shows a ring.
    const ring = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement!);
      return style.outlineStyle;
    });
    expect(ring).toBe('solid');

    await inBothThemes(page, async () => {
      for (const selector of ['.hs-IdleCard-badge', '.hs-CostCard-estimate']) {
        const ratio = await panel(page)
          .locator(selector)
          .first()
          .evaluate(el => {
            const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
            const luminance = (c: number[]) => {
              const [r, g, b] = c.slice(0, 3).map(v => {
                const s = v / 255;
                return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
              });
              return 0.2126 * r + 0.7152 * g + 0.0722 * b;
            };
            // The ground: the element's own background, else the nearest one behind it.
            let node: Element | null = el;
            let ground = 'rgba(0, 0, 0, 0)';
            while (node && /rgba\(.*, 0\)$|transparent/.test(ground)) {
              ground = getComputedStyle(node).backgroundColor;
              node = node.parentElement;
            }
            const a = luminance(rgb(getComputedStyle(el).color));
            const b = luminance(rgb(ground));
            return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
          });
        expect(ratio, selector).toBeGreaterThanOrEqual(4.5);
      }
    });
  });

  test('after a reload with the panel open, the last figures show at once, marked as such', async ({
    page
  }) => {
    await openPanel(page);
    await expect(card(page, 'cost').locator('[data-period="today"] dd')).toHaveText(/CZK/, {
      timeout: 15_000
    });
    // Hold every usage answer back: what shows now comes from the last page, not the backend.
    let release: () => void = () => undefined;
    const held = new Promise<void>(resolve => (release = resolve));
    await page.route(
      url => /\/hotstepper\/api\/v1\/(usage\/|events)/.test(url.pathname),
      async route => {
        await held;
        await route.continue().catch(() => undefined);
      }
    );
    await page.reload({ waitForIsReady: true });
    await expect(panel(page)).toBeVisible();
    const now = card(page, 'now');
    await expect(now.getByRole('meter', { name: 'CPU' })).toBeVisible({ timeout: 20_000 });
    await expect(now).toHaveAttribute('data-state', 'stale');
    await expect(now.locator('.hs-UsageCard-stale')).toHaveText(
      /^Last figures, from .+\. Updating…$/
    );
    await expect(card(page, 'cost').locator('[data-period="today"] dd')).toHaveText(/CZK/);
    // The charts draw from the kept figures too: their chunk was fetched without waiting.
    await expect(card(page, 'history').locator('.hs-UsageChart-cpu svg').first()).toBeVisible({
      timeout: 20_000
    });
    release();
    await expect(now).toHaveAttribute('data-state', 'ok', { timeout: 30_000 });
    await expect(now.locator('.hs-UsageCard-stale')).toHaveCount(0);
    await page.unroute(() => true);
  });

  test('"Open in main area" shows the charts at full size in a tab', async ({ page }, testInfo) => {
    await openPanel(page);
    await panel(page).getByRole('button', { name: 'Open in main area' }).click();
    const view = page.locator('#hs-usage-charts');
    await expect(view).toBeVisible();
    await expect(
      page.locator('.lm-DockPanel-tabBar .lm-TabBar-tabLabel', { hasText: 'Usage Charts' })
    ).toBeVisible();
    const cpu = view.locator('.hs-UsageChart-cpu');
    await expectDrawn(cpu, '.recharts-area-curve');
    const box = (await cpu.locator('.recharts-wrapper').boundingBox())!;
    expect(box.height).toBeGreaterThanOrEqual(250);
    await expect(
      cpu.locator('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value')
    ).toHaveCount(5);
    await expect(view.locator('.hs-UsageChart-cost .recharts-wrapper')).toBeVisible();
    await expect(view.locator('.hs-UsageChart-idle .recharts-wrapper')).toBeVisible();
    // The palette command brings the same tab back rather than a second one.
    await page.evaluate(() => window.jupyterapp.commands.execute('hotstepper-usage:open-charts'));
    await expect(page.locator('#hs-usage-charts')).toHaveCount(1);
    await inBothThemes(page, async theme => {
      await screenshot(view, `usage-charts-${theme}`, testInfo);
    });
  });
});
