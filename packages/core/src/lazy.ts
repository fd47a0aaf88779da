import type { Message } from '@lumino/messaging';
import { Panel, type Widget } from '@lumino/widgets';

export namespace LazyPanel {
  export interface IOptions {
    /**
     * Makes the real panel, typically through a dynamic `import()` so its code (and what it
     * draws with) is a chunk of its own, fetched on first show rather than at JupyterLab's start.
     */
    load: () => Promise<Widget>;
    /** Shown until the panel has loaded, and if it fails to. */
    loadingText?: string;
    /** What to say when the chunk cannot be fetched: receives the error's message. */
    errorText?: (message: string) => string;
  }
}

/**
 * A sidebar placeholder that holds a panel's id, title and icon from start-up (so the layout
 * restorer and the tab bar have it), and loads the panel itself the first time it is shown.
 * A failed load says so and is tried again on the next show.
 */
export class LazyPanel extends Panel {
  constructor(private readonly options: LazyPanel.IOptions) {
    super();
    this.addClass('hs-LazyPanel');
    this._status = document.createElement('p');
    this._status.className = 'hs-Panel-loading hs-LazyPanel-status';
    this._status.setAttribute('role', 'status');
    this._status.textContent = options.loadingText ?? 'Loading…';
    this.node.appendChild(this._status);
  }

  /** The loaded panel, once it is there. */
  get content(): Widget | undefined {
    return this._content;
  }

  /** Loads the panel now (e.g. on a command) rather than at the next show; resolves with it. */
  load(): Promise<Widget> {
    this._loading ??= this.options.load().then(
      widget => {
        if (this.isDisposed) {
          widget.dispose();
          return widget;
        }
        this._status.remove();
        this._content = widget;
        this.addWidget(widget);
        return widget;
      },
      (err: Error) => {
        this._loading = undefined;
        const text = this.options.errorText?.(err.message) ?? `Could not load: ${err.message}`;
        this._status.textContent = text;
        this._status.className = 'hs-Panel-error hs-LazyPanel-status';
        this._status.setAttribute('role', 'alert');
        throw err;
      }
    );
    return this._loading;
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this.load().catch(() => undefined);
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) {
      void this.load().catch(() => undefined);
    }
  }

  private readonly _status: HTMLElement;
  private _content: Widget | undefined;
  private _loading: Promise<Widget> | undefined;
}
