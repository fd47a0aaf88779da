import { settingsRouting, until } from '@hotstepper/core/lib/testing';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import { act } from '@testing-library/react';
import { AppsArea } from '../src/components/AppsArea';
import { AppsModel } from '../src/model';
import { app, appList } from './fixtures';

const trans = nullTranslator.load('hotstepper');

async function shown(apps: ReturnType<typeof appList>, posts: string[] = []) {
  const model = new AppsModel({
    serverSettings: settingsRouting({
      'api/v1/apps': () => ({ status: 200, body: apps }),
      'api/v1/apps/desktop-websockify/stop': () => {
        posts.push('stop');
        return { status: 200, body: app({ name: 'desktop-websockify', title: 'Desktop' }) };
      }
    })
  });
  const area = new AppsArea({ model, trans });
  await act(async () => {
    Widget.attach(area, document.body);
  });
  await act(async () => {
    await until(model.changed, () => model.apps !== null);
  });
  return { model, area };
}

describe('the Apps panel', () => {
  it('says so when the image has no platform apps', async () => {
    const { model, area } = await shown(appList([]));
    expect(area.node.textContent).toContain('No platform apps in this image.');
    await act(async () => area.dispose());
    model.dispose();
  });

  it('shows each app’s state, and why one cannot be started', async () => {
    const now = new Date().toISOString();
    const { model, area } = await shown(
      appList([
        app({
          name: 'desktop-websockify',
          title: 'Desktop',
          path: 'desktop/',
          state: 'running',
          since: now,
          pids: [10, 11],
          cpu: 0.25,
          memory: 64 * 1024 * 1024
        }),
        app({
          state: 'starting',
          since: new Date(Date.now() - 90_000).toISOString(),
          timeout: 300
        }),
        app({
          name: 'rstudio',
          title: 'RStudio',
          installed: false,
          images: ['RStudio 4.4'],
          reason: "Not in this image — choose 'RStudio 4.4' when you start a server"
        }),
        app({
          name: 'code-server',
          title: 'VS Code',
          state: 'crashed',
          exitCode: 1,
          output: ['listening failed', 'EADDRINUSE']
        })
      ])
    );
    const card = (name: string) => area.node.querySelector(`[data-app="${name}"]`)!;
    expect(card('desktop-websockify').textContent).toMatch(/Running since .*CPU 0\.25.*Memory 64/);
    expect(card('tensorboard').textContent).toMatch(/Starting… 1 min 3\d s of 5 min/);
    expect(card('rstudio').textContent).toContain("choose 'RStudio 4.4'");
    expect(card('rstudio').querySelector('button')).toBeNull();
    expect(card('code-server').textContent).toContain('Crashed (exit code 1)');
    expect(card('code-server').querySelector('pre')!.textContent).toBe(
      'listening failed\nEADDRINUSE'
    );
    // Stop only for what runs.
    const stop = (name: string) =>
      card(name).querySelector<HTMLButtonElement>('[aria-label^="Stop"]')!;
    expect(stop('desktop-websockify').disabled).toBe(false);
    expect(stop('code-server').disabled).toBe(true);
    await act(async () => area.dispose());
    model.dispose();
  });

  it('opens the app in a new tab at its path, and stops it through the backend', async () => {
    const posts: string[] = [];
    const { model, area } = await shown(
      appList([app({ name: 'desktop-websockify', title: 'Desktop', path: 'desktop/' })]),
      posts
    );
    const open = jest.spyOn(window, 'open').mockReturnValue(null);
    area.node.querySelector<HTMLButtonElement>('[aria-label="Open Desktop in a new tab"]')!.click();
    expect(open).toHaveBeenCalledWith(expect.stringMatching(/\/desktop\/$/), '_blank', 'noopener');
    await act(async () => {
      await model.act('desktop-websockify', 'stop');
    });
    expect(posts).toEqual(['stop']);
    open.mockRestore();
    await act(async () => area.dispose());
    model.dispose();
  });
});
