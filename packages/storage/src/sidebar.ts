import type { Message } from '@lumino/messaging';
import { BoxPanel, Widget } from '@lumino/widgets';
import type { IStoragesAreaOptions, StoragesArea } from './components/StoragesArea';

/** What the panel's content needs, given at start and handed over when it loads. */
export type IStorageSidebarOptions = IStoragesAreaOptions;

/**
 * The Storages panel in the left sidebar. Its content (the cards, the file browsers) is a
 * separate chunk loaded the first time the panel is shown: a page that never opens it never
 * loads it.
 */
export class StorageSidebar extends BoxPanel {
  constructor(private readonly options: IStorageSidebarOptions) {
    super();
    this.id = 'hs-storage-panel';
    this.addClass('hs-StorageSidebar');
    this.title.caption = options.trans.__('Storages');
    const placeholder = new Widget();
    placeholder.addClass('hs-Panel-loading');
    placeholder.node.textContent = options.trans.__('Loading…');
    this.addWidget(placeholder);
    this._placeholder = placeholder;
  }

  /** Resolves with the content once loaded (loading it if needed). */
  async content(): Promise<StoragesArea> {
    if (!this._loading) {
      this._loading = import('./components/StoragesArea').then(({ StoragesArea }) => {
        const area = new StoragesArea(this.options);
        this._placeholder.dispose();
        this.addWidget(area);
        return area;
      });
    }
    return this._loading;
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this.content();
  }

  private _loading?: Promise<StoragesArea>;
  private readonly _placeholder: Widget;
}
