import { FakePageEvents } from '@hotstepper/core/lib/testing';
import { Signal } from '@lumino/signaling';
import { ServerConnection } from '@jupyterlab/services';
import { CACHE_KEY, DEFAULT_PANEL_SETTINGS, DEFAULT_SETTINGS, UsageModel } from '../src/model';
import { A40, cost, history, idle, inventory, kernels, snapshotWithGpus } from './fixtures';
import { type IAnswer, settingsAnswering, settingsRouting, snapshot, until } from './helpers';

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

describe('UsageModel', () => {
  let model: UsageModel | undefined;
  afterEach(() => model?.dispose());

  it('loads every endpoint while the panel is visible', async () => {
    const seen: Request[] = [];
    model = new UsageModel({
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
    expect(m.now.value?.cpu.used).toBe(1.5);
    expect(m.history.value?.range).toBe('hour');
    expect(m.kernels.value?.kernels).toHaveLength(3);
    expect(m.gpus.value?.source).toBe('none');
    expect(m.cost.value?.prices.currency).toBe('CZK');
    expect(m.idle.value?.verdict).toBe('idle');
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
    model = new UsageModel({ serverSettings: settingsRouting(routes), visible: true });
    const m = model;
    await until(m.changed, () => !m.cost.loading && !m.gpus.loading && !m.now.loading);
    expect(m.cost.error).toBe('The price table has no entry for mig-7g.80gb');
    expect(m.cost.value).toBeUndefined();
    expect(m.gpus.error).toMatch(/did not start or did not answer \(HTTP 502\)/);
    expect(m.now.error).toBeUndefined();
    expect(m.now.value).toBeDefined();
  });

  it('a route the backend does not have yet says so', async () => {
    const routes = allRoutes();
    delete (routes as Record<string, IAnswer | undefined>)['api/v1/usage/idle'];
    model = new UsageModel({ serverSettings: settingsRouting(routes), visible: true });
    const m = model;
    await until(m.changed, () => !m.idle.loading);
    expect(m.idle.error).toBe('No route GET /api/v1/usage/idle');
  });

  it('keeps the last figures after a failed refresh, with the error', async () => {
    let answer: IAnswer = ok(kernels);
    const routes = { ...allRoutes(), 'api/v1/usage/kernels': () => answer };
    model = new UsageModel({ serverSettings: settingsRouting(routes), visible: true });
    const m = model;
    await until(m.changed, () => m.kernels.value !== undefined);
    answer = fail(503, 'No usage reading yet');
    await new Promise(r => setTimeout(r, 0));
    m.refresh('kernels');
    await until(m.changed, () => m.kernels.error !== undefined);
    expect(m.kernels.value?.kernels).toHaveLength(3);
    expect(m.kernels.error).toBe('No usage reading yet');
    answer = ok(kernels);
    // Let the poll record the failure first: a refresh during the failing tick is dropped.
    await new Promise(r => setTimeout(r, 0));
    m.refresh('kernels');
    await until(m.changed, () => m.kernels.error === undefined);
  });

  it('asks for the chosen range, showing loading rather than the old range', async () => {
    const seen: Request[] = [];
    model = new UsageModel({
      serverSettings: settingsRouting(allRoutes(), seen),
      visible: true
    });
    const m = model;
    await until(m.changed, () => m.history.value?.range === 'hour');
    m.range = 'day';
    expect(m.range).toBe('day');
    expect(m.history.loading).toBe(true);
    expect(m.history.value).toBeUndefined();
    await until(m.changed, () => m.history.value?.range === 'day');
    expect(m.history.value?.points).toHaveLength(288);
    expect(paths(seen)).toContain('api/v1/usage/history?range=day');
  });

  it('polls only the idle status while the panel is hidden', async () => {
    const seen: Request[] = [];
    model = new UsageModel({ serverSettings: settingsRouting(allRoutes(), seen) });
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
    model = new UsageModel({
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
    model = new UsageModel({ serverSettings: settingsRouting(allRoutes()) });
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
    model = new UsageModel({
      serverSettings: settingsRouting(allRoutes()),
      sessions,
      visible: true
    });
    const m = model;
    await until(m.changed, () => m.kernels.value !== undefined);
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
    model = new UsageModel({ serverSettings: settingsRouting(routes), visible: true });
    expect(model.hasGpus).toBeUndefined();
    const m = model;
    await until(m.changed, () => !m.gpus.loading && !m.now.loading);
    expect(m.hasGpus).toBe(false);
    m.dispose();

    model = new UsageModel({
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
    model = new UsageModel({ serverSettings: settingsRouting(allRoutes()) });
    const statuses: string[] = [];
    model.idleChanged.connect((_, s) => statuses.push(s.verdict));
    await model.answered('idle');
    expect(statuses).toEqual(['idle']);
  });

  it('stops polling when disposed', async () => {
    const seen: Request[] = [];
    model = new UsageModel({ serverSettings: settingsRouting(allRoutes(), seen) });
    await model.answered('idle');
    model.dispose();
    const count = seen.length;
    model.refresh();
    await new Promise(r => setTimeout(r, 50));
    expect(seen.length).toBe(count);
    expect(model.isDisposed).toBe(true);
  });
});

describe('UsageModel, as the status item reads it', () => {
  let model: UsageModel | undefined;
  afterEach(() => model?.dispose());

  /** A model with a status item (its default settings) and the panel closed. */
  function statusModel(serverSettings: ReturnType<typeof settingsAnswering>): UsageModel {
    return new UsageModel({ serverSettings, statusSettings: DEFAULT_SETTINGS });
  }

  it('holds the latest snapshot and its fractions of the limits', async () => {
    model = statusModel(settingsAnswering([{ status: 200, body: snapshot(1.5, 1024 ** 3) }]));
    await model.answered('now');
    expect(model.now.value?.cpu.used).toBe(1.5);
    expect(model.cpuFraction).toBeCloseTo(0.75);
    expect(model.memoryFraction).toBeCloseTo(0.25);
    expect(model.now.error).toBeUndefined();
  });

  it('keeps the reason when the backend cannot answer', async () => {
    model = statusModel(
      settingsAnswering([
        { status: 503, body: { statusCode: 503, error: 'x', message: 'No usage reading yet' } }
      ])
    );
    await model.answered('now');
    expect(model.now.value).toBeUndefined();
    expect(model.now.error).toBe('No usage reading yet');
  });

  it('colours by the configured thresholds, inclusive', () => {
    model = statusModel(settingsAnswering([{ status: 200, body: snapshot(0, 0) }]));
    expect(model.level(0.69)).toBe('ok');
    expect(model.level(0.7)).toBe('warn');
    expect(model.level(0.9)).toBe('danger');
    model.statusSettings = { refreshRate: 5000, warnThreshold: 0.5, dangerThreshold: 0.8 };
    expect(model.level(0.5)).toBe('warn');
    expect(model.level(0.85)).toBe('danger');
  });

  it("the status item's thresholds, where set, colour the panel too: one level for both", () => {
    model = statusModel(settingsAnswering([{ status: 200, body: snapshot(0, 0) }]));
    model.settings = { ...model.settings, warnThreshold: 0.2, dangerThreshold: 0.4 };
    expect(model.level(0.3)).toBe('warn');
    model.statusSettings = { ...DEFAULT_SETTINGS, dangerThreshold: 0.25 };
    expect(model.thresholds).toEqual({ warnThreshold: 0.2, dangerThreshold: 0.25 });
    expect(model.level(0.3)).toBe('danger');
  });

  it('announces settings changes so the view re-renders', () => {
    model = statusModel(settingsAnswering([{ status: 200, body: snapshot(0, 0) }]));
    let changes = 0;
    model.changed.connect(() => changes++);
    model.statusSettings = { refreshRate: 1000, warnThreshold: 0.7, dangerThreshold: 0.9 };
    expect(changes).toBe(1);
  });

  it('asks the backend for a fresh reading with a POST, and shows it', async () => {
    const seen: Request[] = [];
    model = statusModel(settingsAnswering([{ status: 200, body: snapshot(0.2, 1) }], seen));
    await model.answered('now');
    await model.sample();
    const post = seen.find(r => r.method === 'POST');
    expect(post && new URL(post.url).pathname).toBe('/hotstepper/api/v1/usage/sample');
    expect(model.now.value?.cpu.used).toBe(0.2);
  });

  it('polls the figures once for the status item and the panel', async () => {
    const seen: Request[] = [];
    const routes = {
      'api/v1/usage/now': { status: 200, body: snapshot(1, 1) },
      'api/v1/usage/idle': { status: 200, body: {} }
    };
    model = new UsageModel({
      serverSettings: settingsRouting(routes, seen),
      statusSettings: { ...DEFAULT_SETTINGS, refreshRate: 60_000 },
      settings: { refreshRate: 60_000, idleNotifications: false },
      visible: false
    });
    await model.answered('now');
    model.visible = true;
    await new Promise(r => setTimeout(r, 50));
    const nows = seen.filter(r => new URL(r.url).pathname.endsWith('/usage/now'));
    // The panel shown: at most one more ask for the figures, not a second poll of its own.
    expect(nows.length).toBeLessThanOrEqual(2);
  });
});

describe("UsageModel on the page's event stream", () => {
  let model: UsageModel | undefined;
  afterEach(() => model?.dispose());

  const nowPolls = (seen: Request[]) => paths(seen).filter(p => p === 'api/v1/usage/now').length;

  it('takes the current figures from the stream and polls them only while it is down', async () => {
    const seen: Request[] = [];
    const events = new FakePageEvents();
    events.setLive(true);
    model = new UsageModel({
      serverSettings: settingsRouting(allRoutes(), seen),
      statusSettings: { ...DEFAULT_SETTINGS, refreshRate: 20 },
      events
    });
    const m = model;
    expect(events.count('usage')).toBe(1);
    events.emit('usage', snapshot(3.25, 1));
    expect(m.now.value?.cpu.used).toBe(3.25);
    expect(m.now.loading).toBe(false);
    await new Promise(r => setTimeout(r, 120));
    // Six ticks of the status item's rate, and not one poll.
    expect(nowPolls(seen)).toBe(0);

    // The stream drops: the poll takes over at once and keeps going.
    events.setLive(false);
    await until(m.changed, () => m.now.value?.cpu.used === 1.5);
    await new Promise(r => setTimeout(r, 100));
    expect(nowPolls(seen)).toBeGreaterThanOrEqual(2);

    // Back: the poll stands by again, the stream brings the figures.
    events.setLive(true);
    await new Promise(r => setTimeout(r, 30));
    const polled = nowPolls(seen);
    events.emit('usage', snapshot(0.5, 1));
    await new Promise(r => setTimeout(r, 100));
    expect(m.now.value?.cpu.used).toBe(0.5);
    expect(nowPolls(seen)).toBe(polled);
  });

  it('follows the stream only while the figures are shown', () => {
    const events = new FakePageEvents();
    model = new UsageModel({ serverSettings: settingsRouting(allRoutes()), events });
    expect(events.count('usage')).toBe(0);
    model.visible = true;
    expect(events.count('usage')).toBe(1);
    model.visible = false;
    expect(events.count('usage')).toBe(0);
    model.statusSettings = DEFAULT_SETTINGS;
    expect(events.count('usage')).toBe(1);
    model.dispose();
    expect(events.count('usage')).toBe(0);
  });
});

describe('the last figures across a reload', () => {
  function memoryStorage(): Pick<Storage, 'getItem' | 'setItem'> & { data: Map<string, string> } {
    const data = new Map<string, string>();
    return {
      data,
      getItem: key => data.get(key) ?? null,
      setItem: (key, value) => void data.set(key, value)
    };
  }

  it('are shown at once, marked as from before, then replaced by the first answer', async () => {
    {
      const cache = memoryStorage();
      const first = new UsageModel({
        serverSettings: settingsAnswering([{ status: 200, body: snapshot(0.5, 1024 ** 3) }]),
        statusSettings: DEFAULT_SETTINGS,
        cache
      });
      await first.answered('now');
      first.dispose();
      expect(JSON.parse(cache.data.get(`${CACHE_KEY}:now`)!).value.cpu.used).toBe(0.5);

      // The next page: the figures are there before any answer, loading and stale.
      const seen: Request[] = [];
      const second = new UsageModel({
        serverSettings: settingsAnswering([{ status: 200, body: snapshot(1, 1024 ** 3) }], seen),
        statusSettings: DEFAULT_SETTINGS,
        cache
      });
      expect(second.now).toMatchObject({ loading: true, stale: true });
      expect(second.now.value?.cpu.used).toBe(0.5);
      await second.answered('now');
      expect(second.now).toMatchObject({ loading: false, stale: false });
      expect(second.now.value?.cpu.used).toBe(1);
      second.dispose();

      // Another server's figures are not shown.
      const other = new UsageModel({
        serverSettings: ServerConnection.makeSettings({ baseUrl: 'http://elsewhere/' }),
        cache
      });
      expect(other.now.value).toBeUndefined();
      other.dispose();
    }
  });
});
