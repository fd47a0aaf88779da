/**
 * The flare sidebar as JupyterLab starts it: an empty panel with its icon. The panel's views
 * (a chunk of their own) are loaded when it is first shown, so nothing but the status item's
 * code runs at start.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Message } from '@lumino/messaging';
import { Panel } from '@lumino/widgets';
import type { FlareModel } from './model';

const loadPanel = () =>
  import(/* webpackChunkName: "hotstepper-flare-panel" */ './components/FlarePanel');

export class FlareSidebar extends Panel {
  constructor(
    private readonly model: FlareModel,
    private readonly trans: TranslationBundle
  ) {
    super();
    this.id = 'hs-flare-panel';
    this.addClass('hs-FlareSidebar');
    this.title.caption = trans.__('Flare: expose a web app');
  }

  /** Loads and adds the panel's view once; resolves when it is there. */
  load(): Promise<void> {
    this._loading ??= loadPanel().then(({ FlarePanel }) => {
      if (!this.isDisposed) {
        this.addWidget(new FlarePanel(this.model, this.trans));
      }
    });
    return this._loading;
  }

  protected onBeforeShow(msg: Message): void {
    super.onBeforeShow(msg);
    void this.load();
  }

  private _loading?: Promise<void>;
}
