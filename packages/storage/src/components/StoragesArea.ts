import type { IFileBrowserFactory, FileBrowser } from '@jupyterlab/filebrowser';
import { Uploader } from '@jupyterlab/filebrowser';
import type { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { ToolbarButton, newFolderIcon, refreshIcon, terminalIcon } from '@jupyterlab/ui-components';
import { BoxPanel, SplitPanel, Widget } from '@lumino/widgets';
import type { StorageModel } from '../model';
import { StorageCards } from './StorageCards';

export interface IStoragesAreaOptions {
  model: StorageModel;
  trans: TranslationBundle;
  translator: ITranslator;
  factory: IFileBrowserFactory | null;
  onOpen: (name: string) => void;
  onCopyPath: (name: string) => void;
  /** Opens a terminal in a drive path. */
  onOpenTerminal: (path: string) => void;
}

/**
 * The panel's content, loaded on first show: the cards above, the chosen storage's file
 * browser below (one per storage, made on first use and kept, so its folder is remembered).
 */
export class StoragesArea extends SplitPanel {
  constructor(private readonly options: IStoragesAreaOptions) {
    super({ orientation: 'vertical', spacing: 4 });
    this.addClass('hs-StoragesArea');
    this.cards = new StorageCards(options);
    this.addWidget(this.cards);
    this.holder = new BoxPanel();
    this.holder.addClass('hs-StoragesArea-browser');
    this.addWidget(this.holder);
    this.setRelativeSizes([1, 0]);
    options.model.selectedChanged.connect(this._show, this);
    options.model.settingsChanged.connect(() => {
      for (const browser of this.browsers.values()) {
        void browser.model.refresh();
      }
    });
    this._show();
  }

  readonly cards: StorageCards;

  /** The browser of a storage, once it has been opened. */
  browser(name: string): FileBrowser | undefined {
    return this.browsers.get(name);
  }

  private _show(): void {
    const name = this.options.model.selected;
    for (const [key, browser] of this.browsers) {
      browser.setHidden(key !== name);
    }
    if (!name || !this.options.factory) {
      this.setRelativeSizes([1, 0]);
      return;
    }
    let browser = this.browsers.get(name);
    if (!browser) {
      browser = this._create(name);
      this.browsers.set(name, browser);
      this.holder.addWidget(browser);
    }
    browser.show();
    this.setRelativeSizes([2, 3]);
  }

  private _create(name: string): FileBrowser {
    const { trans, translator } = this.options;
    const browser = this.options.factory!.createFileBrowser(`hs-storage-browser-${name}`, {
      driveName: name,
      auto: false,
      restore: false
    });
    browser.addClass('hs-StorageBrowser');
    browser.node.dataset.storage = name;
    const storage = this.options.model.storage(name);
    browser.title.label = storage?.label ?? name;
    browser.toolbar.addItem('label', this._label(storage?.label ?? name));
    browser.toolbar.addItem(
      'new-folder',
      new ToolbarButton({
        icon: newFolderIcon,
        tooltip: trans.__('New Folder'),
        onClick: () => void browser.createNewDirectory()
      })
    );
    browser.toolbar.addItem('upload', new Uploader({ model: browser.model, translator }));
    browser.toolbar.addItem(
      'terminal',
      new ToolbarButton({
        icon: terminalIcon,
        tooltip: trans.__('Open a terminal in this folder'),
        onClick: () => this.options.onOpenTerminal(browser.model.path)
      })
    );
    browser.toolbar.addItem(
      'refresh',
      new ToolbarButton({
        icon: refreshIcon,
        tooltip: trans.__('Refresh the file list'),
        onClick: () => void browser.model.refresh()
      })
    );
    void browser.model.cd('.');
    return browser;
  }

  private _label(text: string): Widget {
    const label = new Widget();
    label.addClass('hs-StorageBrowser-label');
    label.node.textContent = text;
    return label;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.options.model.selectedChanged.disconnect(this._show, this);
    super.dispose();
  }

  private readonly holder: BoxPanel;
  private readonly browsers = new Map<string, FileBrowser>();
}
