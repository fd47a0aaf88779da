import type { ISettingRegistry } from '@jupyterlab/settingregistry';

/**
 * A plugin's settings, without holding up activation: `apply` gets `defaults`
 * at once, then the user's settings once loaded (each key of `defaults` read
 * from the composite settings), and again after each change. A registry that
 * fails to load is logged and the defaults stay.
 */
export function loadSettings<T extends object>(
  registry: ISettingRegistry | null,
  pluginId: string,
  defaults: T,
  apply: (settings: T) => void
): void {
  apply(defaults);
  if (!registry) {
    return;
  }
  registry
    .load(pluginId)
    .then(settings => {
      const read = (): T => {
        const values = { ...defaults };
        for (const key of Object.keys(defaults) as Array<keyof T & string>) {
          const value = settings.get(key).composite;
          if (value !== undefined && value !== null) {
            values[key] = value as T[typeof key];
          }
        }
        return values;
      };
      apply(read());
      settings.changed.connect(() => apply(read()));
    })
    .catch(reason => console.error(`${pluginId}: settings could not be loaded`, reason));
}
