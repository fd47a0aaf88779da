/**
 * The gradebook's score distribution with recharts. Loaded lazily (GradebookView imports it
 * with `import()`): recharts goes into a chunk fetched the first time the chart is drawn.
 * Colours are `var(--jp-…)` strings, which SVG attributes accept, so the chart follows the theme.
 */
import React from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { IBin } from '../gradebook';

export interface IDistributionChartProps {
  bins: IBin[];
  /** The axis label of the counts, e.g. "students". */
  countLabel: string;
  height?: number;
}

const TICK = { fill: 'var(--jp-ui-font-color2)', fontSize: 10 };

export function DistributionChart(props: IDistributionChartProps): JSX.Element {
  return (
    <ResponsiveContainer width="100%" height={props.height ?? 160}>
      <BarChart data={props.bins} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="var(--jp-border-color2)" vertical={false} />
        <XAxis dataKey="label" tick={TICK} stroke="var(--jp-border-color1)" />
        <YAxis allowDecimals={false} width={32} tick={TICK} stroke="var(--jp-border-color1)" />
        <Tooltip
          cursor={{ fill: 'var(--jp-layout-color2)' }}
          contentStyle={{
            background: 'var(--jp-layout-color1)',
            border: '1px solid var(--jp-border-color1)',
            color: 'var(--jp-ui-font-color1)',
            fontSize: 'var(--jp-ui-font-size0)'
          }}
          formatter={(value: unknown) => [String(value), props.countLabel]}
        />
        <Bar dataKey="count" fill="var(--jp-brand-color1)" isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
}
