import { settingsRouting, until } from '@hotstepper/core/lib/testing';
import type { Storage } from '@hotstepper/api';
import { StorageModel } from '../src/model';
import { home, storage, storageList } from './fixtures';

describe('StorageModel', () => {
  let model: StorageModel | undefined;
  afterEach(() => model?.dispose());

  it('makes one drive per storage besides Home, at start-up, shown or not', async () => {
    let list = storageList([home(), storage()]);
    model = new StorageModel({
      serverSettings: settingsRouting({ 'api/v1/storage': () => ({ status: 200, body: list }) })
    });
    const added: string[] = [];
    model.driveAdded.connect((_, d) => added.push(d.name));
    await model.load();
    expect(added).toEqual(['scratch']);
    list = storageList([home(), storage(), storage({ name: 'meta', kind: 'metacentrum' })]);
    model.visible = true;
    await until(model.changed, () => model!.list.value?.storages.length === 3);
    expect(added).toEqual(['scratch', 'meta']);
    expect(model.drive('meta')?.name).toBe('meta');
  });

  it('colours by the thresholds and warns once when a writable storage passes the alarm level', async () => {
    let fraction = 0.95;
    model = new StorageModel({
      visible: true,
      serverSettings: settingsRouting({
        'api/v1/storage': () => ({
          status: 200,
          body: storageList([
            storage({ usedFraction: fraction }),
            storage({ name: 'ro', mode: 'ro', reason: 'read-only: x', usedFraction: 0.99 })
          ])
        })
      })
    });
    const warned: Storage[] = [];
    model.full.connect((_, s) => warned.push(s));
    await until(model.changed, () => !!model!.list.value);
    expect(warned.map(s => s.name)).toEqual(['scratch']);
    const [scratch] = model.list.value!.storages;
    expect(model.level(scratch)).toEqual({ fraction: 0.95, level: 'danger' });
    expect(model.level(storage({ usedFraction: 0.85 })).level).toBe('warn');
    expect(model.level(storage({ usedFraction: 0.5 })).level).toBe('ok');
    await model.load();
    expect(warned).toHaveLength(1);
    // Below the line and back over it: warned again.
    fraction = 0.5;
    await model.load();
    expect(warned).toHaveLength(1);
    fraction = 0.97;
    await model.load();
    expect(warned.map(s => s.name)).toEqual(['scratch', 'scratch']);
  });
});

describe('StorageModel at start-up', () => {
  it('asks again while the backend is still starting', async () => {
    let calls = 0;
    const model = new StorageModel({
      serverSettings: settingsRouting({
        'api/v1/storage': () =>
          ++calls < 2
            ? { status: 503, body: { statusCode: 503, error: 'x', message: 'starting' } }
            : { status: 200, body: storageList([home(), storage()]) }
      })
    });
    const added: string[] = [];
    model.driveAdded.connect((_, d) => added.push(d.name));
    await model.load(3);
    expect(calls).toBe(2);
    expect(added).toEqual(['scratch']);
    model.dispose();
  });
});
