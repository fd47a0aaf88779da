/**
 * The charts, loaded on first use: `import('./charts')` makes rspack put
 * them and recharts in a chunk of their own, so JupyterLab's start-up does
 * not download or evaluate recharts.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';
import type { ICostChartProps, IHistoryChartProps, IIdleChartProps } from './charts';

let loading: Promise<typeof import('./charts')> | undefined;
/**
 * One import for all three (a failed load is tried again next time). Called early by a panel
 * that will draw charts, so the chunk downloads while the figures are asked for.
 */
export function loadCharts(): Promise<typeof import('./charts')> {
  loading ??= import('./charts').catch(err => {
    loading = undefined;
    throw err;
  });
  return loading;
}

const LazyHistory = React.lazy(() => loadCharts().then(m => ({ default: m.HistoryChart })));
const LazyCost = React.lazy(() => loadCharts().then(m => ({ default: m.CostChart })));
const LazyIdle = React.lazy(() => loadCharts().then(m => ({ default: m.IdleChart })));

interface IBoundaryProps {
  trans: TranslationBundle;
  height: number;
  /** What the chart shows, in words: its label for screen readers and its tooltip. */
  summary: string;
  children: React.ReactNode;
}

/** Says so when the chart chunk cannot be loaded (e.g. the server went away). */
class ChartBoundary extends React.Component<IBoundaryProps, { error?: Error }> {
  state: { error?: Error } = {};

  static getDerivedStateFromError(error: Error): { error: Error } {
    return { error };
  }

  componentDidMount(): void {
    // Chromium can tab into recharts' SVG groups (its z-index layers): keep every element
    // inside the chart out of the tab order, as it is drawn and redrawn.
    const frame = this._frame.current;
    if (frame && typeof MutationObserver !== 'undefined') {
      const untab = () =>
        frame.querySelectorAll('svg, svg *').forEach(el => {
          if (el.getAttribute('tabindex') !== '-1') {
            el.setAttribute('tabindex', '-1');
          }
        });
      untab();
      this._observer = new MutationObserver(untab);
      this._observer.observe(frame, { childList: true, subtree: true });
    }
  }

  componentWillUnmount(): void {
    this._observer?.disconnect();
  }

  private readonly _frame = React.createRef<HTMLDivElement>();
  private _observer: MutationObserver | undefined;

  render(): React.ReactNode {
    const { trans, height, summary } = this.props;
    if (this.state.error) {
      return (
        <p className="hs-Panel-error hs-UsageChart-error" role="alert">
          {trans.__('The chart could not be drawn: %1', this.state.error.message)}
        </p>
      );
    }
    // One tab stop per chart, read as its summary; nothing inside the SVG takes focus.
    return (
      <div
        ref={this._frame}
        className="hs-UsageChart-frame"
        tabIndex={0}
        role="img"
        aria-label={summary}
        title={summary}
      >
        {this.suspense(height)}
      </div>
    );
  }

  private suspense(height: number): React.ReactNode {
    const { trans } = this.props;
    return (
      <React.Suspense
        fallback={
          <div className="hs-UsageChart-loading" style={{ height }} role="status">
            {trans.__('Loading chart…')}
          </div>
        }
      >
        {this.props.children}
      </React.Suspense>
    );
  }
}

type WithTrans<P> = P & { trans: TranslationBundle; summary: string };

export function HistoryChart({
  trans,
  summary,
  ...props
}: WithTrans<IHistoryChartProps>): JSX.Element {
  return (
    <ChartBoundary trans={trans} summary={summary} height={props.height ?? 110}>
      <LazyHistory {...props} />
    </ChartBoundary>
  );
}

export function CostChart({ trans, summary, ...props }: WithTrans<ICostChartProps>): JSX.Element {
  return (
    <ChartBoundary trans={trans} summary={summary} height={props.height ?? 150}>
      <LazyCost {...props} />
    </ChartBoundary>
  );
}

export function IdleChart({ trans, summary, ...props }: WithTrans<IIdleChartProps>): JSX.Element {
  return (
    <ChartBoundary trans={trans} summary={summary} height={props.height ?? 110}>
      <LazyIdle {...props} />
    </ChartBoundary>
  );
}
