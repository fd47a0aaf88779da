import type { HistoryRange, UsageHistory } from '@hotstepper/api';
import { formatBytes, formatCores, formatPercent } from '@hotstepper/core';
import React from 'react';
import {
  type HistoryMetric,
  historyMetrics,
  historyRows,
  timeDomain,
  timeFormat,
  yMax
} from '../chartData';
import { RANGES } from '../model';
import { Card } from './Card';
import { HistoryChart } from './lazyCharts';
import type { ICardViewProps } from './NowCard';

const FORMAT: Record<HistoryMetric, (v: number) => string> = {
  cpu: v => formatCores(v),
  memory: v => formatBytes(v),
  gpu: v => formatPercent(v),
  gpuMemory: v => formatBytes(v)
};

/** CPU, memory and (with a GPU) GPU utilisation and memory over the chosen range. */
export function HistoryCard({ model, trans }: ICardViewProps): JSX.Element {
  const RANGE_LABEL: Record<string, string> = {
    hour: trans.__('Hour'),
    day: trans.__('Day'),
    week: trans.__('Week')
  };
  const RANGE_CAPTION: Record<string, string> = {
    hour: trans.__('The last hour'),
    day: trans.__('The last 24 hours'),
    week: trans.__('The last 7 days')
  };
  const METRIC_LABEL: Record<HistoryMetric, string> = {
    cpu: trans.__('CPU'),
    memory: trans.__('Memory'),
    gpu: trans.__('GPU utilisation'),
    gpuMemory: trans.__('GPU memory')
  };
  const toggle = (
    <div className="hs-HistoryCard-range" role="group" aria-label={trans.__('History range')}>
      {RANGES.map((range: HistoryRange) => (
        <button
          key={range}
          type="button"
          className="hs-HistoryCard-rangeButton"
          aria-pressed={model.range === range}
          title={RANGE_CAPTION[range]}
          onClick={() => (model.range = range)}
        >
          {RANGE_LABEL[range]}
        </button>
      ))}
    </div>
  );
  return (
    <Card<UsageHistory>
      name="history"
      title={trans.__('History')}
      state={model.history}
      trans={trans}
      tools={toggle}
      isEmpty={h => !h.points.some(p => p.cpu !== null || p.memory !== null)}
      empty={trans.__('No readings in this range yet: the server was not running.')}
    >
      {history => {
        const rows = historyRows(history);
        const domain = timeDomain(history, rows);
        const formatTime = timeFormat(history.range);
        return (
          <div className="hs-HistoryCard-charts">
            {historyMetrics(rows).map(metric => (
              <figure key={metric} className="hs-HistoryCard-chart">
                <figcaption className="hs-HistoryCard-caption">
                  {METRIC_LABEL[metric]}
                  <span className="hs-HistoryCard-legend">
                    {trans.__('mean per bucket; dashed: limit')}
                  </span>
                </figcaption>
                <HistoryChart
                  trans={trans}
                  rows={rows}
                  metric={metric}
                  label={METRIC_LABEL[metric]}
                  limitLabel={trans.__('limit')}
                  domain={domain}
                  yMax={yMax(rows, metric)}
                  formatTime={formatTime}
                  formatValue={FORMAT[metric]}
                />
              </figure>
            ))}
          </div>
        );
      }}
    </Card>
  );
}
