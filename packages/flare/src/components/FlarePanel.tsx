import { ModelPanel } from '@hotstepper/core';
import { Dialog, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
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

/** Why exposing is off here, the expose form when open, the live exposures, then the ports. */
export function FlarePanelView(props: IFlarePanelViewProps): JSX.Element {
  const { model, trans } = props;
  const sectionProps: ISectionProps = { ...props, now: props.now ?? Date.now() };
  const unavailable = model.info.value?.unavailable;
  const formPort = model.formPort;
  return (
    <div className="hs-Panel-content">
      <h2 className="hs-Panel-title">{trans.__('Flare')}</h2>
      <p className="hs-Panel-note hs-FlarePanel-intro">
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
      <ExposuresSection {...sectionProps} />
      <PortsSection {...sectionProps} />
    </div>
  );
}

/**
 * The sidebar's view (inside FlareSidebar, loaded on first show); the ports are polled only
 * while it is shown. The model is shared with
 * the status item (through IFlareModel), so the panel does not dispose it.
 */
export class FlarePanel extends ModelPanel<FlareModel> {
  constructor(
    model: FlareModel,
    private readonly trans: TranslationBundle
  ) {
    super(model, { ownsModel: false });
    this.addClass('hs-Panel');
    this.addClass('hs-FlarePanel');
  }

  protected render(): JSX.Element {
    return <FlarePanelView model={this.model} trans={this.trans} confirm={this._confirm} />;
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
