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
  await form(page).getByRole('textbox', { name: 'Name' }).fill(name);
}

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
    await expect(detail(page).getByRole('button', { name: 'Re-run' })).toBeVisible();

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
});
