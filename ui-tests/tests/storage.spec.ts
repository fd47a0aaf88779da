/**
 * @hotstepper/storage: the Storages panel over real mounts — a 64 MiB tmpfs and a read-only
 * bind mount, made here (the UI tests run as root) at the paths the server's admin config
 * (hotstepper-test-config.json) lists, and unmounted afterwards.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { expect, inBothThemes, screenshot, test } from './helpers';

const BASE = '/tmp/hs-ui-storage';
const SCRATCH = path.join(BASE, 'scratch');
const SOURCE = path.join(BASE, 'shared-src');
const SHARED = path.join(BASE, 'shared');
const PANEL_ID = 'hs-storage-panel';
const REFUSED = 'Shared is read-only: the file system is mounted read-only; nothing was changed';

const mounted: string[] = [];

test.beforeAll(() => {
  for (const dir of [SCRATCH, SOURCE, SHARED]) {
    fs.mkdirSync(dir, { recursive: true });
  }
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'hs-ui', SCRATCH]);
  mounted.push(SCRATCH);
  execFileSync('mount', ['--bind', '-o', 'ro', SOURCE, SHARED]);
  mounted.push(SHARED);
  // 54 MiB of 64: past the 80 % line, the bar is orange.
  fs.writeFileSync(path.join(SCRATCH, 'ballast.bin'), Buffer.alloc(54 * 1024 * 1024, 1));
  fs.writeFileSync(path.join(SCRATCH, 'hello.txt'), 'hello from the tmpfs\n');
});

test.afterAll(() => {
  for (const dir of mounted.reverse()) {
    execFileSync('umount', ['-l', dir]);
  }
  fs.rmSync(BASE, { recursive: true, force: true });
});

test.beforeEach(() => {
  fs.writeFileSync(path.join(SOURCE, 'notes.txt'), 'read me\n');
});

async function openPanel(page: import('@jupyterlab/galata').IJupyterLabPageFixture) {
  await page.sidebar.openTab(PANEL_ID);
  const panel = page.locator(`#${PANEL_ID}`);
  await expect(panel.locator('.hs-StorageCard[data-storage="shared"]')).toBeVisible({
    timeout: 30_000
  });
  return panel;
}

test('shows each storage with its capacity and access, in both themes', async ({ page }, info) => {
  const panel = await openPanel(page);
  await expect(panel.locator('.hs-StorageCard')).toHaveCount(3);
  const scratch = panel.locator('.hs-StorageCard[data-storage="scratch"]');
  await expect(scratch.locator('.hs-StorageCard-path')).toHaveText(SCRATCH);
  await expect(scratch.locator('.hs-StorageCard-badge')).toHaveText('RW');
  await expect(scratch.locator('.hs-Meter-value')).toContainText('of 64 MiB (8');
  await expect(scratch.locator('.hs-Meter-fill')).toHaveAttribute('data-level', 'warn');

  const shared = panel.locator('.hs-StorageCard[data-storage="shared"]');
  const reason = 'read-only: the file system is mounted read-only';
  await expect(shared.locator('.hs-StorageCard-badge')).toHaveText('RO');
  await expect(shared.locator('.hs-StorageCard-badge')).toHaveAttribute('title', reason);
  await expect(shared.locator('.hs-StorageCard-reason')).toHaveText(reason);
  await expect(panel.locator('.hs-StorageCards-groups')).toContainText('groups (system): root');

  await inBothThemes(page, async theme => {
    await screenshot(panel, `storage-panel-${theme}`, info);
  });
});

test('browses the tmpfs in a second file browser and saves an edit there', async ({ page }) => {
  const panel = await openPanel(page);
  await panel.locator('.hs-StorageCard[data-storage="scratch"]').click();
  const browser = panel.locator('.hs-StorageBrowser[data-storage="scratch"]');
  const item = browser.locator('.jp-DirListing-item', { hasText: 'hello.txt' });
  await expect(item).toBeVisible({ timeout: 30_000 });
  await item.dblclick();
  const editor = page.locator('.jp-FileEditor .cm-content');
  await expect(editor).toContainText('hello from the tmpfs');
  await editor.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('edited in the browser');
  await page.keyboard.press('Control+s');
  await expect
    .poll(() => fs.readFileSync(path.join(SCRATCH, 'hello.txt'), 'utf8'), { timeout: 15_000 })
    .toContain('edited in the browser');
});

test('refuses a save to the read-only storage with the reason', async ({ page }, info) => {
  const panel = await openPanel(page);
  await panel.locator('.hs-StorageCard[data-storage="shared"]').click();
  const browser = panel.locator('.hs-StorageBrowser[data-storage="shared"]');
  const item = browser.locator('.jp-DirListing-item', { hasText: 'notes.txt' });
  await expect(item).toBeVisible({ timeout: 30_000 });
  // The drive says the file is not writable: JupyterLab opens it read-only.
  await item.dblclick();
  await expect(page.locator('.jp-FileEditor .cm-content')).toContainText('read me');
  await expect(page.locator('.jp-Toolbar-item', { hasText: 'file is read-only' })).toBeVisible();

  // An upload is a save: the backend refuses it and the dialog says why.
  const chooser = page.waitForEvent('filechooser');
  await browser.getByRole('button', { name: 'Upload Files' }).click();
  await (
    await chooser
  ).setFiles({
    name: 'upload.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('not allowed here\n')
  });
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toContainText(REFUSED, { timeout: 15_000 });
  await screenshot(dialog.locator('.jp-Dialog-content'), 'storage-refused-save', info);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toHaveCount(0);
  expect(fs.readdirSync(SHARED)).toEqual(['notes.txt']);
  expect(fs.readFileSync(path.join(SHARED, 'notes.txt'), 'utf8')).toBe('read me\n');
});

test('runs a notebook from the tmpfs in its own folder', async ({ page }) => {
  const folder = path.join(SCRATCH, 'work');
  fs.mkdirSync(folder, { recursive: true });
  const notebook = {
    cells: [
      {
        cell_type: 'code',
        execution_count: null,
        metadata: {},
        outputs: [],
        source: 'import os\nprint(os.getcwd())'
      }
    ],
    metadata: {
      kernelspec: { display_name: 'Python 3 (ipykernel)', language: 'python', name: 'python3' },
      language_info: { name: 'python' }
    },
    nbformat: 4,
    nbformat_minor: 5
  };
  fs.writeFileSync(path.join(folder, 'where.ipynb'), JSON.stringify(notebook));

  const panel = await openPanel(page);
  await panel.locator('.hs-StorageCard[data-storage="scratch"]').click();
  const browser = panel.locator('.hs-StorageBrowser[data-storage="scratch"]');
  await browser.locator('.jp-DirListing-item', { hasText: 'work' }).dblclick();
  await browser.locator('.jp-DirListing-item', { hasText: 'where.ipynb' }).dblclick();
  await expect(page.locator('.jp-NotebookPanel .jp-Cell')).toHaveCount(1, { timeout: 30_000 });
  await page.notebook.runCell(0);
  await expect(page.locator('.jp-NotebookPanel .jp-OutputArea-output')).toHaveText(`${folder}\n`, {
    timeout: 60_000
  });
});

test('opens a terminal in a storage folder from its context menu', async ({ page }) => {
  fs.mkdirSync(path.join(SCRATCH, 'results'), { recursive: true });
  const panel = await openPanel(page);
  await panel.locator('.hs-StorageCard[data-storage="scratch"]').click();
  const browser = panel.locator('.hs-StorageBrowser[data-storage="scratch"]');
  const folder = browser.locator('.jp-DirListing-item', { hasText: 'results' });
  await expect(folder).toBeVisible({ timeout: 30_000 });
  await folder.click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Open Terminal Here' }).click();

  const terminal = page.locator('.jp-Terminal');
  await expect(terminal).toBeVisible({ timeout: 30_000 });
  // The shell starts in the folder outside the Jupyter root: what it writes lands there.
  await terminal.locator('.xterm-helper-textarea').focus();
  await page.keyboard.type('pwd > where.txt\n');
  const where = path.join(SCRATCH, 'results', 'where.txt');
  await expect
    .poll(() => (fs.existsSync(where) ? fs.readFileSync(where, 'utf8') : ''), { timeout: 15_000 })
    .toBe(`${path.join(SCRATCH, 'results')}\n`);
  // Not left running for the next test.
  await page.evaluate(() =>
    (
      window as unknown as {
        jupyterapp: { serviceManager: { terminals: { shutdownAll(): Promise<void> } } };
      }
    ).jupyterapp.serviceManager.terminals.shutdownAll()
  );
});
