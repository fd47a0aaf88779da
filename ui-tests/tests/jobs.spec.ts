/**
 * @hotstepper/jobs: the jobs sidebar, the submit form, a job's live log, and "Run as job" from
 * a notebook's toolbar. The jobs run for real on the local runner of the bundled backend
 * (playwright.config.ts starts the server; `python` is the repository's .venv Python).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import {
  expect,
  fileItem,
  goToFolder,
  inBothThemes,
  openNewNotebook,
  openSidebarPanel,
  screenshot,
  test,
  textColor,
  themeColor,
  withSettings
} from './helpers';

const PANEL_ID = 'hs-jobs-panel';
const PRINT_FIVE = `python -c "import time; [print(i, flush=True) or time.sleep(0.3) for i in range(5)]"`;

// The seeded usage history counts idle days: its warning toast would cover the form's buttons.
test.use(withSettings({ '@hotstepper/usage:panel': { idleNotifications: false } }));

const panel = (page: IJupyterLabPageFixture) => page.locator(`#${PANEL_ID}`);
/** The job view in front, in the main area. */
const detail = (page: IJupyterLabPageFixture) =>
  page.locator('.jp-MainAreaWidget:not(.lm-mod-hidden) .hs-Jobs-detail');
const form = (page: IJupyterLabPageFixture) =>
  page.locator('.jp-MainAreaWidget:not(.lm-mod-hidden) .hs-Jobs-form');

/** Opens the panel and waits for its first answer (the quota comes with the info). */
async function openPanel(page: IJupyterLabPageFixture): Promise<void> {
  await openSidebarPanel(page, PANEL_ID, panel =>
    panel.locator('.hs-Jobs-quota, .hs-Jobs-list, .hs-Jobs-empty').first()
  );
}

/** Opens the submit form from the panel and fills in a command and a name. */
async function fillNewJob(page: IJupyterLabPageFixture, command: string, name: string) {
  await panel(page).getByRole('button', { name: 'New job' }).click();
  await expect(form(page)).toBeVisible();
  await form(page).getByRole('textbox', { name: 'Command' }).fill(command);
  if (name) {
    await form(page).getByRole('textbox', { name: 'Name' }).fill(name);
  }
}

/** WCAG's contrast ratio of an element's text on its own background (opaque colours). */
async function contrast(target: import('@playwright/test').Locator): Promise<number> {
  return target.evaluate(el => {
    const style = getComputedStyle(el);
    const rgb = (css: string) => {
      const [r, g, b, a = 1] = css.match(/[\d.]+/g)!.map(Number);
      return { r, g, b, a };
    };
    const bg = rgb(style.backgroundColor);
    const fgRaw = rgb(style.color);
    // A translucent text colour is seen blended over the badge.
    const fg = ['r', 'g', 'b'].map(
      k =>
        (fgRaw as Record<string, number>)[k] * fgRaw.a +
        (bg as Record<string, number>)[k] * (1 - fgRaw.a)
    );
    const lum = (c: number[]) =>
      c
        .map(v => v / 255)
        .map(v => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4))
        .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
    const [hi, lo] = [lum(fg), lum([bg.r, bg.g, bg.b])].sort((a, b) => b - a);
    return (hi + 0.05) / (lo + 0.05);
  });
}

/** The job view's tabs in the main area. */
const jobTabs = (page: IJupyterLabPageFixture) =>
  page.locator('#jp-main-dock-panel .lm-TabBar-tab[data-id^="hs-job-"]');

