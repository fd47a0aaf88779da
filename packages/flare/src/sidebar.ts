/**
 * The flare sidebar as JupyterLab starts it: core's lazy panel with its icon. The panel's views
 * (a chunk of their own) are loaded when it is first shown, so nothing but the status item's
 * code runs at start.
 */
import { LazyPanel } from '@hotstepper/core';
import type { TranslationBundle } from '@jupyterlab/translation';
import { flareIcon } from './icons';
import type { FlareModel } from './model';

export function flareSidebar(model: FlareModel, trans: TranslationBundle): LazyPanel {
  const panel = new LazyPanel({
    load: async () => {
      const { FlarePanel } = await import(
        /* webpackChunkName: "hotstepper-flare-panel" */ './components/FlarePanel'
      );
      return new FlarePanel(model, trans);
    },
    loadingText: trans.__('Loading…'),
    errorText: message => trans.__('The Flare panel could not be loaded: %1', message)
  });
  panel.id = 'hs-flare-panel';
  panel.addClass('hs-FlareSidebar');
  panel.title.icon = flareIcon;
  panel.title.caption = trans.__('Flare: expose a web app');
  return panel;
}
