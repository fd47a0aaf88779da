/**
 * The panel's recharts charts. This module is loaded lazily (see
 * lazyCharts.tsx): recharts goes into a chunk of its own that JupyterLab
 * fetches the first time a chart is drawn, not at start-up.
 *
 * Colours are `var(--jp-…)` strings: SVG presentation attributes accept
 * them, so the charts follow the theme without reading computed styles.
 */
import React from 'react';
import {
  Area,
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis
} from 'recharts';
import type { HistoryMetric, ICostBar, IHistoryRow, IIdleRow } from '../chartData';
import { costParts, dayTicks, LIMIT_KEY, niceTicks } from '../chartData';

/** A series colour per metric and cost part. */
export const COLORS = {
  cpu: 'var(--jp-brand-color1)',
  memory: 'var(--jp-accent-color1)',
  gpu: 'var(--jp-warn-color1)',
  gpuMemory: 'var(--jp-info-color1)',
  limit: 'var(--jp-ui-font-color1)',
  threshold: 'var(--jp-error-color1)',
  idle: 'var(--jp-brand-color1)'
} as const;

const AXIS_TICK = { fill: 'var(--jp-ui-font-color2)', fontSize: 10 };
const AXIS_LINE = 'var(--jp-border-color1)';
const GRID = 'var(--jp-border-color2)';
const TOOLTIP_STYLE: React.CSSProperties = {
  background: 'var(--jp-layout-color1)',
  border: '1px solid var(--jp-border-color1)',
  color: 'var(--jp-ui-font-color1)',
  fontSize: 'var(--jp-ui-font-size0)',
  padding: '4px 8px'
};
const TOOLTIP_LABEL: React.CSSProperties = { color: 'var(--jp-ui-font-color1)' };
const LEGEND_STYLE: React.CSSProperties = { fontSize: 'var(--jp-ui-font-size0)' };
/** Tooltip rows in the order of the stack, not by name. */
const COST_ORDER = ['cpu', 'memory', 'gpu'] as const;
const MARGIN = { top: 10, right: 8, bottom: 0, left: 0 };
/** Room on the right for half of the last date's label, which is centred on the last bar. */
const COST_MARGIN = { ...MARGIN, right: 20 };

/** Props every time axis shares. */
function timeAxis(
  tickFormatter: (t: number) => string,
  domain: [number, number] | ['dataMin', 'dataMax']
) {
  return {
    dataKey: 't',
    type: 'number' as const,
    scale: 'time' as const,
    domain,
    tickFormatter,
    tick: AXIS_TICK,
    stroke: AXIS_LINE,
    minTickGap: 28
  };
}

/**
 * Props every chart's value axis shares, so all read alike in both themes: the round ticks
 * given, from 0 to the last one (recharts' own choice repeats labels once they are rounded).
 */
function valueAxis(tickFormatter: (value: number) => string, ticks: number[], width = 64) {
  return {
    tickFormatter,
    tick: AXIS_TICK,
    stroke: AXIS_LINE,
    width,
    ticks,
    domain: [0, ticks[ticks.length - 1]] as [number, number],
    interval: 0 as const,
    allowDataOverflow: true
  };
}

/** Props every chart's tooltip shares. */
function tooltip(label: (value: React.ReactNode) => string, value: (value: number) => string) {
  return {
    contentStyle: TOOLTIP_STYLE,
    labelStyle: TOOLTIP_LABEL,
    labelFormatter: label,
    formatter: (v: unknown) => (typeof v === 'number' ? value(v) : '–'),
    separator: ': ',
    isAnimationActive: false
  };
}

export interface IHistoryChartProps {
  rows: IHistoryRow[];
  metric: HistoryMetric;
  /** e.g. "CPU" */
  label: string;
  /** e.g. "limit" */
  limitLabel: string;
  domain: [number, number];
  /** Round y ticks from 0 (chartData's yTicks). */
  ticks: number[];
  formatTime: (t: number) => string;
  formatValue: (v: number) => string;
  height?: number;
}

