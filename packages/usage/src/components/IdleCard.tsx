import type { IdleStatus } from '@hotstepper/api';
import React from 'react';
import { idleRows, idleYMax, timeFormat } from '../chartData';
import {
  formatIdleValue,
  formatWhen,
  idleCounter,
  idleReason,
  idleRemoval,
  idleRule,
  idleVerdict,
  isCountingDown
} from '../idle';
import { Card } from './Card';
import { IdleChart } from './lazyCharts';
import type { ICardViewProps } from './NowCard';

/**
 * The idle clean-up as the platform applies it: today's verdict and why,
 * the last 24 h against the threshold, the idle-day counter and the date
 * of removal.
 */
export function IdleCard({ model, trans }: ICardViewProps): JSX.Element {
  return (
    <Card<IdleStatus>
      name="idle"
      title={trans.__('Idle clean-up')}
      state={model.idle}
      trans={trans}
    >
      {status => {
        if (!status.enabled) {
          return (
            <p className="hs-IdleCard-off">{trans.__('Idle clean-up is off on this server.')}</p>
          );
        }
        const countingDown = isCountingDown(status);
        const rows = idleRows(status);
        const formatValue = (v: number) => formatIdleValue(status, v);
        return (
          <>
            <p className="hs-IdleCard-verdict" data-verdict={status.verdict}>
              <span className={`hs-IdleCard-badge hs-mod-${status.verdict}`}>
                {idleVerdict(status, trans)}
              </span>
              <span className="hs-IdleCard-reason">{idleReason(status, trans)}</span>
            </p>
            {rows.some(r => r.value !== null) ? (
              <IdleChart
                trans={trans}
                rows={rows}
                threshold={status.threshold}
                thresholdLabel={trans.__('threshold %1', formatValue(status.threshold))}
                valueLabel={
                  status.resource === 'gpu'
                    ? trans.__('GPU utilisation per segment')
                    : trans.__('CPU per segment')
                }
                yMax={idleYMax(status)}
                formatTime={timeFormat('day')}
                formatValue={formatValue}
              />
            ) : (
              <p className="hs-Panel-empty hs-UsageCard-empty">
                {trans.__('No readings in the last 24 h.')}
              </p>
            )}
            <p className="hs-Panel-note hs-UsageCard-note">{idleRule(status, trans)}</p>
            <dl className="hs-IdleCard-facts">
              <div className="hs-IdleCard-fact" data-fact="counter">
                <dt>{trans.__('Counter')}</dt>
                <dd className="hs-IdleCard-counter">{idleCounter(status, trans)}</dd>
              </div>
              <div className="hs-IdleCard-fact" data-fact="removal">
                <dt>{trans.__('Removal')}</dt>
                <dd
                  className={`hs-IdleCard-removal${countingDown ? ' hs-mod-counting' : ''}`}
                  data-counting={countingDown}
                >
                  {idleRemoval(status, trans)}
                </dd>
              </div>
              <div className="hs-IdleCard-fact" data-fact="next">
                <dt>{trans.__('Next check')}</dt>
                <dd>{formatWhen(status.nextCheck)}</dd>
              </div>
            </dl>
          </>
        );
      }}
    </Card>
  );
}
