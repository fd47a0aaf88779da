import { ReactWidget } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';
import type { FlareModel } from '../model';

/** "Expose", or "Expose · 2" with two exposures; a mark when one has no listener. */
export function FlareStatus(props: { model: FlareModel; trans: TranslationBundle }): JSX.Element {
  const { model, trans } = props;
  const { exposures, noListener } = model.counts;
  const title = [
    exposures === 0
      ? trans.__('Nothing is exposed.')
      : trans._n('%1 exposure is live.', '%1 exposures are live.', exposures),
    noListener > 0
      ? trans._n('%1 has no listener.', '%1 have no listener.', noListener)
      : undefined,
    trans.__('Open Flare to expose a web app at a public address.')
  ]
    .filter(Boolean)
    .join(' ');
  // The count keeps its slot when empty, in tabular figures: the item never changes width
  // and moves nothing beside it in the status bar.
  return (
    <span className="hs-FlareStatus" title={title} aria-label={title}>
      {trans.__('Expose')}
      <span
        className="hs-FlareStatus-count"
        data-empty={exposures === 0 || undefined}
        data-no-listener={noListener > 0 || undefined}
      >
        {exposures > 0 ? exposures : ''}
      </span>
    </span>
  );
}

/** The status bar item: a button that opens the flare panel. */
export class FlareStatusItem extends ReactWidget {
  constructor(
    private readonly model: FlareModel,
    private readonly trans: TranslationBundle,
    open: () => void
  ) {
    super();
    this.addClass('hs-FlareStatus-item');
    this.node.setAttribute('role', 'button');
    this.node.tabIndex = 0;
    this.node.addEventListener('click', open);
    this.node.addEventListener('keydown', event => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        open();
      }
    });
    model.changed.connect(() => this.update(), this);
  }

  protected render(): JSX.Element {
    return <FlareStatus model={this.model} trans={this.trans} />;
  }
}