/** One metric over time against its limit (dashed); null rows are breaks. */
export function HistoryChart(props: IHistoryChartProps): JSX.Element {
  const { rows, metric, label, limitLabel, formatTime, formatValue } = props;
  const color = COLORS[metric];
  return (
    <div className={`hs-UsageChart hs-UsageChart-${metric}`} data-points={rows.length}>
      <ResponsiveContainer width="100%" height={props.height ?? 110}>
        <ComposedChart data={rows} margin={MARGIN} accessibilityLayer={false}>
          <CartesianGrid stroke={GRID} strokeDasharray="2 4" vertical={false} />
          <XAxis {...timeAxis(formatTime, props.domain)} allowDataOverflow />
          <YAxis {...valueAxis(formatValue, props.ticks)} />
          <Tooltip {...tooltip(t => formatTime(Number(t)), formatValue)} />
          <Area
            type="linear"
            dataKey={metric}
            name={label}
            stroke={color}
            fill={color}
            fillOpacity={0.2}
            strokeWidth={1.5}
            connectNulls={false}
            isAnimationActive={false}
            dot={false}
          />
          <Line
            type="stepAfter"
            dataKey={LIMIT_KEY[metric]}
            name={limitLabel}
            stroke={COLORS.limit}
            strokeDasharray="5 3"
            strokeWidth={1.5}
            connectNulls={false}
            isAnimationActive={false}
            dot={false}
          />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}

export interface ICostChartProps {
  bars: ICostBar[];
  labels: { cpu: string; memory: string; gpu: string };
  formatMoney: (amount: number) => string;
  /** Shorter, for the axis: whole units. */
  formatAxis?: (amount: number) => string;
  formatDay: (date: string) => string;
  /** Round y ticks from 0; default three from the highest day. */
  ticks?: number[];
  /** How many dates label the x axis; 3 fit the sidebar. */
  dateTicks?: number;
  height?: number;
}

/** Daily cost, stacked CPU / memory / GPU, one bar per day; only the parts that cost anything. */
export function CostChart(props: ICostChartProps): JSX.Element {
  const { bars, labels, formatMoney, formatDay } = props;
  const parts = costParts(bars);
  const ticks = props.ticks ?? niceTicks(Math.max(0, ...bars.map(b => b.total)));
  return (
    <div
      className="hs-UsageChart hs-UsageChart-cost"
      data-days={bars.length}
      data-parts={parts.join(' ')}
    >
      <ResponsiveContainer width="100%" height={props.height ?? 150}>
        <BarChart data={bars} margin={COST_MARGIN} barCategoryGap={1} accessibilityLayer={false}>
          <CartesianGrid stroke={GRID} strokeDasharray="2 4" vertical={false} />
          <XAxis
            dataKey="date"
            tickFormatter={formatDay}
            tick={AXIS_TICK}
            stroke={AXIS_LINE}
            ticks={dayTicks(bars, props.dateTicks ?? 3)}
            interval={0}
          />
          <YAxis {...valueAxis(props.formatAxis ?? formatMoney, ticks, 56)} />
          <Tooltip
            {...tooltip(d => formatDay(String(d)), formatMoney)}
            itemSorter={item => COST_ORDER.indexOf(item.dataKey as (typeof COST_ORDER)[number])}
            cursor={{ fill: 'var(--jp-brand-color1)', fillOpacity: 0.15 }}
          />
          <Legend wrapperStyle={LEGEND_STYLE} iconSize={8} itemSorter={null} />
          {parts.map(key => (
            <Bar
              key={key}
              dataKey={key}
              name={labels[key]}
              stackId="cost"
              fill={COLORS[key]}
              isAnimationActive={false}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export interface IIdleChartProps {
  rows: IIdleRow[];
  threshold: number;
  thresholdLabel: string;
  valueLabel: string;
  /** Round y ticks from 0 (chartData's idleTicks). */
  ticks: number[];
  formatTime: (t: number) => string;
  formatValue: (v: number) => string;
  height?: number;
}

/** The last 24 h in segments against the idle threshold (red, dashed). */
export function IdleChart(props: IIdleChartProps): JSX.Element {
  const { rows, formatTime, formatValue } = props;
  return (
    <div className="hs-UsageChart hs-UsageChart-idle" data-points={rows.length}>
      <ResponsiveContainer width="100%" height={props.height ?? 110}>
        <ComposedChart data={rows} margin={MARGIN} accessibilityLayer={false}>
          <CartesianGrid stroke={GRID} strokeDasharray="2 4" vertical={false} />
          <XAxis {...timeAxis(formatTime, ['dataMin', 'dataMax'])} />
          <YAxis {...valueAxis(formatValue, props.ticks)} />
          <Tooltip {...tooltip(t => formatTime(Number(t)), formatValue)} />
          <Area
            type="stepAfter"
            dataKey="value"
            name={props.valueLabel}
            stroke={COLORS.idle}
            fill={COLORS.idle}
            fillOpacity={0.2}
            strokeWidth={1.5}
            connectNulls={false}
            isAnimationActive={false}
            dot={false}
          />
          <ReferenceLine
            y={props.threshold}
            stroke={COLORS.threshold}
            strokeDasharray="4 3"
            ifOverflow="extendDomain"
            label={{
              value: props.thresholdLabel,
              position: 'insideTopRight',
              fill: 'var(--jp-ui-font-color1)',
              fontSize: 10
            }}
          />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
