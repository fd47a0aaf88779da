import { Signal } from '@lumino/signaling';
import { DEFAULT_PANEL_SETTINGS, UsagePanelModel } from '../src/panelModel';
import { A40, cost, history, idle, inventory, kernels, snapshotWithGpus } from './fixtures';
import { type IAnswer, settingsRouting, until } from './helpers';

const ok = (body: unknown): IAnswer => ({ status: 200, body });
const fail = (status: number, message: string): IAnswer => ({
  status,
  body: { statusCode: status, error: 'x', message }
});

function allRoutes(): Record<string, IAnswer> {
  return {
    'api/v1/usage/now': ok(snapshotWithGpus()),
    'api/v1/usage/history?range=hour': ok(history('hour')),
    'api/v1/usage/history?range=day': ok(history('day', 288)),
    'api/v1/usage/kernels': ok(kernels),
    'api/v1/usage/gpus': ok(inventory('none')),
    'api/v1/usage/cost': ok(cost()),
    'api/v1/usage/idle': ok(idle())
  };
}

const paths = (seen: Request[]) =>
  seen.map(r => {
    const url = new URL(r.url);
    const range = url.searchParams.get('range');
    return url.pathname.replace('/hotstepper/', '') + (range ? `?range=${range}` : '');
  });

describe('UsagePanelModel', () => {
  let model: UsagePanelModel | undefined;
  afterEach(() => model?.dispose());

  it('loads every endpoint while the panel is visible', async () => {
    const seen: Request[] = [];
    model = new UsagePanelModel({
      serverSettings: settingsRouting(allRoutes(), seen),
      visible: true
    });
    expect(model.now.loading).toBe(true);
    const m = model;
    await until(m.changed, () =>
      (['now', 'history', 'kernels', 'gpus', 'cost', 'idle'] as const).every(
        n => !m.state(n).loading
      )
    );
    expect(m.now.data?.cpu.used).toBe(1.5);
    expect(m.history.data?.range).toBe('hour');
    expect(m.kernels.data?.kernels).toHaveLength(3);
    expect(m.gpus.data?.source).toBe('none');
    expect(m.cost.data?.prices.currency).toBe('CZK');
    expect(m.idle.data?.verdict).toBe('idle');
    for (const name of ['now', 'history', 'kernels', 'gpus', 'cost', 'idle'] as const) {
      expect(m.state(name).error).toBeUndefined();
      expect(m.state(name).updatedAt).toEqual(expect.any(Number));
    }
    expect(paths(seen)).toEqual(
      expect.arrayContaining([
        'api/v1/usage/now',
        'api/v1/usage/history?range=hour',
        'api/v1/usage/kernels',
        'api/v1/usage/gpus',
        'api/v1/usage/cost',
        'api/v1/usage/idle'
      ])
    );
  });

  it("keeps each endpoint's error, in the backend's words, apart from the others", async () => {
    const routes: Record<string, IAnswer> = {
      ...allRoutes(),
      'api/v1/usage/cost': fail(500, 'The price table has no entry for mig-7g.80gb'),
      'api/v1/usage/gpus': { status: 502, body: '<html>bad gateway</html>' }
    };
    model = new UsagePanelModel({ serverSettings: settingsRouting(routes), visible: true });
    const m = model;
    await until(m.changed, () => !m.cost.loading && !m.gpus.loading && !m.now.loading);
    expect(m.cost.error).toBe('The price table has no entry for mig-7g.80gb');
    expect(m.cost.data).toBeUndefined();
    expect(m.gpus.error).toMatch(/did not start or did not answer \(HTTP 502\)/);
    expect(m.now.error).toBeUndefined();
    expect(m.now.data).toBeDefined();
  });

  it('a route the backend does not have yet says so', async () => {
    const routes = allRoutes();
    delete (routes as Record<string, IAnswer | undefined>)['api/v1/usage/idle'];
    model = new UsagePanelModel({ serverSettings: settingsRouting(routes), visible: true });
    const m = model;
    await until(m.changed, () => !m.idle.loading);
    expect(m.idle.error).toBe('No route GET /api/v1/usage/idle');
  });

  it('keeps the last figures after a failed refresh, with the error', async () => {
    let answer: IAnswer = ok(kernels);
    const routes = { ...allRoutes(), 'api/v1/usage/kernels': () => answer };
    model = new UsagePanelModel({ serverSettings: settingsRouting(routes), visible: true });
    const m = model;
    await until(m.changed, () => m.kernels.data !== undefined);
    answer = fail(503, 'No usage reading yet');
    await new Promise(r => setTimeout(r, 0));
    m.refresh('kernels');
    await until(m.changed, () => m.kernels.error !== undefined);
    expect(m.kernels.data?.kernels).toHaveLength(3);
    expect(m.kernels.error).toBe('No usage reading yet');
    answer = ok(kernels);
    // Let the poll record the failure first: a refresh during the failing tick is dropped.
    await new Promise(r => setTimeout(r, 0));
    m.refresh('kernels');
    await until(m.changed, () => m.kernels.error === undefined);
  });

  it('asks for the chosen range, showing loading rather than the old range', async () => {
    const seen: Request[] = [];
    model = new UsagePanelModel({
      serverSettings: settingsRouting(allRoutes(), seen),
      visible: true
    });
    const m = model;
    await until(m.changed, () => m.history.data?.range === 'hour');
    m.range = 'day';
    expect(m.range).toBe('day');
    expect(m.history.loading).toBe(true);
    expect(m.history.data).toBeUndefined();
    await until(m.changed, () => m.history.data?.range === 'day');
    expect(m.history.data?.points).toHaveLength(288);
    expect(paths(seen)).toContain('api/v1/usage/history?range=day');
  });

  it('polls only the idle status while the panel is hidden', async () => {
    const seen: Request[] = [];
    model = new UsagePanelModel({ serverSettings: settingsRouting(allRoutes(), seen) });
    const m = model;
    await until(m.changed, () => !m.idle.loading);
    await new Promise(r => setTimeout(r, 50));
    expect(paths(seen)).toEqual(['api/v1/usage/idle']);
    expect(m.now.loading).toBe(true);

    m.visible = true;
    await until(m.changed, () => !m.now.loading && !m.cost.loading);
    expect(paths(seen)).toContain('api/v1/usage/cost');
  });

  it('does not poll a card switched off in the settings, and does once it is on again', async () => {
    const seen: Request[] = [];
    const cards = { ...DEFAULT_PANEL_SETTINGS.cards, cost: false };
    model = new UsagePanelModel({
      serverSettings: settingsRouting(allRoutes(), seen),
      settings: { cards },
      visible: true
    });
    const m = model;
    await until(m.changed, () => !m.now.loading && !m.history.loading && !m.kernels.loading);
    await new Promise(r => setTimeout(r, 50));
    expect(paths(seen)).not.toContain('api/v1/usage/cost');
    expect(m.isCardShown('cost')).toBe(false);

    let changes = 0;
    m.changed.connect(() => changes++);
    m.settings = { ...m.settings, cards: { ...cards, cost: true } };
    expect(changes).toBeGreaterThan(0);
    await until(m.changed, () => !m.cost.loading);
    expect(paths(seen)).toContain('api/v1/usage/cost');
  });

  it('colours by the configured thresholds, inclusive', () => {
    model = new UsagePanelModel({ serverSettings: settingsRouting(allRoutes()) });
    expect(model.level(0.69)).toBe('ok');
    expect(model.level(0.7)).toBe('warn');
    expect(model.level(0.9)).toBe('danger');
    expect(model.level(null)).toBe('ok');
    model.settings = { ...model.settings, warnThreshold: 0.5, dangerThreshold: 0.8 };
    expect(model.level(0.5)).toBe('warn');
    expect(model.level(0.85)).toBe('danger');
  });

  it('maps kernels to their notebooks and sorts them by memory', async () => {
    const runningChanged = new Signal<object, unknown>({});
    const sessions = {
      running: () =>
        [
          { path: 'work/analysis.ipynb', kernel: { id: 'bbbb-2' } },
          { path: 'scratch.ipynb', kernel: { id: 'aaaa-1' } },
          { path: 'no-kernel.ipynb', kernel: null }
        ][Symbol.iterator](),
      runningChanged
    };
    model = new UsagePanelModel({
      serverSettings: settingsRouting(allRoutes()),
      sessions,
      visible: true
    });
    const m = model;
    await until(m.changed, () => m.kernels.data !== undefined);
    expect(m.kernelRows.map(r => [r.kernelId, r.path])).toEqual([
      ['bbbb-2', 'work/analysis.ipynb'],
      ['cccc-3', undefined],
      ['aaaa-1', 'scratch.ipynb']
    ]);
    let changes = 0;
    m.changed.connect(() => changes++);
    runningChanged.emit([]);
    expect(changes).toBe(1);
  });

  it('knows whether there are GPUs: the inventory or the snapshot', async () => {
    const routes = allRoutes();
    model = new UsagePanelModel({ serverSettings: settingsRouting(routes), visible: true });
    expect(model.hasGpus).toBeUndefined();
    const m = model;
    await until(m.changed, () => !m.gpus.loading && !m.now.loading);
    expect(m.hasGpus).toBe(false);
    m.dispose();

    model = new UsagePanelModel({
      serverSettings: settingsRouting({
        ...routes,
        'api/v1/usage/now': ok(snapshotWithGpus([A40]))
      }),
      visible: true
    });
    const g = model;
    await until(g.changed, () => !g.gpus.loading && !g.now.loading);
    expect(g.hasGpus).toBe(true);
  });

  it('tells the idle listeners each idle status', async () => {
    model = new UsagePanelModel({ serverSettings: settingsRouting(allRoutes()) });
    const statuses: string[] = [];
    model.idleChanged.connect((_, s) => statuses.push(s.verdict));
    await model.answered('idle');
    expect(statuses).toEqual(['idle']);
  });

  it('stops polling when disposed', async () => {
    const seen: Request[] = [];
    model = new UsagePanelModel({ serverSettings: settingsRouting(allRoutes(), seen) });
    await model.answered('idle');
    model.dispose();
    const count = seen.length;
    model.refresh();
    await new Promise(r => setTimeout(r, 50));
    expect(seen.length).toBe(count);
    expect(model.isDisposed).toBe(true);
  });
});
