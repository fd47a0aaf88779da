import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import { Signal } from '@lumino/signaling';
import { loadSettings } from '../src/settings';

interface ISettings {
  refreshRate: number;
  label: string;
}
const DEFAULTS: ISettings = { refreshRate: 5000, label: 'x' };

/** A registry whose plugin has the given composite values, changeable later. */
function registry(values: Record<string, unknown>, fail = false) {
  const changed = new Signal<object, void>({});
  const settings = {
    get: (key: string) => ({ composite: values[key] }),
    changed
  };
  const load = jest.fn(async (id: string) => {
    if (fail) {
      throw new Error(`no schema for ${id}`);
    }
    return settings;
  });
  return {
    registry: { load } as unknown as ISettingRegistry,
    change: (next: Record<string, unknown>) => {
      Object.assign(values, next);
      changed.emit();
    },
    load
  };
}

const tick = () => new Promise(resolve => setTimeout(resolve, 0));

describe('loadSettings', () => {
  it('applies the defaults at once, then the loaded values, then each change', async () => {
    const r = registry({ refreshRate: 1000 });
    const applied: ISettings[] = [];
    loadSettings(r.registry, '@hotstepper/test:plugin', DEFAULTS, s => applied.push(s));
    expect(applied).toEqual([DEFAULTS]);
    expect(r.load).toHaveBeenCalledWith('@hotstepper/test:plugin');
    await tick();
    expect(applied[1]).toEqual({ refreshRate: 1000, label: 'x' });
    r.change({ label: 'y', refreshRate: null });
    expect(applied[2]).toEqual({ refreshRate: 5000, label: 'y' });
  });

  it('keeps the defaults and logs when the settings cannot be loaded', async () => {
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const applied: ISettings[] = [];
    loadSettings(registry({}, true).registry, '@hotstepper/test:plugin', DEFAULTS, s =>
      applied.push(s)
    );
    await tick();
    expect(applied).toEqual([DEFAULTS]);
    expect(error).toHaveBeenCalledWith(
      '@hotstepper/test:plugin: settings could not be loaded',
      expect.any(Error)
    );
    error.mockRestore();
  });

  it('works without a registry: the defaults only', () => {
    const applied: ISettings[] = [];
    loadSettings(null, '@hotstepper/test:plugin', DEFAULTS, s => applied.push(s));
    expect(applied).toEqual([DEFAULTS]);
  });
});