test.describe('jobs', () => {
  test('submit from the form: queued or running, then succeeded, with lines 0 to 4 in the log', async ({
    page
  }) => {
    test.setTimeout(90_000);
    await openPanel(page);
    await fillNewJob(page, PRINT_FIVE, 'print five');
    // The form shows how the line is split: no shell runs it.
    await expect(form(page).locator('.hs-Jobs-arg')).toHaveText([
      'python',
      '-c',
      'import time; [print(i, flush=True) or time.sleep(0.3) for i in range(5)]'
    ]);
    await form(page).getByRole('button', { name: 'Submit' }).click();

    // The form gives way to the job's view, which opens while the job is still active.
    await expect(detail(page)).toBeVisible({ timeout: 15_000 });
    await expect(detail(page).locator('.hs-Jobs-detailTitle')).toHaveText('print five');
    await expect(detail(page)).toHaveAttribute('data-status', /^(queued|starting|running)$/);
    await expect(detail(page)).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 });
    await expect(detail(page).getByRole('log')).toHaveText('0\n1\n2\n3\n4\n', { timeout: 10_000 });
    await expect(detail(page).locator('.hs-Jobs-facts')).toContainText('Exit code0');
    await expect(detail(page).getByRole('button', { name: 'Re-run', exact: true })).toBeVisible();

    // The download goes through the server connection (a plain link would lack the token).
    const downloading = page.waitForEvent('download');
    await detail(page).getByRole('button', { name: 'Download output' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/^print_five-j[a-z0-9]+\.stdout\.log$/);
    expect(fs.readFileSync(await download.path(), 'utf8')).toBe('0\n1\n2\n3\n4\n');

    // The list is live: the job shows as succeeded without any reload.
    const row = panel(page).locator('.hs-Jobs-item', { hasText: 'print five' }).first();
    await expect(row).toHaveAttribute('data-status', 'succeeded', { timeout: 10_000 });
    await expect(row.locator('.hs-Jobs-status')).toHaveText('Succeeded');
  });

  test('Run as job from a notebook toolbar: the executed notebook appears with its outputs', async ({
    page,
    tmpPath
  }) => {
    test.setTimeout(120_000);
    // Two small cells, the second printing 42.
    await openNewNotebook(page, `${tmpPath}/small.ipynb`, [['x = 6 * 7'], ['print(x)']]);
    await openPanel(page);
    await page.activity.activateTab('small.ipynb');

    await page
      .locator(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar [data-command="hotstepper-jobs:run-file"]'
      )
      .click();
    await expect(form(page)).toBeVisible({ timeout: 10_000 });
    await expect(form(page).getByRole('radio', { name: 'Notebook' })).toBeChecked();
    await expect(form(page).getByRole('textbox', { name: 'Notebook' })).toHaveValue(
      `${tmpPath}/small.ipynb`
    );
    await form(page).getByRole('button', { name: 'Submit' }).click();

    await expect(detail(page)).toBeVisible({ timeout: 15_000 });
    await expect(detail(page)).toHaveAttribute('data-status', 'succeeded', { timeout: 90_000 });
    const output = detail(page).locator('.hs-Jobs-facts .hs-Jobs-link');
    await expect(output).toHaveText(new RegExp(`^${tmpPath}/small.+\\.ipynb$`));
    const outputPath = (await output.textContent())!;

    // It is in the file browser, beside the input.
    await goToFolder(page, tmpPath);
    await expect(fileItem(page, path.posix.basename(outputPath))).toBeVisible({ timeout: 20_000 });

    // It was executed: the second cell printed 42.
    const response = await page.request.get(`/api/contents/${outputPath}?content=1`);
    expect(response.ok()).toBe(true);
    const executed = (await response.json()).content;
    const outputs = executed.cells[1].outputs as Array<{ text?: string | string[] }>;
    expect(outputs.map(o => [o.text ?? ''].flat().join('')).join('')).toBe('42\n');

    // And it opens from the job's view.
    await output.click();
    await expect(
      page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output').last()
    ).toHaveText('42', { timeout: 15_000 });
  });

  test('cancel a running job, then delete it after confirming', async ({ page }) => {
    test.setTimeout(90_000);
    await openPanel(page);
    await fillNewJob(
      page,
      `python -c "import time; print('started', flush=True); time.sleep(60)"`,
      'long sleep'
    );
    await form(page).getByRole('button', { name: 'Submit' }).click();
    await expect(detail(page).getByRole('log')).toHaveText('started\n', { timeout: 30_000 });
    await expect(detail(page)).toHaveAttribute('data-status', 'running');
    // The duration counts up while it runs.
    const duration = detail(page).locator('.hs-Jobs-duration');
    const first = await duration.textContent();
    await expect(duration).not.toHaveText(first!, { timeout: 5000 });

    await detail(page).getByRole('button', { name: 'Cancel' }).click();
    await expect(detail(page)).toHaveAttribute('data-status', 'cancelled', { timeout: 15_000 });
    const row = panel(page).locator('.hs-Jobs-item', { hasText: 'long sleep' });
    await expect(row).toHaveAttribute('data-status', 'cancelled');

    await detail(page).getByRole('button', { name: 'Delete' }).click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Delete job long sleep?');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    // The view closes and the list forgets the job.
    await expect(page.locator('.hs-Jobs-detail')).toHaveCount(0);
    await expect(row).toHaveCount(0);
  });

  test('Run as job from the file browser for a script: the form opens for that file', async ({
    page,
    tmpPath
  }) => {
    await page.contents.uploadContent('echo hello\n', 'text', `${tmpPath}/hello.sh`);
    await page.contents.uploadContent('print(1)\n', 'text', `${tmpPath}/train.py`);
    await goToFolder(page, tmpPath);
    for (const name of ['hello.sh', 'train.py']) {
      await fileItem(page, name).click({ button: 'right' });
      await page.getByRole('menuitem', { name: 'Run as Job…' }).click();
      await expect(form(page)).toBeVisible();
      await expect(form(page).getByRole('radio', { name: 'Script' })).toBeChecked();
      await expect(form(page).getByRole('textbox', { name: 'Script' })).toHaveValue(
        `${tmpPath}/${name}`
      );
      await form(page).getByRole('button', { name: 'Cancel' }).click();
      await expect(form(page)).toHaveCount(0);
    }
  });

  test('screenshots of the panel and a job in the light and dark themes', async ({
    page
  }, testInfo) => {
    test.setTimeout(90_000);
    await page.setViewportSize({ width: 1400, height: 900 });
    await openPanel(page);
    await page.sidebar.setWidth(340);
    await fillNewJob(
      page,
      `python -c "import sys; print('out', flush=True); print('a warning', file=sys.stderr)"`,
      'screenshot job'
    );
    // An invalid field, to show how the form marks it.
    await form(page).getByRole('spinbutton', { name: 'Time limit (minutes)' }).fill('0');
    await form(page).getByRole('button', { name: 'Submit' }).click();
    await expect(form(page).getByText('Time limit must be more than 0')).toBeVisible();
    await inBothThemes(page, async theme => {
      await screenshot(page.locator('#main'), `jobs-form-${theme}`, testInfo);
    });
    await form(page).getByRole('spinbutton', { name: 'Time limit (minutes)' }).fill('5');
    await form(page).getByRole('button', { name: 'Submit' }).click();
    await expect(detail(page)).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 });
    await expect(detail(page).locator('.hs-Jobs-logChunk[data-stream="stderr"]')).toHaveText(
      'a warning\n'
    );
    await inBothThemes(page, async theme => {
      await screenshot(page.locator('#main'), `jobs-${theme}`, testInfo);
      // The badge and the panel take the theme's colours, not fixed ones.
      expect(await textColor(panel(page))).toBe(await themeColor(page, '--jp-ui-font-color1'));
    });
  });

  test('a fresh New-job form closes with one click on Cancel, the command field focused', async ({
    page
  }) => {
    await openPanel(page);
    await panel(page).getByRole('button', { name: 'New job' }).click();
    const command = form(page).getByRole('textbox', { name: 'Command' });
    await expect(command).toBeFocused();
    const cancel = form(page).getByRole('button', { name: 'Cancel' });
    const before = await cancel.boundingBox();
    // One click, where the button was while the command field had the focus.
    await page.mouse.click(before!.x + before!.width / 2, before!.y + before!.height / 2);
    await expect(form(page)).toHaveCount(0);

    // A message appearing moves nothing: the buttons stay where they were.
    await panel(page).getByRole('button', { name: 'New job' }).click();
    await form(page).getByRole('textbox', { name: 'Command' }).fill(`echo 'open`);
    const typed = await form(page).getByRole('button', { name: 'Cancel' }).boundingBox();
    await form(page).getByRole('textbox', { name: 'Name' }).focus();
    await expect(form(page).locator('.hs-Jobs-fieldError')).toHaveText(
      'A quote in the command is not closed'
    );
    expect(await form(page).getByRole('button', { name: 'Cancel' }).boundingBox()).toEqual(typed);
    await form(page).getByRole('button', { name: 'Cancel' }).click();
    await expect(form(page)).toHaveCount(0);
  });

  test('names and commands: a readable default name, the command as typed, the open job marked, one tab per job', async ({
    page
  }) => {
    test.setTimeout(90_000);
    await openPanel(page);
    await fillNewJob(page, `python -c "import sys; print('named by what it does')"`, '');
    await expect(form(page).getByRole('textbox', { name: 'Name' })).toHaveAttribute(
      'placeholder',
      `python: print('named by what it does')`
    );
    await form(page).getByRole('button', { name: 'Submit' }).click();
    await expect(detail(page)).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 });
    await expect(detail(page).locator('.hs-Jobs-detailTitle')).toHaveText(
      `python: print('named by what it does')`
    );
    // Shell-quoted: typed again, it runs the same argv.
    await expect(detail(page).locator('code.hs-Jobs-command')).toHaveText(
      `python -c "import sys; print('named by what it does')"`
    );
    const row = panel(page).locator('.hs-Jobs-item').first();
    await expect(row).toHaveClass(/hs-mod-current/);
    // Opening it again shows the same tab.
    await row.getByRole('button').click();
    await row.getByRole('button').click();
    await expect(jobTabs(page)).toHaveCount(1);
    await expect(detail(page)).toHaveCount(1);
  });

  test('a command of several lines runs each by sh; Edit and re-run opens the form filled from it', async ({
    page
  }) => {
    test.setTimeout(120_000);
    await openPanel(page);
    // The second line's quotes span two lines: Python gets a real newline.
    await fillNewJob(page, `echo one\npython -c "import sys\nprint('two')"`, 'two lines');
    await expect(form(page).locator('#hs-Jobs-field-command-message')).toHaveText(
      'Runs with sh -ec: 2 commands, one a line, stopping at the first that fails'
    );
    await form(page).getByRole('spinbutton', { name: 'CPU cores' }).fill('0.5');
    await form(page).getByRole('button', { name: 'Submit' }).click();
    await expect(detail(page)).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 });
    await expect(detail(page).getByRole('log')).toHaveText('one\ntwo\n', { timeout: 10_000 });
    await expect(detail(page).locator('pre.hs-Jobs-command')).toHaveText(
      `echo one\npython -c "import sys\nprint('two')"`
    );

    await detail(page).getByRole('button', { name: 'Edit and re-run' }).click();
    await expect(form(page)).toBeVisible();
    await expect(form(page).getByRole('heading')).toHaveText('Edit and re-run two lines');
    await expect(form(page).getByRole('textbox', { name: 'Command' })).toHaveValue(
      `echo one\npython -c "import sys\nprint('two')"`
    );
    await expect(form(page).getByRole('textbox', { name: 'Name' })).toHaveValue('two lines');
    await expect(form(page).getByRole('spinbutton', { name: 'CPU cores' })).toHaveValue('0.5');
    await form(page).getByRole('textbox', { name: 'Command' }).fill('echo three');
    await form(page).getByRole('button', { name: 'Submit' }).click();
    await expect(detail(page).getByRole('log')).toHaveText('three\n', { timeout: 30_000 });
  });

  test('the "log stream interrupted" banner goes away when the log flows again', async ({
    page
  }) => {
    test.setTimeout(90_000);
    let down = false;
    await page.route(
      url => /\/hotstepper\/api\/v1\/jobs\/j[a-z0-9]+\/log/.test(url.pathname),
      route => (down ? route.abort('connectionreset') : route.continue())
    );
    await openPanel(page);
    await fillNewJob(
      page,
      `python -c "import time; [print(i, flush=True) or time.sleep(0.5) for i in range(30)]"`,
      'interrupted'
    );
    down = true;
    await form(page).getByRole('button', { name: 'Submit' }).click();
    const banner = detail(page).locator('.hs-Jobs-logError');
    await expect(banner).toBeVisible({ timeout: 30_000 });
    down = false;
    await expect(banner).toHaveCount(0, { timeout: 40_000 });
    await expect(detail(page).getByRole('log')).toContainText('29', { timeout: 40_000 });
    await expect(banner).toHaveCount(0);
  });

  test('Run as Job: labelled in the toolbar, in the palette and the Run menu; running jobs in the Running panel', async ({
    page,
    tmpPath
  }, testInfo) => {
    test.setTimeout(90_000);
    await openNewNotebook(page, `${tmpPath}/label.ipynb`, [['print(1)']]);
    const button = page.locator(
      '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar [data-command="hotstepper-jobs:run-file"]'
    );
    await expect(button).toHaveText('Run as Job');
    await screenshot(
      page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-NotebookPanel-toolbar'),
      'jobs-notebook-toolbar-light',
      testInfo
    );
    await page.menu.open('Run');
    await expect(
      page.locator('.lm-Menu-item[data-command="hotstepper-jobs:run-file"]')
    ).toContainText('Run Notebook as Job…');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Shift+C');
    await page.locator('.lm-CommandPalette-input').fill('Run Notebook as Job');
    await expect(
      page.locator('.lm-CommandPalette-item', { hasText: 'Run Notebook as Job' })
    ).toHaveCount(1);
    await page.keyboard.press('Escape');

    await openPanel(page);
    await fillNewJob(page, `python -c "import time; time.sleep(120)"`, 'long runner');
    await form(page).getByRole('button', { name: 'Submit' }).click();
    await expect(detail(page)).toHaveAttribute('data-status', /^(queued|starting|running)$/, {
      timeout: 15_000
    });
    await page.sidebar.openTab('jp-running-sessions');
    const item = page
      .getByRole('region', { name: 'Jobs Section' })
      .getByRole('treeitem', { name: /long runner/ });
    await expect(item).toBeVisible({ timeout: 15_000 });
    // Opening it shows its view.
    await page.activity.activateTab('Launcher').catch(() => undefined);
    await item.locator('.jp-RunningSessions-itemLabel').click();
    await expect(detail(page).locator('.hs-Jobs-detailTitle')).toHaveText('long runner');
    await item.hover();
    await item.locator('.jp-RunningSessions-itemShutdown').click();
    await expect(item).toHaveCount(0, { timeout: 15_000 });
    await expect(detail(page)).toHaveAttribute('data-status', 'cancelled', { timeout: 15_000 });
  });

  test('a failing notebook: its noise folded under one line; the executed notebook opens trusted, without a kernel', async ({
    page,
    tmpPath
  }, testInfo) => {
    test.setTimeout(150_000);
    await page.setViewportSize({ width: 1400, height: 900 });
    await openNewNotebook(page, `${tmpPath}/fails.ipynb`, [
      ['x = 1'],
      ['from IPython.display import HTML; HTML("<b class=\'trusted-html\'>bold</b>")'],
      ['1 / 0']
    ]);
    await page
      .locator(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar [data-command="hotstepper-jobs:run-file"]'
      )
      .click();
    await form(page).getByRole('button', { name: 'Submit' }).click();
    await expect(detail(page)).toHaveAttribute('data-status', 'failed', { timeout: 120_000 });
    const folded = detail(page).locator('details.hs-Jobs-messages');
    await expect(folded.locator('summary')).toHaveText(/^Cell 3 failed: ZeroDivisionError/);
    await expect(folded).not.toHaveAttribute('open', '');
    // papermill's progress and traceback are in the fold, not in the log.
    await expect(detail(page).getByRole('log')).not.toContainText('Executing');
    await folded.locator('summary').click();
    await expect(folded.locator('pre')).toContainText('Traceback');
    await inBothThemes(page, async theme => {
      await screenshot(page.locator('#main'), `jobs-notebook-failed-${theme}`, testInfo);
    });

    const kernelsBefore = (await (await page.request.get('/api/kernels')).json()).length;
    await detail(page).locator('.hs-Jobs-facts .hs-Jobs-link').click();
    const nb = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
    // Trusted: the HTML output of the user's own job is shown as HTML.
    await expect(nb.locator('b.trusted-html')).toHaveText('bold', { timeout: 15_000 });
    await expect(nb.locator('.jp-Toolbar-kernelName')).toHaveText('No Kernel');
    // Every cell trusted, as if the user had run it.
    const trusted = await page.evaluate(() => {
      const widget = window.jupyterapp.shell.currentWidget as unknown as {
        content: { model: { cells: { length: number; get(i: number): { trusted: boolean } } } };
      };
      const cells = widget.content.model.cells;
      return Array.from({ length: cells.length }, (_, i) => cells.get(i).trusted);
    });
    // (papermill adds cells of its own, such as the banner over the error.)
    expect(trusted.length).toBeGreaterThanOrEqual(3);
    expect(trusted.every(Boolean)).toBe(true);
    expect((await (await page.request.get('/api/kernels')).json()).length).toBe(kernelsBefore);
  });

  test('keyboard and contrast: a focus ring on the filter; status badges at 4.5:1 in both themes', async ({
    page
  }) => {
    await openPanel(page);
    const filter = panel(page).getByRole('combobox', { name: 'Show' });
    await filter.focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    await expect(filter).toBeFocused();
    expect(await filter.evaluate(el => getComputedStyle(el).outlineStyle)).toBe('solid');
    expect(
      await filter.evaluate(el => parseFloat(getComputedStyle(el).outlineWidth))
    ).toBeGreaterThanOrEqual(2);

    // One badge per status, drawn by the panel's own styles.
    const statuses = [
      'queued',
      'starting',
      'running',
      'succeeded',
      'failed',
      'cancelled',
      'timed-out'
    ];
    await panel(page).evaluate((el, statuses) => {
      const box = document.createElement('div');
      box.id = 'hs-badge-probe';
      for (const s of statuses) {
        const badge = document.createElement('span');
        badge.className = `hs-Jobs-status hs-mod-${s}`;
        badge.textContent = s;
        box.appendChild(badge);
      }
      el.querySelector('.hs-Jobs')!.appendChild(box);
    }, statuses);
    await inBothThemes(page, async theme => {
      for (const s of statuses) {
        const ratio = await contrast(panel(page).locator(`#hs-badge-probe .hs-mod-${s}`));
        expect(ratio, `${s} in the ${theme} theme: ${ratio.toFixed(2)}:1`).toBeGreaterThanOrEqual(
          4.5
        );
      }
    });
  });

  test('JupyterLab starts without the jobs views: their code loads when the panel opens', async ({
    page
  }) => {
    const loaded = () =>
      page.evaluate(() =>
        performance
          .getEntriesByType('resource')
          .map(e => e.name)
          .filter(n => n.includes('@hotstepper/jobs') && n.includes('hotstepper-jobs-ui'))
      );
    expect(await loaded()).toEqual([]);
    await openPanel(page);
    expect((await loaded()).length).toBe(1);
  });

  test('the Settings Editor shows the filter choices by their labels', async ({ page }) => {
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('settingeditor:open', { query: 'Hotstepper: Jobs' })
    );
    // JupyterLab's settings form labels the field with a heading, not a <label>.
    const choice = page.getByRole('group', { name: 'Hotstepper: Jobs' }).getByRole('combobox');
    await expect(choice).toBeVisible({ timeout: 20_000 });
    const options = await choice.locator('option').allTextContents();
    expect(options).toContain('Timed out');
    expect(options).toContain('Active (queued or running)');
    expect(options).not.toContain('timed-out');
  });
});
