import { act, fireEvent, screen, within } from '@testing-library/react';
import { exposure, exposures, info, NOW, ports } from './fixtures';
import { Widget } from '@lumino/widgets';
import { FlarePanel } from '../src/components/FlarePanel';
import { FlareModel } from '../src/model';
import { settingsRouting, until } from './helpers';
import { ok, renderPanel, trans } from './render';

const minutesAgo = (m: number) => new Date(NOW - m * 60_000).toISOString();

describe('FlarePanelView', () => {
  let dispose: (() => void) | undefined;
  afterEach(() => dispose?.());

  it('lists the listening ports with their commands, Expose… and the login-protected links', async () => {
    const command = '/work/main/.venv/bin/python3 -m http.server 8000 --bind 0.0.0.0';
    const r = await renderPanel({
      'api/v1/flare/info': ok(info()),
      'api/v1/flare/ports': ok(ports([8000, command])),
      'api/v1/flare/exposures': ok(exposures([]))
    });
    dispose = () => r.model.dispose();
    const item = r.container.querySelector<HTMLElement>('.hs-FlarePort[data-port="8000"]')!;
    expect(item).not.toBeNull();
    const shown = item.querySelector('.hs-FlarePort-command')!;
    expect(shown.textContent).toBe('python3 -m http.server 8000 --bind 0.0.0.0');
    expect(shown.getAttribute('title')).toBe(command);
    const links = within(item).getAllByRole('link');
    expect(links.map(a => a.getAttribute('href'))).toEqual([
      'http://localhost:8888/proxy/8000/',
      'http://localhost:8888/proxy/absolute/8000/'
    ]);
    expect(links.every(a => a.getAttribute('target') === '_blank')).toBe(true);
    expect(screen.getByText(/Nothing is exposed\./)).toBeTruthy();

    // Expose… opens the form with this port chosen and a name from the command.
    act(() => {
      fireEvent.click(within(item).getByRole('button', { name: 'Expose port 8000…' }));
    });
    const form = screen.getByRole('form', { name: 'Expose a port' });
    expect(within(form).getByRole<HTMLSelectElement>('combobox', { name: 'Port' }).value).toBe(
      '8000'
    );
    expect(within(form).getByRole<HTMLInputElement>('textbox', { name: 'Name' }).value).toBe(
      'http-server'
    );
  });

  it('shows exposures with URL, protection, expiry, traffic and "no listener"', async () => {
    const r = await renderPanel({
      'api/v1/flare/info': ok(info()),
      'api/v1/flare/ports': ok(ports([8050, 'python app.py', ['dash']])),
      'api/v1/flare/exposures': ok(
        exposures([
          exposure({
            name: 'dash',
            port: 8050,
            protection: 'password',
            username: 'flare',
            requests: 3,
            lastRequestAt: minutesAgo(2),
            expiresAt: new Date(NOW + 3600_000).toISOString()
          }),
          exposure({
            name: 'gone',
            port: 9000,
            protection: 'secret-link',
            url: 'http://gone-k3x9q2.flare.localhost:8787/',
            listening: false
          })
        ])
      )
    });
    dispose = () => r.model.dispose();
    const dash = r.container.querySelector<HTMLElement>('.hs-FlareExposure[data-name="dash"]')!;
    expect(
      within(dash).getByRole('link', { name: 'http://dash.flare.localhost:8787/' })
    ).toBeTruthy();
    expect(within(dash).getByRole('button', { name: 'Copy the address of dash' })).toBeTruthy();
    expect(dash.querySelector('.hs-FlareBadge')?.textContent).toBe('Password');
    expect(dash.querySelector('.hs-FlareExposure-meta')?.textContent).toBe(
      'Port 8050 · user name "flare" · Expires in 1 h'
    );
    expect(dash.querySelector('.hs-FlareExposure-traffic')?.textContent).toBe(
      '3 requests, last 2 min ago'
    );
    expect(within(dash).queryByText('no listener')).toBeNull();

    const gone = r.container.querySelector<HTMLElement>('.hs-FlareExposure[data-name="gone"]')!;
    expect(gone.dataset.listening).toBe('false');
    expect(within(gone).getByText('no listener')).toBeTruthy();
    expect(within(gone).getByText('Secret link')).toBeTruthy();
    expect(gone.querySelector('.hs-FlareExposure-traffic')?.textContent).toBe('No requests yet');

    // The port row says which exposures point at it.
    expect(r.container.querySelector('.hs-FlarePort-exposed')?.textContent).toBe('Exposed as dash');
  });

  it('unexposes after the user confirms, and not when they cancel', async () => {
    let list = [exposure({ name: 'dash', port: 8050 })];
    const routes = {
      'api/v1/flare/info': ok(info()),
      'api/v1/flare/ports': ok(ports()),
      'api/v1/flare/exposures': () => ok(exposures(list)),
      'DELETE api/v1/flare/exposures/dash': () => {
        list = [];
        return { status: 204, body: null };
      }
    };
    const cancelled = await renderPanel(routes, false);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Unexpose dash' }));
    });
    expect(cancelled.confirmed).toEqual(['Unexpose "dash"?']);
    expect(cancelled.seen.some(q => q.method === 'DELETE')).toBe(false);
    cancelled.model.dispose();
    cancelled.unmount();

    const r = await renderPanel(routes, true);
    dispose = () => r.model.dispose();
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Unexpose dash' }));
      await until(r.model.changed, () => r.model.exposures.value?.exposures.length === 0);
    });
    expect(r.seen.filter(q => q.method === 'DELETE')).toHaveLength(1);
    expect(r.container.querySelector('.hs-FlareExposure')).toBeNull();
    expect(screen.getByText(/Nothing is exposed\./)).toBeTruthy();
  });

  it('teaches how to get a port when none listens', async () => {
    const r = await renderPanel({
      'api/v1/flare/info': ok(info()),
      'api/v1/flare/ports': ok(ports()),
      'api/v1/flare/exposures': ok(exposures([]))
    });
    dispose = () => r.model.dispose();
    const empty = r.container.querySelector('.hs-FlarePorts .hs-FlareSection-empty')!;
    expect(empty.textContent).toBe(
      'Start a web app — e.g. python -m http.server 8000 in a terminal — and its port appears here.'
    );
    expect(empty.querySelector('code')?.textContent).toBe('python -m http.server 8000');
  });

  it('says plainly when exposing is unavailable, and still offers the login-protected links', async () => {
    const r = await renderPanel({
      'api/v1/flare/info': ok(info({ unavailable: 'No flare domain is configured.' })),
      'api/v1/flare/ports': ok(ports([8000, 'python3 -m http.server 8000'])),
      'api/v1/flare/exposures': ok(exposures([]))
    });
    dispose = () => r.model.dispose();
    expect(screen.getByRole('note').textContent).toBe(
      'Exposing is not available here: No flare domain is configured.'
    );
    const expose = screen.getByRole<HTMLButtonElement>('button', { name: 'Expose port 8000…' });
    expect(expose.disabled).toBe(true);
    expect(screen.getAllByRole('link')).toHaveLength(2);
  });

  it('shows the backend’s message when it cannot answer', async () => {
    const down = { status: 503, body: { statusCode: 503, message: 'Flare is starting' } };
    const r = await renderPanel({
      'api/v1/flare/info': down,
      'api/v1/flare/ports': down,
      'api/v1/flare/exposures': down
    });
    dispose = () => r.model.dispose();
    expect(screen.getAllByRole('alert').map(a => a.textContent)).toEqual([
      'Could not load: Flare is starting',
      'Could not load: Flare is starting'
    ]);
  });
});

