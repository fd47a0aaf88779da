import type { HistoryRange, UsageHistory } from '@hotstepper/api';
import { formatBytes, formatCores, formatDuration, formatPercent } from '@hotstepper/core';
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';
import {
  type HistoryMetric,
  historyMetrics,
  historyRows,
  recordedSeconds,
  summarize,
  tickDecimals,
  timeDomain,
  timeFormat,
  withLimitEdges,
  yTicks
} from '../chartData';
import { RANGES } from '../model';
import { Card } from './Card';
import { HistoryChart } from './lazyCharts';
import { chartSize, type ICardViewProps } from './NowCard';

/** A metric's figures, with as many decimals as the ticks need to read apart. */
function formatter(metric: HistoryMetric, ticks?: number[]): (v: number) => string {
  switch (metric) {
    case 'cpu':
      return v => formatCores(v);
    case 'gpu':
      return v => formatPercent(v);
    default:
      return ticks ? v => formatBytes(v, undefined, tickDecimals(scaled(ticks))) : formatBytes;
  }
}

/** Byte ticks in their display unit, to count the decimals they need. */
function scaled(ticks: number[]): number[] {
  const top = ticks[ticks.length - 1];
  let unit = 1;
  while (top / unit >= 1024) {
    unit *= 1024;
  }
  return ticks.map(t => t / unit);
}

/** What a chart's points are, in words: "Average of each 5 minutes". */
export function bucketWords(seconds: number, trans: TranslationBundle): string {
  if (seconds < 60) {
    return trans.__('One reading every %1 s', seconds);
  }
  return trans.__('Average of each %1', formatDuration(seconds));
}

/** "The last hour", "The last 24 hours"… */
export function rangeCaption(range: HistoryRange, trans: TranslationBundle): string {
  switch (range) {
    case 'hour':
      return trans.__('The last hour');
    case 'day':
      return trans.__('The last 24 hours');
    case 'week':
      return trans.__('The last 7 days');
    default:
      return trans.__('The last 90 days');
  }
}

/** CPU, memory and (with a GPU) GPU utilisation and memory over the chosen range. */
export function HistoryCard({ model, trans, size }: ICardViewProps): JSX.Element {
  const RANGE_LABEL: Record<string, string> = {
    hour: trans.__('Hour'),
    day: trans.__('Day'),
    week: trans.__('Week')
  };
  const METRIC_LABEL: Record<HistoryMetric, string> = {
    cpu: trans.__('CPU'),
    memory: trans.__('Memory'),
    gpu: trans.__('GPU utilisation'),
    gpuMemory: trans.__('GPU memory')
  };
  const { height, intervals } = chartSize(size, 110);
  const toggle = (
    <div className="hs-HistoryCard-range" role="group" aria-label={trans.__('History range')}>
      {RANGES.map((range: HistoryRange) => (
        <button
          key={range}
          type="button"
          className="hs-HistoryCard-rangeButton"
          aria-pressed={model.range === range}
          title={rangeCaption(range, trans)}
          onClick={() => (model.range = range)}
        >
          {RANGE_LABEL[range]}
        </button>
      ))}
    </div>
  );
  const range = model.history.value?.range ?? model.range;
  return (
    <Card<UsageHistory>
      name="history"
      title={trans.__('History')}
      state={model.history}
      trans={trans}
      tools={toggle}
      isEmpty={h => !h.points.some(p => p.cpu !== null || p.memory !== null)}
      empty={trans.__(
        'Nothing recorded in %1: the server was not running then.',
        rangeCaption(range, trans).toLowerCase()
      )}
    >
      {history => {
        const rows = historyRows(history);
        const domain = timeDomain(history, rows);
        const drawn = withLimitEdges(rows, domain);
        const formatTime = timeFormat(history.range);
        const span = (history.to - history.from) / 1000;
        const recorded = recordedSeconds(history);
        return (
          <div className="hs-HistoryCard-charts">
            <p className="hs-Panel-note hs-HistoryCard-legend">
              {trans.__('%1. Dashed line: the limit.', bucketWords(history.resolution, trans))}
            </p>
            {recorded < span * 0.9 && (
              <p className="hs-Panel-note hs-HistoryCard-coverage">
                {trans.__(
                  'Recorded: %1 of %2.',
                  formatDuration(recorded),
                  rangeCaption(history.range, trans).toLowerCase()
                )}
              </p>
            )}
            {historyMetrics(rows).map(metric => {
              const ticks = yTicks(rows, metric, intervals);
              const format = formatter(metric);
              const s = summarize(rows, metric);
              const summary = [
                trans.__('%1, %2', METRIC_LABEL[metric], rangeCaption(history.range, trans)),
                s.mean !== null &&
                  trans.__('average %1, peak %2', format(s.mean), format(s.peak ?? 0)),
                s.limit !== null && trans.__('limit %1', format(s.limit))
              ]
                .filter(Boolean)
                .join('; ');
              return (
                <figure key={metric} className="hs-HistoryCard-chart" data-metric={metric}>
                  <figcaption className="hs-HistoryCard-caption">{METRIC_LABEL[metric]}</figcaption>
                  <HistoryChart
                    trans={trans}
                    summary={summary}
                    rows={drawn}
                    metric={metric}
                    label={METRIC_LABEL[metric]}
                    limitLabel={trans.__('limit')}
                    domain={domain}
                    ticks={ticks}
                    height={height}
                    formatTime={formatTime}
                    formatValue={formatter(metric, ticks)}
                  />
                </figure>
              );
            })}
          </div>
        );
      }}
    </Card>
  );
}
