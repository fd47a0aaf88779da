import { ReactWidget } from '@jupyterlab/ui-components';
import type { Message } from '@lumino/messaging';
import type { ISignal } from '@lumino/signaling';

/** What a ModelPanel needs of its model. */
export interface IPanelModel {
  /** Emitted whenever the view should re-render. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly changed: ISignal<any, void>;
  /** Set by the panel: true while it is shown, so the model polls only then. */
  visible: boolean;
  dispose(): void;
  readonly isDisposed: boolean;
}

export namespace ModelPanel {
  export interface IOptions {
    /**
     * Whether the panel disposes its model when it is disposed. Default true;
     * pass false when the model is shared (e.g. provided through a token to a
     * status item) and its owner disposes it.
     */
    ownsModel?: boolean;
  }
}

/**
 * A sidebar panel drawn from a model: re-renders on `model.changed`, tells the
 * model when it is shown or hidden, and skips renders while hidden (a model
 * may keep changing then, e.g. a status polled for a notification) with one
 * render when it is shown again.
 *
 * Disposal: the panel disposes its model, unless constructed with
 * `{ ownsModel: false }`.
 */
export abstract class ModelPanel<M extends IPanelModel> extends ReactWidget {
  constructor(
    readonly model: M,
    options: ModelPanel.IOptions = {}
  ) {
    super();
    this._ownsModel = options.ownsModel ?? true;
    model.changed.connect(this._onModelChanged, this);
  }

  protected abstract render(): JSX.Element | null;

  protected onUpdateRequest(msg: Message): void {
    if (!this.isVisible) {
      this._stale = true;
      return;
    }
    this._stale = false;
    super.onUpdateRequest(msg);
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._setVisible(true);
    if (this._stale) {
      this.update();
    }
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this._setVisible(false);
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this._setVisible(this.isVisible);
  }

  protected onBeforeDetach(msg: Message): void {
    this._setVisible(false);
    super.onBeforeDetach(msg);
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.changed.disconnect(this._onModelChanged, this);
    super.dispose();
    if (this._ownsModel) {
      this.model.dispose();
    }
  }

  private _onModelChanged(): void {
    this.update();
  }

  private _setVisible(visible: boolean): void {
    if (!this.model.isDisposed) {
      this.model.visible = visible;
    }
  }

  private readonly _ownsModel: boolean;
  private _stale = true;
}