describe('FlarePanel', () => {
  it('asks for the ports only while shown, and renders them once shown', async () => {
    const seen: Request[] = [];
    const model = new FlareModel({
      serverSettings: settingsRouting(
        {
          'api/v1/flare/info': ok(info()),
          'api/v1/flare/ports': ok(ports([8000, 'python3 -m http.server 8000'])),
          'api/v1/flare/exposures': ok(exposures([]))
        },
        seen
      )
    });
    const panel = new FlarePanel(model, trans);
    expect(panel.id).toBe('hs-flare-panel');
    panel.hide();
    Widget.attach(panel, document.body);
    await until(model.changed, () => !!model.exposures.value && !!model.info.value);
    const askedForPorts = () =>
      seen.some(r => new URL(r.url).pathname === '/hotstepper/api/v1/flare/ports');
    expect(model.visible).toBe(false);
    expect(askedForPorts()).toBe(false);

    await act(async () => {
      panel.show();
      await until(model.changed, () => !!model.ports.value);
      panel.update();
      await panel.renderPromise;
    });
    expect(model.visible).toBe(true);
    expect(askedForPorts()).toBe(true);
    expect(panel.node.querySelector('.hs-FlarePort[data-port="8000"]')).not.toBeNull();

    await act(async () => panel.dispose());
    model.dispose();
  });
});
