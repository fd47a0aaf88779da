import { UsageModel } from '../src/model';
import { settingsAnswering, snapshot } from './helpers';

describe('UsageModel', () => {
  let model: UsageModel | undefined;
  afterEach(() => model?.dispose());

  it('holds the latest snapshot and its fractions of the limits', async () => {
    model = new UsageModel(settingsAnswering([{ status: 200, body: snapshot(1.5, 1024 ** 3) }]));
    await model.ready;
    expect(model.snapshot?.cpu.used).toBe(1.5);
    expect(model.cpuFraction).toBeCloseTo(0.75);
    expect(model.memoryFraction).toBeCloseTo(0.25);
    expect(model.error).toBeUndefined();
  });

  it('keeps the reason when the backend cannot answer', async () => {
    model = new UsageModel(
      settingsAnswering([
        { status: 503, body: { statusCode: 503, error: 'x', message: 'No usage reading yet' } }
      ])
    );
    await model.ready;
    expect(model.snapshot).toBeUndefined();
    expect(model.error).toBe('No usage reading yet');
  });

  it('colours by the configured thresholds, inclusive', () => {
    model = new UsageModel(settingsAnswering([{ status: 200, body: snapshot(0, 0) }]));
    expect(model.level(0.69)).toBe('ok');
    expect(model.level(0.7)).toBe('warn');
    expect(model.level(0.9)).toBe('danger');
    model.settings = { refreshRate: 5000, warnThreshold: 0.5, dangerThreshold: 0.8 };
    expect(model.level(0.5)).toBe('warn');
    expect(model.level(0.85)).toBe('danger');
  });

  it('announces settings changes so the view re-renders', () => {
    model = new UsageModel(settingsAnswering([{ status: 200, body: snapshot(0, 0) }]));
    let changes = 0;
    model.changed.connect(() => changes++);
    model.settings = { refreshRate: 1000, warnThreshold: 0.7, dangerThreshold: 0.9 };
    expect(changes).toBe(1);
  });

  it('asks the backend for a fresh reading with a POST', async () => {
    const seen: Request[] = [];
    model = new UsageModel(settingsAnswering([{ status: 200, body: snapshot(0.2, 1) }], seen));
    await model.ready;
    await model.refresh();
    const post = seen.find(r => r.method === 'POST');
    expect(post && new URL(post.url).pathname).toBe('/hotstepper/api/v1/usage/sample');
  });
});
