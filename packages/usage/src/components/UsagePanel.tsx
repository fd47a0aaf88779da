import { ModelPanel } from '@hotstepper/core';
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';
import type { CardName, UsageModel } from '../model';
import { CostCard } from './CostCard';
import { GpuCard } from './GpuCard';
import { HistoryCard } from './HistoryCard';
import { IdleCard } from './IdleCard';
import { KernelsCard } from './KernelsCard';
import { loadCharts } from './lazyCharts';
import { type ICardViewProps, NowCard } from './NowCard';
import { ServersCard } from './ServersCard';

/** The cards that draw charts: with one of them on, the charts chunk is fetched at once. */
const CHART_CARDS: CardName[] = ['history', 'cost', 'idle'];

/** Starts fetching the charts chunk if the model's cards will draw charts. */
export function prefetchCharts(model: UsageModel): void {
  if (CHART_CARDS.some(card => model.isCardShown(card))) {
    // A failure shows where a chart would be drawn (lazyCharts' boundary).
    void loadCharts().catch(() => undefined);
  }
}

/** The cards the settings switch on, in order. */
export function UsagePanelView({
  model,
  trans,
  onOpenCharts
}: ICardViewProps & { onOpenCharts?: () => void }): JSX.Element {
  const shown = (card: CardName) => model.isCardShown(card);
  const cards = [
    shown('now') && <NowCard key="now" model={model} trans={trans} />,
    shown('history') && <HistoryCard key="history" model={model} trans={trans} />,
    shown('kernels') && <KernelsCard key="kernels" model={model} trans={trans} />,
    shown('gpus') && <GpuCard key="gpus" model={model} trans={trans} />,
    shown('cost') && <CostCard key="cost" model={model} trans={trans} />,
    shown('idle') && <IdleCard key="idle" model={model} trans={trans} />,
    // Only under JupyterHub: outside it the card is not there at all.
    shown('servers') && !!model.servers.value?.user && (
      <ServersCard key="servers" model={model} trans={trans} />
    )
  ].filter(Boolean);
  return (
    <div className="hs-Panel-content hs-UsagePanel-content">
      <div className="hs-Panel-header">
        <h2 className="hs-Panel-title hs-UsagePanel-title">{trans.__('Usage')}</h2>
        {onOpenCharts && CHART_CARDS.some(shown) && (
          <button
            type="button"
            className="jp-Button jp-mod-minimal hs-UsagePanel-openCharts"
            onClick={onOpenCharts}
            title={trans.__('Open the history, cost and idle charts at full size in the main area')}
          >
            {trans.__('Open in main area')}
          </button>
        )}
      </div>
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
    options?: ModelPanel.IOptions & { onOpenCharts?: () => void }
  ) {
    super(model, options);
    this._onOpenCharts = options?.onOpenCharts;
    this.id = 'hs-usage-panel';
    this.addClass('hs-Panel');
    this.addClass('hs-UsagePanel');
    this.title.caption = trans.__('Usage');
    // Loaded because it is shown: fetch the charts while the figures are asked for.
    prefetchCharts(model);
  }

  protected render(): JSX.Element {
    return (
      <UsagePanelView model={this.model} trans={this.trans} onOpenCharts={this._onOpenCharts} />
    );
  }

  private readonly _onOpenCharts?: () => void;
}

/** The history, cost and idle charts at full size, for the main area. */
export function UsageChartsView({ model, trans }: ICardViewProps): JSX.Element {
  const shown = (card: CardName) => model.isCardShown(card);
  return (
    <div className="hs-Panel-content hs-UsageCharts-content">
      <h2 className="hs-Panel-title">{trans.__('Usage charts')}</h2>
      <div className="hs-UsageCharts-grid">
        {shown('history') && <HistoryCard model={model} trans={trans} size="full" />}
        {shown('cost') && <CostCard model={model} trans={trans} size="full" />}
        {shown('idle') && <IdleCard model={model} trans={trans} size="full" />}
      </div>
    </div>
  );
}

/** The content of the "Usage Charts" main-area tab: its own model, disposed with the tab. */
export class UsageCharts extends ModelPanel<UsageModel> {
  constructor(
    model: UsageModel,
    private readonly trans: TranslationBundle
  ) {
    super(model);
    this.addClass('hs-Panel');
    this.addClass('hs-UsageCharts');
    prefetchCharts(model);
  }

  protected render(): JSX.Element {
    return <UsageChartsView model={this.model} trans={this.trans} />;
  }
}
