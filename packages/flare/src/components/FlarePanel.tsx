import { Dialog, ReactWidget, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Message } from '@lumino/messaging';
import React from 'react';
import type { FlareModel } from '../model';
import { ExposeForm } from './ExposeForm';
import { ExposuresSection, type ISectionProps, PortsSection } from './Sections';

export interface IFlarePanelViewProps {
  model: FlareModel;
  trans: TranslationBundle;
  confirm: ISectionProps['confirm'];
  now?: number;
}

/** Why exposing is off here, the expose form when open, the listening ports, the exposures. */
export function FlarePanelView(props: IFlarePanelViewProps): JSX.Element {
  const { model, trans } = props;
  const sectionProps: ISectionProps = { ...props, now: props.now ?? Date.now() };
  const unavailable = model.info.data?.unavailable;
  const formPort = model.formPort;
  return (
    <div className="hs-FlarePanel-content">
      <h2 className="hs-FlarePanel-title">{trans.__('Flare')}</h2>
      <p className="hs-FlarePanel-intro">
        {trans.__(
          'Share a web app running here — Dash, Streamlit, Shiny, FastAPI… — at a public address.'
        )}
      </p>
      {unavailable && (
        <p className="hs-FlarePanel-unavailable" role="note">
          {trans.__('Exposing is not available here: %1', unavailable)}
        </p>
      )}
      {formPort !== null && !unavailable && (
        <ExposeForm key={model.formGeneration} model={model} trans={trans} port={formPort} />
      )}
      <PortsSection {...sectionProps} />
      <ExposuresSection {...sectionProps} />
    </div>
  );
}

/**
 * The sidebar widget. Tells the model when it is shown or hidden, so the ports are polled
 * only while someone looks, and re-renders on each change.
 */
export class FlarePanel extends ReactWidget {
  constructor(
    readonly model: FlareModel,
    private readonly trans: TranslationBundle
  ) {
    super();
    this.id = 'hs-flare-panel';
    this.addClass('hs-FlarePanel');
    this.title.caption = trans.__('Flare: expose a web app');
    model.changed.connect(() => this.update(), this);
  }

  protected render(): JSX.Element {
    return <FlarePanelView model={this.model} trans={this.trans} confirm={this._confirm} />;
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.model.visible = true;
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this.model.visible = false;
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.model.visible = this.isVisible;
  }

  protected onBeforeDetach(msg: Message): void {
    this.model.visible = false;
    super.onBeforeDetach(msg);
  }

  private _confirm = async (title: string, body: string, accept: string): Promise<boolean> => {
    const result = await showDialog({
      title,
      body,
      buttons: [
        Dialog.cancelButton({ label: this.trans.__('Cancel') }),
        Dialog.warnButton({ label: accept })
      ]
    });
    return result.button.accept;
  };
}
