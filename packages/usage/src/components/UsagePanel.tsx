import { ModelPanel } from '@hotstepper/core';
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';
import type { CardName, UsageModel } from '../model';
import { CostCard } from './CostCard';
import { GpuCard } from './GpuCard';
import { HistoryCard } from './HistoryCard';
import { IdleCard } from './IdleCard';
import { KernelsCard } from './KernelsCard';
import { type ICardViewProps, NowCard } from './NowCard';

/** The cards the settings switch on, in order. */
export function UsagePanelView({ model, trans }: ICardViewProps): JSX.Element {
  const shown = (card: CardName) => model.isCardShown(card);
  const cards = [
    shown('now') && <NowCard key="now" model={model} trans={trans} />,
    shown('history') && <HistoryCard key="history" model={model} trans={trans} />,
    shown('kernels') && <KernelsCard key="kernels" model={model} trans={trans} />,
    shown('gpus') && <GpuCard key="gpus" model={model} trans={trans} />,
    shown('cost') && <CostCard key="cost" model={model} trans={trans} />,
    shown('idle') && <IdleCard key="idle" model={model} trans={trans} />
  ].filter(Boolean);
  return (
    <div className="hs-Panel-content hs-UsagePanel-content">
      <h2 className="hs-Panel-title hs-UsagePanel-title">{trans.__('Usage')}</h2>
      {cards.length ? (
        cards
      ) : (
        <p className="hs-Panel-empty hs-UsageCard-empty">
          {trans.__('All cards are switched off in the settings (Hotstepper: Usage Panel).')}
        </p>
      )}
    </div>
  );
}

/**
 * The left-sidebar widget. Renders only while shown: the idle status changes
 * while the panel is closed (it drives the warning), and drawing its chart
 * then would fetch the recharts chunk at JupyterLab's start.
 */
export class UsagePanel extends ModelPanel<UsageModel> {
  constructor(
    model: UsageModel,
    private readonly trans: TranslationBundle,
    options?: ModelPanel.IOptions
  ) {
    super(model, options);
    this.id = 'hs-usage-panel';
    this.addClass('hs-Panel');
    this.addClass('hs-UsagePanel');
    this.title.caption = trans.__('Usage');
  }

  protected render(): JSX.Element {
    return <UsagePanelView model={this.model} trans={this.trans} />;
  }
}
