import { RunningExposures } from '../src/running';
import { FlareModel } from '../src/model';
import { exposure, exposures, info, ports } from './fixtures';
import { settingsRouting, until } from './helpers';
import { ok, trans } from './render';

describe('RunningExposures', () => {
  it('lists the live exposures by name and URL, and shuts one down by unexposing it', async () => {
    const seen: Request[] = [];
    let live = [exposure({ name: 'dash', port: 8050 }), exposure({ name: 'lab', port: 8060 })];
    const model = new FlareModel({
      serverSettings: settingsRouting(
        {
          'api/v1/flare/info': ok(info()),
          'api/v1/flare/ports': ok(ports()),
          'api/v1/flare/exposures': () => ok(exposures(live)),
          'DELETE api/v1/flare/exposures/dash': () => {
            live = live.filter(e => e.name !== 'dash');
            return { status: 204, body: null };
          }
        },
        seen
      )
    });
    let opened = 0;
    const running = new RunningExposures(model, trans, () => opened++);
    let changes = 0;
    running.runningChanged.connect(() => changes++);
    await until(model.changed, () => !!model.exposures.value);
    expect(running.name).toBe('Exposed apps');
    const items = running.running();
    expect(items.map(i => [i.label(), i.detail?.()])).toEqual([
      ['dash', 'http://dash.flare.localhost:8787/'],
      ['lab', 'http://lab.flare.localhost:8787/']
    ]);
    expect(changes).toBeGreaterThan(0);
    items[0].open?.();
    expect(opened).toBe(1);

    items[0].shutdown?.();
    await until(model.changed, () => running.running().length === 1);
    expect(seen.some(r => r.method === 'DELETE')).toBe(true);
    expect(running.running().map(i => i.label())).toEqual(['lab']);
    model.dispose();
  });
});
