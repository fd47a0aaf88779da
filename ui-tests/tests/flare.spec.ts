/**
 * @hotstepper/flare: expose a web app from the panel, open its public URL, unexpose it.
 *
 * The app is a real `python3 -m http.server` serving a page of its own, started here and
 * stopped by its pid. The server's admin config (hotstepper-test-config.json) puts the flare
 * gateway on a free port; its URLs are `http://<name>.flare.localhost:<port>/`, which Chromium
 * resolves to loopback by itself.
 */
import { type ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Browser, BrowserContextOptions, Page } from '@playwright/test';
import { expect, inBothThemes, screenshot, test, withSettings } from './helpers';

const PANEL_PLUGIN = '@hotstepper/flare:panel';
const PANEL_ID = 'hs-flare-panel';
const NAME = 'hello-flare';
const GREETING = 'hello from flare';

test.use(
  withSettings({
    [PANEL_PLUGIN]: { refreshRate: 1000, defaultProtection: 'secret-link', defaultExpiry: '8h' }
  })
);

/** A TCP port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts connections on the port. */
async function waitForListener(port: number): Promise<void> {
  const accepts = () =>
    new Promise<boolean>(resolve => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
  await expect
    .poll(accepts, { timeout: 10_000, message: `something listens on port ${port}` })
    .toBe(true);
}

/** Stops the app by its pid (and waits for it), whatever state it is in. */
async function stop(app: ChildProcess | undefined): Promise<void> {
  if (!app?.pid || app.exitCode !== null || app.signalCode !== null) {
    return;
  }
  const exited = new Promise(resolve => app.once('exit', resolve));
  process.kill(app.pid, 'SIGTERM');
  await exited;
}

/** A page in a browser context of its own (a visitor without the user's login), closed after. */
async function asVisitor(
  browser: Browser,
  options: BrowserContextOptions,
  visit: (page: Page) => Promise<void>
): Promise<void> {
  const context = await browser.newContext(options);
  try {
    await visit(await context.newPage());
  } finally {
    await context.close();
  }
}

const panel = (page: IJupyterLabPageFixture) => page.locator(`#${PANEL_ID}`);

/** Opens the panel from the command palette's command and waits for the port to be listed. */
async function openPanelAt(page: IJupyterLabPageFixture, port: number): Promise<void> {
  await page.evaluate(() => window.jupyterapp.commands.execute('hotstepper-flare:open'));
  await expect(panel(page).locator(`.hs-FlarePort[data-port="${port}"]`)).toBeVisible({
    timeout: 30_000
  });
}

/** Exposes `port` through the form; returns the URL the panel shows. */
async function exposeFromPanel(
  page: IJupyterLabPageFixture,
  port: number,
  name: string,
  protection: 'None' | 'Password' | 'Secret link',
  password?: string
): Promise<string> {
  const row = panel(page).locator(`.hs-FlarePort[data-port="${port}"]`);
  await row.getByRole('button', { name: `Expose port ${port}…` }).click();
  const form = panel(page).getByRole('form', { name: 'Expose a port' });
  await form.getByRole('textbox', { name: 'Name' }).fill(name);
  await form.getByRole('radio', { name: protection, exact: true }).check();
  if (password) {
    await form.getByLabel('Visitors’ password').fill(password);
  }
  await form.getByRole('button', { name: 'Expose', exact: true }).click();
  const done = panel(page).locator('.hs-FlareForm-done');
  await expect(done.getByRole('heading')).toHaveText(`Port ${port} is exposed as "${name}"`);
  const url = (await done.locator('.hs-FlareUrl-link').textContent())!;
  await done.getByRole('button', { name: 'Done' }).click();
  return url;
}

/** Unexposes through the panel, confirming the dialog. */
async function unexposeFromPanel(page: IJupyterLabPageFixture, name: string): Promise<void> {
  const item = panel(page).locator(`.hs-FlareExposure[data-name="${name}"]`);
  await item.getByRole('button', { name: `Unexpose ${name}` }).click();
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Unexpose' }).click();
  await expect(item).toHaveCount(0);
}

/** WCAG's contrast ratio of two computed CSS colours (`rgb(…)` / `rgba(…)`, opaque). */
function contrast(a: string, b: string): number {
  const luminance = (css: string) => {
    const [r, g, bl] = css
      .match(/[\d.]+/g)!
      .slice(0, 3)
      .map(Number);
    const lin = (c: number) => {
      const v = c / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(bl);
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** Whether something accepts TCP connections on the port now. */
function accepts(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

test.describe('flare', () => {
  let site: string;
  let port: number;
  let app: ChildProcess | undefined;

  test.beforeEach(async () => {
    site = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-flare-site-'));
    fs.writeFileSync(
      path.join(site, 'index.html'),
      `<!doctype html><title>flare test</title><h1>${GREETING}</h1>`
    );
    port = await freePort();
    app = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1'], {
      cwd: site,
      stdio: 'ignore'
    });
    await waitForListener(port);
  });

  test.afterEach(async () => {
    await stop(app);
    fs.rmSync(site, { recursive: true, force: true });
  });

  test('expose a port from the panel, open the URL in a new page, see the app, unexpose', async ({
    page,
    baseURL
  }, testInfo) => {
    test.setTimeout(120_000); // a busy machine: the backend's first start alone may take 20 s
    // The status bar item opens the panel.
    const status = page.locator('#jp-main-statusbar .hs-FlareStatus-item');
    await expect(status).toHaveText('Expose');
    await status.click();
    await expect(panel(page)).toBeVisible();

    // The port appears, with its command line.
    const row = panel(page).locator(`.hs-FlarePort[data-port="${port}"]`);
    await expect(row).toBeVisible({ timeout: 30_000 });
    await expect(row.locator('.hs-FlarePort-command')).toHaveText(
      `python3 -m http.server ${port} --bind 127.0.0.1`
    );
    // The login-protected alternative is offered too.
    await expect(row.getByRole('link', { name: `proxy/${port}/`, exact: true })).toHaveAttribute(
      'href',
      `${baseURL}/proxy/${port}/`
    );

    // Expose it under a name of our choosing, public.
    await row.getByRole('button', { name: `Expose port ${port}…` }).click();
    const form = panel(page).getByRole('form', { name: 'Expose a port' });
    const name = form.getByRole('textbox', { name: 'Name' });
    await expect(name).toHaveValue('http-server');
    // A name that is not a DNS label is refused in words, before anything is sent.
    await name.fill('Hello_Flare');
    await expect(form.getByRole('alert')).toContainText('Capital letters are not allowed');
    await name.fill(NAME);
    await form.getByRole('radio', { name: 'None' }).check();
    await form.getByRole('button', { name: 'Expose', exact: true }).click();

    // The URL to share, with a copy button.
    const done = panel(page).locator('.hs-FlareForm-done');
    await expect(done.getByRole('heading')).toHaveText(`Port ${port} is exposed as "${NAME}"`);
    const link = done.locator('.hs-FlareUrl-link');
    await expect(link).toHaveText(new RegExp(`^http://${NAME}\\.flare\\.localhost:\\d+/$`));
    await expect(done.getByRole('button', { name: `Copy the address of ${NAME}` })).toBeVisible();
    const url = (await link.textContent())!;

    // Open it in a new page: the app answers through the gateway.
    const [appPage] = await Promise.all([page.waitForEvent('popup'), link.click()]);
    await expect(appPage.locator('h1')).toHaveText(GREETING);
    expect(appPage.url()).toBe(url);

    // The exposure is listed, counts the visit, and the status bar counts the exposure.
    await done.getByRole('button', { name: 'Done' }).click();
    const item = panel(page).locator(`.hs-FlareExposure[data-name="${NAME}"]`);
    await expect(item.locator('.hs-FlareBadge').first()).toHaveText('Public');
    await expect(item.locator('.hs-FlareExposure-traffic')).toHaveText(
      /^\d+ requests?, last (just now|\d+ s ago)$/
    );
    await expect(item.locator('.hs-FlareExposure-meta')).toHaveText(
      new RegExp(`^Port ${port} · Expires in (8 h|7 h \\d+ min)$`)
    );
    await expect(status).toHaveText('Expose1');

    // Light and dark.
    await page.sidebar.setWidth(380, 'right');
    await inBothThemes(page, async theme => {
      await screenshot(panel(page), `flare-panel-${theme}`, testInfo);
    });
    await page.theme.setLightTheme();

    // The app stops: the exposure stays, marked "no listener".
    await stop(app);
    await expect(item.locator('.hs-FlareBadge-noListener')).toHaveText('no listener', {
      timeout: 15_000
    });
    await expect(row).toHaveCount(0);

    // Unexpose, after confirming: gone from the list, and the URL no longer reaches anything.
    await item.getByRole('button', { name: `Unexpose ${NAME}` }).click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText(`Unexpose "${NAME}"?`);
    await dialog.getByRole('button', { name: 'Unexpose' }).click();
    await expect(item).toHaveCount(0);
    await expect(panel(page).locator('.hs-FlareExposures .hs-FlareSection-empty')).toBeVisible();
    await expect(status).toHaveText('Expose');
    // The gateway answers an unknown name with an error page, or has stopped listening.
    await appPage.goto(url).catch(() => null);
    await expect(appPage.locator('h1', { hasText: GREETING })).toHaveCount(0);
    await appPage.close();
  });

  test('a secret link opens only with its secret; a password exposure asks for "flare" and the password', async ({
    page,
    browser
  }) => {
    await openPanelAt(page, port);

    // Secret link: the address carries the secret; the bare name does not reach the app.
    const secretUrl = await exposeFromPanel(page, port, 'hello-secret', 'Secret link');
    const host = new URL(secretUrl).hostname;
    expect(host).toMatch(/\.flare\.localhost$/);
    expect(host).not.toBe('hello-secret.flare.localhost');
    await asVisitor(browser, {}, async visit => {
      await visit.goto(secretUrl);
      await expect(visit.locator('h1')).toHaveText(GREETING);
      const bare = new URL(secretUrl);
      bare.hostname = 'hello-secret.flare.localhost';
      await visit.goto(bare.href).catch(() => null);
      await expect(visit.locator('h1', { hasText: GREETING })).toHaveCount(0);
    });

    // Password: the panel names the user; the browser gets in only with both.
    const password = 'correct horse battery';
    const passwordUrl = await exposeFromPanel(page, port, 'hello-password', 'Password', password);
    const item = panel(page).locator('.hs-FlareExposure[data-name="hello-password"]');
    await expect(item.locator('.hs-FlareExposure-meta')).toContainText('user name "flare"');
    await asVisitor(browser, {}, async refused => {
      // Chromium answers a 401 it has no credentials for by failing the navigation.
      await expect(refused.goto(passwordUrl)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
      await expect(refused.locator('h1', { hasText: GREETING })).toHaveCount(0);
    });
    await asVisitor(
      browser,
      { httpCredentials: { username: 'flare', password } },
      async admitted => {
        await admitted.goto(passwordUrl);
        await expect(admitted.locator('h1')).toHaveText(GREETING);
      }
    );

    await unexposeFromPanel(page, 'hello-secret');
    await unexposeFromPanel(page, 'hello-password');
  });

  test('with a kernel running the list holds only the apps; the panel fits the default sidebar; Running panel; the proxy closes', async ({
    page,
    request
  }, testInfo) => {
    test.setTimeout(180_000);
    // A kernel runs (as a notebook's would): its ZMQ ports listen as the user's.
    const kernel = await request.post('/api/kernels', { data: { name: 'python3' } });
    expect(kernel.status()).toBe(201);
    const all = async () =>
      (
        (await (await request.get('/hotstepper/api/v1/flare/ports')).json()) as {
          ports: Array<{ port: number; kind: string; reason?: string }>;
        }
      ).ports;
    await expect
      .poll(async () => (await all()).filter(p => p.kind === 'kernel').length, {
        timeout: 30_000,
        message: 'the kernel listens on its ZMQ ports'
      })
      .toBeGreaterThanOrEqual(5);

    await openPanelAt(page, port);
    const sidebar = panel(page);
    const listed = async () =>
      (await sidebar
        .locator('.hs-FlarePort')
        .evaluateAll(rows =>
          rows.map(r => [Number((r as HTMLElement).dataset.port), (r as HTMLElement).dataset.kind])
        )) as Array<[number, string]>;
    // Only the user's web apps: no Jupyter server, kernel, language server or backend port.
    const apps = new Set((await all()).filter(p => p.kind === 'app').map(p => p.port));
    const others = (await all()).filter(p => p.kind !== 'app').map(p => p.port);
    const rows = await listed();
    expect(rows.filter(([, kind]) => kind !== 'app')).toEqual([]);
    expect(rows.map(([p]) => p)).toContain(port);
    for (const [p] of rows) {
      expect(apps.has(p)).toBe(true);
      expect(others).not.toContain(p);
    }
    const jupyterPort = Number(new URL(page.url()).port);
    expect(rows.map(([p]) => p)).not.toContain(jupyterPort);
    // "Show all" lists the rest, each saying why it is not exposable.
    await sidebar.getByRole('checkbox', { name: /^Show all/ }).check();
    const server = sidebar.locator(`.hs-FlarePort[data-port="${jupyterPort}"]`).first();
    await expect(server.locator('.hs-FlarePort-why')).toHaveText(
      'Not exposable: the Jupyter server you are using (it has its own address and login).'
    );
    await expect(server.getByRole('button')).toHaveCount(0);
    await sidebar.getByRole('checkbox', { name: /^Show all/ }).uncheck();

    // The sidebar at its default width: the form with a password, its help and its errors fit.
    const width = (await sidebar.boundingBox())!.width;
    expect(width).toBeLessThanOrEqual(260);
    await sidebar
      .locator(`.hs-FlarePort[data-port="${port}"]`)
      .getByRole('button', { name: `Expose port ${port}…` })
      .click();
    const form = sidebar.getByRole('form', { name: 'Expose a port' });
    const menu = form.getByRole('combobox', { name: 'Port' });
    await expect(menu.locator('option:checked')).toHaveText(
      `${port} — python3 -m http.server ${port} --bind 127.0.0.1`
    );
    await form.getByRole('radio', { name: 'Password', exact: true }).check();
    await form.getByLabel('Visitors’ password').fill('short');
    await form.getByRole('textbox', { name: 'Name' }).fill('Not_A-valid name');
    await form.getByRole('button', { name: 'Expose', exact: true }).click();
    await expect(form.getByRole('alert').first()).toBeVisible();
    const fits = async () =>
      sidebar.evaluate(root => {
        const box = root.getBoundingClientRect();
        const out = [...root.querySelectorAll<HTMLElement>('button, input, select, p, a, label')]
          .filter(el => el.offsetParent !== null)
          .filter(el => el.getBoundingClientRect().right > box.right + 0.5)
          .map(el => el.outerHTML.slice(0, 80));
        const view = root.querySelector<HTMLElement>('.hs-FlarePanel')!;
        return { scroll: view.scrollWidth - view.clientWidth, out };
      });
    await inBothThemes(page, async theme => {
      expect(await fits()).toEqual({ scroll: 0, out: [] });
      await screenshot(sidebar, `flare-form-235-${theme}`, testInfo);
    });
    await page.theme.setLightTheme();
    // Keyboard: a visible focus ring on the next control.
    await form.getByLabel('Visitors’ password').focus();
    await page.keyboard.press('Tab');
    const reveal = form.getByRole('button', { name: 'Show' });
    await expect(reveal).toBeFocused();
    expect(await reveal.evaluate(el => getComputedStyle(el).outlineStyle)).toBe('solid');

    // Exposed without protection: "Public" in the warning colour, at AA contrast in both themes.
    const status = page.locator('#jp-main-statusbar .hs-FlareStatus-item');
    const statusWidth = (await status.boundingBox())!.width;
    await form.getByRole('radio', { name: 'None', exact: true }).check();
    await form.getByRole('textbox', { name: 'Name' }).fill('public-app');
    await form.getByRole('button', { name: 'Expose', exact: true }).click();
    const done = sidebar.locator('.hs-FlareForm-done');
    const url = (await done.locator('.hs-FlareUrl-link').textContent())!;
    await done.getByRole('button', { name: 'Done' }).click();
    const item = sidebar.locator('.hs-FlareExposure[data-name="public-app"]');
    const badge = item.locator('.hs-FlareBadge-none');
    await expect(badge).toHaveText('Public');
    // The exposures come first, above the ports.
    const order = await sidebar.locator('h3').allTextContents();
    expect(order.indexOf('Exposures')).toBeLessThan(order.indexOf('Web apps listening'));
    // The status item keeps its width as the count appears.
    await expect(status).toHaveText('Expose1');
    expect((await status.boundingBox())!.width).toBeCloseTo(statusWidth, 0);
    await inBothThemes(page, async theme => {
      const [fg, bg] = await badge.evaluate(el => [
        getComputedStyle(el).color,
        getComputedStyle(el).backgroundColor
      ]);
      expect(contrast(fg, bg), `${theme}: ${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5);
      expect(await fits()).toEqual({ scroll: 0, out: [] });
      await screenshot(sidebar, `flare-panel-235-${theme}`, testInfo);
    });
    await page.theme.setLightTheme();

    // The Running panel lists the exposure; its shut-down button unexposes it.
    await page.sidebar.openTab('jp-running-sessions');
    const running = page.locator('.hs-FlareRunningItem', { hasText: 'public-app' });
    await expect(running).toBeVisible({ timeout: 15_000 });
    await expect(running).toContainText(url);
    await running.hover();
    await running.locator('.jp-RunningSessions-itemShutdown').click();
    await expect(running).toHaveCount(0, { timeout: 15_000 });
    // Nothing is exposed any more: the proxy stops listening.
    const flarePort = Number(new URL(url).port);
    await expect
      .poll(() => accepts(flarePort), { timeout: 10_000, message: 'the flare proxy closed' })
      .toBe(false);
  });
});
