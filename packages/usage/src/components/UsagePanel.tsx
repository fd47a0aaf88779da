import { ReactWidget } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Message } from '@lumino/messaging';
import React from 'react';
import type { UsagePanelModel } from '../panelModel';
import { CostCard } from './CostCard';
import { GpuCard } from './GpuCard';
import { HistoryCard } from './HistoryCard';
import { IdleCard } from './IdleCard';
import { KernelsCard } from './KernelsCard';
import { type ICardViewProps, NowCard } from './NowCard';

/** The cards the settings switch on, in order. */
export function UsagePanelView({ model, trans }: ICardViewProps): JSX.Element {
  const shown = (card: Parameters<UsagePanelModel['isCardShown']>[0]) => model.isCardShown(card);
  const cards = [
    shown('now') && <NowCard key="now" model={model} trans={trans} />,
    shown('history') && <HistoryCard key="history" model={model} trans={trans} />,
    shown('kernels') && <KernelsCard key="kernels" model={model} trans={trans} />,
    shown('gpus') && <GpuCard key="gpus" model={model} trans={trans} />,
    shown('cost') && <CostCard key="cost" model={model} trans={trans} />,
    shown('idle') && <IdleCard key="idle" model={model} trans={trans} />
  ].filter(Boolean);
  return (
    <div className="hs-UsagePanel-content">
      <h2 className="hs-UsagePanel-title">{trans.__('Usage')}</h2>
      {cards.length ? (
        cards
      ) : (
        <p className="hs-UsageCard-empty">
          {trans.__('All cards are switched off in the settings (Hotstepper: Usage Panel).')}
        </p>
      )}
    </div>
  );
}

/**
 * The left-sidebar widget. Tells the model when it is shown or hidden so
 * the polls stand by while nobody looks, and re-renders on each change.
 */
export class UsagePanel extends ReactWidget {
  constructor(
    readonly model: UsagePanelModel,
    private readonly trans: TranslationBundle
  ) {
    super();
    this.id = 'hs-usage-panel';
    this.addClass('hs-UsagePanel');
    this.title.caption = trans.__('Usage');
    model.changed.connect(() => this.update(), this);
  }

  protected render(): JSX.Element {
    return <UsagePanelView model={this.model} trans={this.trans} />;
  }

  /**
   * Renders only while shown: the idle status changes while the panel is
   * closed (it drives the warning), and drawing its chart then would fetch
   * the recharts chunk at JupyterLab's start.
   */
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
    this.model.visible = true;
    if (this._stale) {
      this.update();
    }
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

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.dispose();
    super.dispose();
  }

  private _stale = true;
}
