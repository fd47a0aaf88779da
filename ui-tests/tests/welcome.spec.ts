/**
 * Welcome back: a cell run with no page open (through the kernel's websocket only) is in the
 * summary that opens when the page comes back after longer than the setting; its action opens
 * the notebook at the cell. Names render as text.
 */
import { randomUUID } from 'crypto';
import type { APIRequestContext } from '@playwright/test';
import WebSocket from 'ws';
import { expect, inBothThemes, screenshot, test } from './helpers';

const API = '/hotstepper/api/v1/activity';
const XSRF = { cookie: '_xsrf=ui-tests', 'x-xsrftoken': 'ui-tests' };
const HOUR = 3600_000;
const XSS = '<img src=x onerror=alert(1)>.ipynb';

/** Writes a notebook and starts a kernel for it, as a page would; returns the kernel's id. */
async function notebookWithKernel(
  request: APIRequestContext,
  path: string,
  cells: Array<{ source: string; count: number | null }>
): Promise<string> {
  const put = await request.put(`/api/contents/${encodeURIComponent(path).replace(/%2F/g, '/')}`, {
    data: {
      type: 'notebook',
      content: {
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: cells.map(c => ({
          cell_type: 'code',
          source: c.source,
          execution_count: c.count,
          outputs: [],
          metadata: {}
        }))
      }
    }
  });
  expect(put.ok(), `PUT ${path}: ${put.status()}`).toBe(true);
  const session = await request.post('/api/sessions', {
    data: { path, name: path, type: 'notebook', kernel: { name: 'python3' } }
  });
  expect(session.ok()).toBe(true);
  const kernel = ((await session.json()) as { kernel: { id: string } }).kernel.id;
  // The summary lists the kernels first, so the watcher follows this one from now on.
  expect((await request.get(API)).ok()).toBe(true);
  return kernel;
}

/** Runs code in a kernel over its websocket, with no page, and waits for the reply. */
async function runWithoutPage(baseURL: string, kernel: string, code: string): Promise<void> {
  const ws = new WebSocket(`${baseURL.replace(/^http/, 'ws')}/api/kernels/${kernel}/channels`);
  await new Promise((ok, fail) => ws.once('open', ok).once('error', fail));
  const msgId = randomUUID();
  const replied = new Promise<void>(ok =>
    ws.on('message', data => {
      const msg = JSON.parse(data.toString());
      if (msg.msg_type === 'execute_reply' && msg.parent_header.msg_id === msgId) {
        ok();
      }
    })
  );
  ws.send(
    JSON.stringify({
      channel: 'shell',
      header: {
        msg_id: msgId,
        msg_type: 'execute_request',
        session: randomUUID(),
        username: '',
        version: '5.3',
        date: new Date().toISOString()
      },
      parent_header: {},
      metadata: {},
      content: {
        code,
        silent: false,
        store_history: true,
        user_expressions: {},
        allow_stdin: false
      }
    })
  );
  await replied;
  ws.close();
}

/** Moves the backend's "last page seen" back past the 8 hours of the default setting. */
async function awayFor(request: APIRequestContext, hours: number): Promise<void> {
  const res = await request.post(`${API}/seen`, {
    headers: XSRF,
    data: { at: Date.now() - hours * HOUR }
  });
  expect(res.ok()).toBe(true);
}

test('after 9 h away the summary lists the cell that finished with no page open and opens it', async ({
  page,
  request,
  baseURL,
  tmpPath
}, testInfo) => {
  // Two page loads, a kernel and screenshots in both themes: slow on a busy machine.
  test.setTimeout(180_000);
  const path = `${tmpPath}/train.ipynb`;
  const kernel = await notebookWithKernel(request, path, [
    { source: 'import this', count: null },
    { source: 'train()', count: 1 }
  ]);
  await runWithoutPage(
    baseURL!,
    kernel,
    'import time\nprint("epoch 1", flush=True)\ntime.sleep(2)\nprint("epoch 50 accuracy 0.93")'
  );
  await awayFor(request, 9);
  // (The restored workspace has no Launcher tab, which galata's own readiness check waits for.)
  await page.reload({ waitForIsReady: false });

  const dialog = page.locator('.hs-Welcome-dialog');
  await expect(dialog.getByText('What Happened While You Were Away')).toBeVisible({
    timeout: 30_000
  });
  const finished = dialog.locator('[data-group="finished"]');
  await expect(finished).toContainText(`${path} [1] ran 2 s and finished`);
  await expect(finished).toContainText('its last line was epoch 50 accuracy 0.93');
  await expect(dialog.getByRole('checkbox')).not.toBeChecked();

  await inBothThemes(page, async theme => {
    await screenshot(dialog.locator('.jp-Dialog-content'), `welcome-overlay-${theme}`, testInfo);
  });
  await page.theme.setLightTheme();

  // The action leaves the dialog and opens the notebook at the cell with that count.
  await dialog.getByRole('button', { name: `Open ${path} at cell [1]` }).click();
  await expect(dialog).toHaveCount(0);
  const tab = page.getByRole('main').locator('.jp-NotebookPanel:visible');
  await expect(tab.locator('.jp-Notebook-cell.jp-mod-active')).toContainText('train()');

  // Marked seen: coming back at once does not open it again.
  const seen = page.waitForResponse(
    r => r.url().includes(`${API}/seen`) && r.request().method() === 'POST'
  );
  await page.reload({ waitForIsReady: false });
  await seen;
  await expect(page.locator('.hs-Welcome-dialog')).toHaveCount(0);
});

test('a file named like HTML is shown as text; the command opens any period', async ({
  page,
  request,
  baseURL,
  tmpPath
}) => {
  const alerts: string[] = [];
  page.on('dialog', d => {
    alerts.push(d.message());
    void d.dismiss();
  });
  const path = `${tmpPath}/${XSS}`;
  const kernel = await notebookWithKernel(request, path, [{ source: '1 / 0', count: null }]);
  await runWithoutPage(baseURL!, kernel, '1 / 0');

  // (The command's promise ends when the dialog closes.)
  await page.evaluate(() => {
    void window.jupyterapp.commands.execute('hotstepper-welcome:open');
  });
  const dialog = page.locator('.hs-Welcome-dialog');
  await dialog.getByLabel('Period', { exact: true }).selectOption({ label: 'Last 7 days' });
  const failed = dialog.locator('[data-group="failed"]');
  await expect(failed).toContainText(`${path} [1] failed with ZeroDivisionError`);
  await expect(dialog.locator('img')).toHaveCount(0);
  expect(alerts).toEqual([]);
  // Opened by the command, it offers no "don't show again": that is for the automatic one.
  await expect(dialog.getByRole('checkbox')).toHaveCount(0);
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
});
