import { FakePageEvents } from '@hotstepper/core/lib/testing';
import { FlareModel } from '../src/model';
import { exposure, exposures, info, ports } from './fixtures';
import { type IAnswer, settingsRouting, until } from './helpers';

const ok = (body: unknown): IAnswer => ({ status: 200, body });

/** A Storage stand-in: localStorage survives a page load, so does this across models. */
function memoryStorage(): Pick<Storage, 'getItem' | 'setItem'> {
  const data = new Map<string, string>();
  return { getItem: k => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

describe('FlareModel', () => {
  let model: FlareModel | undefined;
  afterEach(() => model?.dispose());

  it('merges the listening ports with the exposures that point at them', async () => {
    model = new FlareModel({
      visible: true,
      serverSettings: settingsRouting({
        'api/v1/flare/info': ok(info()),
        'api/v1/flare/ports': ok(
          ports([8050, 'python app.py', ['dash']], [8501, 'streamlit run s.py'])
        ),
        'api/v1/flare/exposures': ok(
          exposures([
            exposure({ name: 'dash', port: 8050 }),
            exposure({ name: 'dash-2', port: 8050, protection: 'password', username: 'flare' }),
            exposure({ name: 'old', port: 9000, listening: false })
          ])
        )
      })
    });
    await until(model.changed, () => !!model!.ports.value && !!model!.exposures.value);
    const rows = model.portRows;
    expect(rows.map(r => [r.port, r.exposed.map(e => e.name)])).toEqual([
      [8050, ['dash', 'dash-2']],
      [8501, []]
    ]);
    expect(model.counts).toEqual({ exposures: 3, noListener: 1 });
    expect(model.takenNames).toEqual(['dash', 'dash-2', 'old']);
  });

  it('builds the login-protected links from the base URL and the proxy templates', async () => {
    model = new FlareModel({
      serverSettings: settingsRouting({
        'api/v1/flare/info': ok(info()),
        'api/v1/flare/exposures': ok(exposures([]))
      })
    });
    expect(model.proxyLinks(8050)).toBeUndefined();
    await until(model.changed, () => !!model!.info.value);
    expect(model.proxyLinks(8050)).toEqual({
      relative: 'http://localhost:8888/proxy/8050/',
      absolute: 'http://localhost:8888/proxy/absolute/8050/'
    });
  });

  it('does not ask for the ports while the panel is hidden', async () => {
    const seen: Request[] = [];
    model = new FlareModel({
      serverSettings: settingsRouting(
        {
          'api/v1/flare/info': ok(info()),
          'api/v1/flare/ports': ok(ports([8000, 'python3 -m http.server 8000'])),
          'api/v1/flare/exposures': ok(exposures([]))
        },
        seen
      )
    });
    await until(model.changed, () => !!model!.exposures.value && !!model!.info.value);
    const paths = () => seen.map(r => new URL(r.url).pathname);
    expect(paths()).not.toContain('/hotstepper/api/v1/flare/ports');
    model.visible = true;
    await until(model.changed, () => !!model!.ports.value);
    expect(paths()).toContain('/hotstepper/api/v1/flare/ports');
  });

  it('announces each expired exposure once, also after a page load', async () => {
    const storage = memoryStorage();
    const first = { name: 'dash', port: 8050, expiredAt: '2026-11-25T09:00:00.000Z' };
    const second = { name: 'shiny', port: 3838, expiredAt: '2026-11-25T09:30:00.000Z' };
    let expired = [first];
    const routes = {
      'api/v1/flare/info': ok(info()),
      'api/v1/flare/exposures': () => ok(exposures([], expired))
    };
    const announced: string[][] = [];
    model = new FlareModel({ serverSettings: settingsRouting(routes), storage });
    model.expired.connect((_, list) => announced.push(list.map(e => e.name)));
    await until(model.changed, () => announced.length === 1);
    model.refresh();
    await until(model.changed, () => !model!.exposures.loading);
    await new Promise(r => setTimeout(r, 50));
    expect(announced).toEqual([['dash']]);

    expired = [first, second];
    model.refresh();
    await until(model.changed, () => announced.length === 2);
    expect(announced).toEqual([['dash'], ['shiny']]);
    model.dispose();

    // A new page: nothing announced again.
    const again: string[][] = [];
    model = new FlareModel({ serverSettings: settingsRouting(routes), storage });
    model.expired.connect((_, list) => again.push(list.map(e => e.name)));
    await until(model.changed, () => !!model!.exposures.value);
    expect(again).toEqual([]);

    // The same name expiring again later is news.
    expired = [{ ...first, expiredAt: '2026-11-25T11:00:00.000Z' }];
    model.refresh();
    await until(model.changed, () => again.length === 1);
    expect(again).toEqual([['dash']]);
  });

  it('posts an exposure and deletes one by name', async () => {
    const seen: Request[] = [];
    const created = exposure({ name: 'dash', port: 8050 });
    model = new FlareModel({
      serverSettings: settingsRouting(
        {
          'api/v1/flare/info': ok(info()),
          'api/v1/flare/exposures': ok(exposures([])),
          'POST api/v1/flare/exposures': { status: 201, body: created },
          'DELETE api/v1/flare/exposures/dash': { status: 204, body: null }
        },
        seen
      )
    });
    await expect(
      model.expose({ port: 8050, name: 'dash', protection: 'none', expiresInMinutes: 60 })
    ).resolves.toEqual(created);
    const post = seen.find(r => r.method === 'POST')!;
    expect(await post.json()).toEqual({
      port: 8050,
      name: 'dash',
      protection: 'none',
      expiresInMinutes: 60
    });
    await model.unexpose('dash');
    const del = seen.find(r => r.method === 'DELETE')!;
    expect(new URL(del.url).pathname).toBe('/hotstepper/api/v1/flare/exposures/dash');
  });

  it('opens the expose form for a port, the first listening one, or not at all', async () => {
    let list = ports();
    model = new FlareModel({
      visible: true,
      serverSettings: settingsRouting({
        'api/v1/flare/info': ok(info()),
        'api/v1/flare/ports': () => ok(list),
        'api/v1/flare/exposures': ok(exposures([]))
      })
    });
    await until(model.changed, () => !!model!.ports.value);
    model.openForm();
    expect(model.formPort).toBeNull();
    model.openForm(8050);
    expect(model.formPort).toBe(8050);
    model.closeForm();
    list = ports([8501, 'streamlit run a.py'], [8050, 'python app.py']);
    model.refresh();
    await until(model.changed, () => model!.ports.value?.ports.length === 2);
    const generation = model.formGeneration;
    model.openForm();
    expect(model.formPort).toBe(8501);
    expect(model.formGeneration).toBe(generation + 1);
  });

  it('keeps the last answer and the backend’s message when a poll fails', async () => {
    let failing = false;
    model = new FlareModel({
      serverSettings: settingsRouting({
        'api/v1/flare/info': ok(info()),
        'api/v1/flare/exposures': () =>
          failing
            ? { status: 500, body: { statusCode: 500, message: 'The flare gateway stopped' } }
            : ok(exposures([exposure({ name: 'dash', port: 8050 })]))
      })
    });
    await until(model.changed, () => !!model!.exposures.value);
    failing = true;
    model.refresh();
    await until(model.changed, () => !!model!.exposures.error);
    expect(model.exposures.error).toBe('The flare gateway stopped');
    expect(model.exposures.value?.exposures).toHaveLength(1);
  });
});

describe("FlareModel on the page's event stream", () => {
  let model: FlareModel | undefined;
  afterEach(() => model?.dispose());

  const exposurePolls = (seen: Request[]) =>
    seen.filter(r => new URL(r.url).pathname.endsWith('/api/v1/flare/exposures')).length;

  it('takes the exposures from the stream, announcing expiries, and polls them only while it is down', async () => {
    const seen: Request[] = [];
    const events = new FakePageEvents();
    events.setLive(true);
    model = new FlareModel({
      serverSettings: settingsRouting(
        {
          'api/v1/flare/info': ok(info()),
          'api/v1/flare/exposures': ok(exposures([exposure({ name: 'polled', port: 1 })]))
        },
        seen
      ),
      settings: { refreshRate: 20 },
      events
    });
    const m = model;
    const announced: string[][] = [];
    m.expired.connect((_, list) => announced.push(list.map(e => e.name)));
    const expiredAt = '2026-11-25T09:00:00.000Z';
    events.emit(
      'exposures',
      exposures([exposure({ name: 'dash', port: 8050 })], [{ name: 'old', port: 9, expiredAt }])
    );
    expect(m.takenNames).toEqual(['dash']);
    expect(announced).toEqual([['old']]);
    await new Promise(r => setTimeout(r, 120));
    expect(exposurePolls(seen)).toBe(0);

    events.setLive(false);
    await until(m.changed, () => m.takenNames[0] === 'polled');
    await new Promise(r => setTimeout(r, 100));
    expect(exposurePolls(seen)).toBeGreaterThanOrEqual(2);

    events.setLive(true);
    await new Promise(r => setTimeout(r, 30));
    const polled = exposurePolls(seen);
    await new Promise(r => setTimeout(r, 100));
    expect(exposurePolls(seen)).toBe(polled);
    m.dispose();
    expect(events.count('exposures')).toBe(0);
  });
});
