/**
 * @hotstepper/apps: the launcher's "Platform apps" section and the Apps panel, with a real
 * desktop (TigerVNC + openbox through jupyter-remote-desktop-proxy) and RStudio's real proxy
 * without RStudio (its tile is greyed, with the reason).
 */
import { expect, inBothThemes, screenshot, test } from './helpers';

const PANEL_ID = 'hs-apps-panel';

test('the launcher shows a tile per app, greyed with the reason when this image lacks it', async ({
  page
}, info) => {
  const section = page.locator('.jp-Launcher-section', {
    has: page.locator('.jp-Launcher-sectionTitle', { hasText: 'Platform apps' })
  });
  const tile = (title: string) =>
    section.locator('.jp-LauncherCard', {
      has: page.locator('.jp-LauncherCard-label', { hasText: new RegExp(`^${title}$`) })
    });
  await expect(tile('Desktop')).toBeVisible({ timeout: 30_000 });
  await expect(tile('Desktop').locator('.hs-AppTile-unavailable')).toHaveCount(0);
  await expect(tile('RStudio')).toHaveAttribute('title', /RStudio: Not in this image/);
  await expect(tile('RStudio').locator('.hs-AppTile-unavailable')).toHaveCount(1);
  await expect(tile('MATLAB')).toHaveAttribute('title', /Not in this image/);
  // Once each: jupyter-server-proxy's own tiles (an RStudio that would not start) are off.
  const anywhere = (title: string) =>
    page.locator('.jp-LauncherCard-label', { hasText: new RegExp(`^${title}( \\[↗\\])?$`) });
  await expect(anywhere('Desktop')).toHaveCount(1);
  await expect(anywhere('RStudio')).toHaveCount(1);

  // A greyed tile explains itself instead of opening anything.
  await tile('RStudio').click();
  await expect(
    page.locator('.Toastify__toast', { hasText: 'RStudio: Not in this image' })
  ).toBeVisible();
  await inBothThemes(page, async theme => {
    await screenshot(section, `apps-launcher-${theme}`, info);
  });
});

test('starts the desktop from the panel, shows it running, and stops it', async ({
  page
}, info) => {
  await page.sidebar.openTab(PANEL_ID);
  const panel = page.locator(`#${PANEL_ID}`);
  const desktop = panel.locator('.hs-AppCard[data-app="desktop-websockify"]');
  await expect(desktop).toBeVisible({ timeout: 30_000 });
  await expect(desktop.locator('.hs-AppCard-state')).toHaveText('Stopped');
  await expect(panel.locator('.hs-AppCard[data-app="rstudio"]')).toContainText('Not in this image');

  // Open: a new tab with noVNC, whose websocket starts the desktop.
  const [tab] = await Promise.all([
    page.context().waitForEvent('page'),
    desktop.getByRole('button', { name: 'Open Desktop in a new tab' }).click()
  ]);
  await expect(tab).toHaveURL(/\/desktop\/$/);
  await expect(desktop.locator('.hs-AppCard-state')).toContainText('Running since', {
    timeout: 45_000
  });
  await expect(desktop.locator('.hs-AppCard-state')).toContainText('Memory');
  await tab.close();

  await inBothThemes(page, async theme => {
    await screenshot(panel, `apps-panel-running-${theme}`, info);
  });

  const stop = desktop.getByRole('button', { name: 'Stop Desktop' });
  await stop.focus();
  await page.keyboard.press('Enter');
  await expect(desktop.locator('.hs-AppCard-state')).toHaveText('Stopped', { timeout: 30_000 });
  await expect(stop).toBeDisabled();
});
