import { act, fireEvent, screen, within } from '@testing-library/react';
import { exposure, exposures, info, NOW, ports } from './fixtures';
import { Widget } from '@lumino/widgets';
import type { FlarePanel } from '../src/components/FlarePanel';
import { FlareModel } from '../src/model';
import { flareSidebar } from '../src/sidebar';
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

describe('FlarePanelView: what is shown first, and which ports', () => {
  let dispose: (() => void) | undefined;
  afterEach(() => dispose?.());

  const kernel = {
    kind: 'kernel' as const,
    reason: "a kernel's messaging (ZMQ) port: kernels talk to Jupyter, not to browsers"
  };
  const jupyter = {
    kind: 'jupyter' as const,
    reason: 'the Jupyter server you are using (it has its own address and login)'
  };

  it('puts the live exposures above the ports', async () => {
    const r = await renderPanel({
      'api/v1/flare/info': ok(info()),
      'api/v1/flare/ports': ok(ports([8050, 'python app.py', ['dash']])),
      'api/v1/flare/exposures': ok(exposures([exposure({ name: 'dash', port: 8050 })]))
    });
    dispose = () => r.model.dispose();
    const titles = [...r.container.querySelectorAll('h3')].map(h => h.textContent);
    expect(titles).toEqual(['Exposures', 'Web apps listening']);
  });

  it('lists only the apps; "Show all" adds the others, each saying why it cannot be exposed', async () => {
    const r = await renderPanel({
      'api/v1/flare/info': ok(info()),
      'api/v1/flare/ports': ok(
        ports(
          [8888, '/venv/bin/python3 /venv/bin/jupyter-lab', [], jupyter],
          [41001, 'python3 -m ipykernel_launcher -f kernel-1.json', [], kernel],
          [8555, 'python3 -m http.server 8555'],
          [9000, 'python3 raw_tcp.py', [], { http: false }]
        )
      ),
      'api/v1/flare/exposures': ok(exposures([]))
    });
    dispose = () => r.model.dispose();
    const listed = () =>
      [...r.container.querySelectorAll<HTMLElement>('.hs-FlarePort')].map(li => li.dataset.port);
    expect(listed()).toEqual(['8555', '9000']);
    const silent = r.container.querySelector('.hs-FlarePort[data-port="9000"]')!;
    expect(silent.textContent).toMatch('Does not answer HTTP: it may not be a web app.');
    expect(
      within(silent as HTMLElement).getByRole('button', { name: 'Expose port 9000…' })
    ).toBeTruthy();

    act(() => {
      fireEvent.click(screen.getByRole('checkbox', { name: 'Show all (2 more)' }));
    });
    expect(listed()).toEqual(['8555', '9000', '8888', '41001']);
    const server = r.container.querySelector<HTMLElement>('.hs-FlarePort[data-port="8888"]')!;
    expect(server.textContent).toMatch(
      'Not exposable: the Jupyter server you are using (it has its own address and login).'
    );
    expect(within(server).queryByRole('button')).toBeNull();
    expect(within(server).queryByRole('link')).toBeNull();
    // The form offers only the apps, each under the command the list shows.
    act(() => r.model.openForm());
    const form = screen.getByRole('form', { name: 'Expose a port' });
    const menu = within(form).getByRole('combobox', { name: 'Port' });
    const options = within(menu).getAllByRole<HTMLOptionElement>('option');
    expect(options.map(o => o.textContent)).toEqual([
      '8555 — python3 -m http.server 8555',
      '9000 — python3 raw_tcp.py'
    ]);
  });

  it('marks an unprotected exposure "Public" as a warning, and breaks its URL only after dots and slashes', async () => {
    const r = await renderPanel({
      'api/v1/flare/info': ok(info()),
      'api/v1/flare/ports': ok(ports([8050, 'python app.py', ['open']])),
      'api/v1/flare/exposures': ok(exposures([exposure({ name: 'open', port: 8050 })]))
    });
    dispose = () => r.model.dispose();
    const badge = r.container.querySelector('.hs-FlareExposure .hs-FlareBadge')!;
    expect(badge.textContent).toBe('Public');
    expect(badge.className).toContain('hs-FlareBadge-none');
    expect(badge.getAttribute('title')).toMatch('anyone who has the address');
    const link = r.container.querySelector('.hs-FlareUrl-link')!;
    expect(link.textContent).toBe('http://open.flare.localhost:8787/');
    const parts = [...link.childNodes]
      .filter(n => n.nodeType === Node.TEXT_NODE)
      .map(n => n.textContent);
    expect(parts).toEqual(['http:/', '/', 'open.', 'flare.', 'localhost:8787/']);
    expect(link.querySelectorAll('wbr')).toHaveLength(parts.length - 1);
  });
});

describe('the flare sidebar', () => {
  it('loads the panel on first show, and asks for the ports only while shown', async () => {
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
    const sidebar = flareSidebar(model, trans);
    expect(sidebar.id).toBe('hs-flare-panel');
    sidebar.hide();
    Widget.attach(sidebar, document.body);
    await until(model.changed, () => !!model.exposures.value && !!model.info.value);
    const askedForPorts = () =>
      seen.some(r => new URL(r.url).pathname === '/hotstepper/api/v1/flare/ports');
    expect(model.visible).toBe(false);
    expect(askedForPorts()).toBe(false);
    expect(sidebar.widgets).toHaveLength(0); // the view is not loaded before it is shown

    let panel!: FlarePanel;
    await act(async () => {
      sidebar.show();
      await sidebar.load();
      panel = sidebar.widgets[0] as FlarePanel;
      await until(model.changed, () => !!model.ports.value);
      panel.update();
      await panel.renderPromise;
    });
    expect(model.visible).toBe(true);
    expect(askedForPorts()).toBe(true);
    expect(panel.node.querySelector('.hs-FlarePort[data-port="8000"]')).not.toBeNull();

    await act(async () => sidebar.dispose());
    model.dispose();
  });
});
