import type { UsageCost } from '@hotstepper/api';
import { formatMoney } from '@hotstepper/core';
import React from 'react';
import { costBars, formatDay, hasCost } from '../chartData';
import { downloadCostCsv } from '../csv';
import { Card } from './Card';
import { CostChart } from './lazyCharts';
import type { ICardViewProps } from './NowCard';

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

/** Estimated cost: daily stacked bars for 90 days, totals, the price table and the export. */
export function CostCard({ model, trans }: ICardViewProps): JSX.Element {
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
        const axis = new Intl.NumberFormat(undefined, {
          style: 'currency',
          currency,
          minimumFractionDigits: 0,
          maximumFractionDigits: 0
        });
        const bars = costBars(cost, 90);
        const gpuPrices = Object.entries(cost.prices.gpuHour).sort(([a], [b]) =>
          a === 'default' ? 1 : b === 'default' ? -1 : a.localeCompare(b)
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
                bars={bars}
                labels={{ cpu: trans.__('CPU'), memory: trans.__('Memory'), gpu: trans.__('GPU') }}
                formatMoney={money}
                formatAxis={amount => axis.format(amount)}
                formatDay={d => formatDay(d)}
              />
            ) : (
              <p className="hs-Panel-empty hs-UsageCard-empty">
                {trans.__('No cost in the last 90 days: the server has not run long enough.')}
              </p>
            )}
            <p className="hs-Panel-note hs-UsageCard-note">
              {cost.prices.basis === 'reserved'
                ? trans.__(
                    'An estimate, charged on the resources the server reserved (its limits), not an invoice.'
                  )
                : trans.__(
                    'An estimate, charged on the resources the server used, not an invoice.'
                  )}
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
                        {gpu === 'default'
                          ? trans.__('Any other GPU, per hour')
                          : trans.__('GPU %1, per hour', gpu)}
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
