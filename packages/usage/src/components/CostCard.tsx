import type { UsageCost } from '@hotstepper/api';
import { formatMoney } from '@hotstepper/core';
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';
import { costBars, costParts, formatDay, hasCost, niceTicks, tickDecimals } from '../chartData';
import { downloadCostCsv } from '../csv';
import { Card } from './Card';
import { CostChart } from './lazyCharts';
import { chartSize, type ICardViewProps } from './NowCard';

/** The export button's own state: a download is a request like any other. */
function ExportButton({ model, trans }: ICardViewProps): JSX.Element {
  const [state, setState] = React.useState<{ busy: boolean; error?: string }>({ busy: false });
  const onClick = async () => {
    setState({ busy: true });
    try {
      await downloadCostCsv(model.serverSettings);
      setState({ busy: false });
    } catch (err) {
      setState({ busy: false, error: (err as Error).message });
    }
  };
  return (
    <div className="hs-CostCard-export">
      <button
        type="button"
        className="hs-CostCard-exportButton"
        onClick={() => void onClick()}
        disabled={state.busy}
        title={trans.__('Download the daily cost of the last 90 days as a CSV file')}
      >
        {state.busy ? trans.__('Exporting…') : trans.__('Export CSV')}
      </button>
      {state.error && (
        <span className="hs-Panel-error hs-UsageCard-error" role="alert">
          {trans.__('Export failed: %1', state.error)}
        </span>
      )}
    </div>
  );
}

/**
 * How the estimate was priced, one fact per sentence. A server without a limit has the whole
 * machine as its "limit": it is priced on what it used, and the note says so.
 */
export function costBasisNote(cost: UsageCost, trans: TranslationBundle): string {
  const unlimited = cost.unlimited ?? [];
  if (cost.prices.basis !== 'reserved') {
    return trans.__('An estimate of what the server used, not an invoice.');
  }
  if (unlimited.length === 2) {
    return trans.__(
      'No CPU or memory limit is set on this server, so the estimate prices what it used. It is not an invoice.'
    );
  }
  if (unlimited.length === 1) {
    return unlimited[0] === 'cpu'
      ? trans.__(
          'No CPU limit is set on this server, so its CPU is priced on what it used and its memory on its limit. It is not an invoice.'
        )
      : trans.__(
          'No memory limit is set on this server, so its memory is priced on what it used and its CPU on its limit. It is not an invoice.'
        );
  }
  return trans.__(
    'An estimate of what the server reserved (its limits), not of what it used. It is not an invoice.'
  );
}

/** Estimated cost: daily stacked bars for 90 days, totals, the price table and the export. */
export function CostCard({ model, trans, size }: ICardViewProps): JSX.Element {
  const { height, intervals } = chartSize(size, 150);
  return (
    <Card<UsageCost>
      name="cost"
      title={trans.__('Cost')}
      state={model.cost}
      trans={trans}
      badge={
        <span
          className="hs-CostCard-estimate"
          title={trans.__("An estimate from the platform's price table, not an invoice")}
        >
          {trans.__('Estimate')}
        </span>
      }
    >
      {cost => {
        const currency = cost.prices.currency;
        const money = (amount: number) => formatMoney(amount, currency);
        const bars = costBars(cost, 90);
        // Round ticks with the decimals they need to read apart: "0 / 0.6 / 1.2", never "0 / 1 / 1".
        const ticks = niceTicks(Math.max(0, ...bars.map(b => b.total)), intervals);
        const decimals = tickDecimals(ticks);
        const axis = new Intl.NumberFormat(undefined, {
          style: 'currency',
          currency,
          minimumFractionDigits: decimals,
          maximumFractionDigits: decimals
        });
        const gpuPrices = Object.entries(cost.prices.gpuHour).sort(([a], [b]) =>
          a === 'default' ? 1 : b === 'default' ? -1 : a.localeCompare(b)
        );
        const named = gpuPrices.some(([gpu]) => gpu !== 'default');
        const partLabel = {
          cpu: trans.__('CPU'),
          memory: trans.__('Memory'),
          gpu: trans.__('GPU')
        };
        const summary = trans.__(
          'Daily cost of the last 90 days: %1 in all, the highest day %2; %3.',
          money(cost.totals.quarter),
          money(Math.max(0, ...bars.map(b => b.total))),
          costParts(bars)
            .map(p => partLabel[p])
            .join(', ')
        );
        return (
          <>
            <dl className="hs-CostCard-totals">
              <div className="hs-CostCard-total" data-period="today">
                <dt>{trans.__('Today')}</dt>
                <dd>{money(cost.totals.today)}</dd>
              </div>
              <div className="hs-CostCard-total" data-period="week">
                <dt>{trans.__('7 days')}</dt>
                <dd>{money(cost.totals.week)}</dd>
              </div>
              <div className="hs-CostCard-total" data-period="quarter">
                <dt>{trans.__('90 days')}</dt>
                <dd>{money(cost.totals.quarter)}</dd>
              </div>
            </dl>
            {hasCost(bars) ? (
              <CostChart
                trans={trans}
                summary={summary}
                bars={bars}
                labels={partLabel}
                ticks={ticks}
                height={height}
                dateTicks={size === 'full' ? 7 : 3}
                formatMoney={money}
                formatAxis={amount => axis.format(amount)}
                formatDay={d => formatDay(d)}
              />
            ) : (
              <p className="hs-Panel-empty hs-UsageCard-empty">
                {trans.__('No cost in the last 90 days: the server has not run long enough.')}
              </p>
            )}
            <p className="hs-Panel-note hs-UsageCard-note hs-CostCard-basis">
              {costBasisNote(cost, trans)}
            </p>
            <details className="hs-CostCard-prices">
              <summary>{trans.__('Price table')}</summary>
              <table className="hs-CostCard-priceTable">
                <tbody>
                  <tr>
                    <th scope="row">{trans.__('CPU, per core and hour')}</th>
                    <td>{money(cost.prices.cpuHour)}</td>
                  </tr>
                  <tr>
                    <th scope="row">{trans.__('Memory, per GiB and hour')}</th>
                    <td>{money(cost.prices.memoryGiBHour)}</td>
                  </tr>
                  {gpuPrices.map(([gpu, price]) => (
                    <tr key={gpu}>
                      <th scope="row">
                        {gpu !== 'default'
                          ? trans.__('GPU %1, per hour', gpu)
                          : named
                            ? trans.__('Any other GPU, per hour')
                            : trans.__('A GPU, per hour')}
                      </th>
                      <td>{money(price)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
            <ExportButton model={model} trans={trans} />
          </>
        );
      }}
    </Card>
  );
}
