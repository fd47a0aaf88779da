import type { IdleStatus } from '@hotstepper/api';
import React from 'react';
import { idleRows, idleTicks, timeFormat } from '../chartData';
import {
  formatIdleValue,
  formatWhen,
  idleCounter,
  idleEnforcement,
  idleReason,
  idleRemoval,
  idleRule,
  idleVerdict,
  isCountingDown
} from '../idle';

/** The verdict's badge colour: idle is a warning, busy is fine. */
const VERDICT_MOD: Record<IdleStatus['verdict'], string> = {
  idle: 'hs-mod-warn',
  busy: 'hs-mod-success',
  unknown: 'hs-mod-neutral'
};
import { Card } from './Card';
import { IdleChart } from './lazyCharts';
import { chartSize, type ICardViewProps } from './NowCard';

/**
 * The idle clean-up as the platform applies it: today's verdict and why,
 * the last 24 h against the threshold, the idle-day counter and the date
 * of removal.
 */
export function IdleCard({ model, trans, size }: ICardViewProps): JSX.Element {
  const { height, intervals } = chartSize(size, 110);
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
              <span className={`hs-Badge hs-IdleCard-badge ${VERDICT_MOD[status.verdict]}`}>
                {idleVerdict(status, trans)}
              </span>
              <span className="hs-IdleCard-reason">{idleReason(status, trans)}</span>
            </p>
            {rows.some(r => r.value !== null) ? (
              <IdleChart
                trans={trans}
                summary={trans.__(
                  '%1 per %2-minute segment over the last 24 hours; the busiest %3, the threshold %4.',
                  status.resource === 'gpu' ? trans.__('GPU utilisation') : trans.__('CPU'),
                  status.segmentMinutes,
                  status.busiest === null ? '–' : formatValue(status.busiest),
                  formatValue(status.threshold)
                )}
                rows={rows}
                height={height}
                threshold={status.threshold}
                thresholdLabel={trans.__('threshold %1', formatValue(status.threshold))}
                valueLabel={
                  status.resource === 'gpu'
                    ? trans.__('GPU utilisation per segment')
                    : trans.__('CPU per segment')
                }
                ticks={idleTicks(status, intervals)}
                formatTime={timeFormat('day')}
                formatValue={formatValue}
              />
            ) : (
              <p className="hs-Panel-empty hs-UsageCard-empty">
                {trans.__('No readings in the last 24 h.')}
              </p>
            )}
            <p className="hs-Panel-note hs-UsageCard-note">{idleRule(status, trans)}</p>
            {idleEnforcement(status, trans) && (
              <p className="hs-Panel-note hs-UsageCard-note hs-IdleCard-enforce">
                {idleEnforcement(status, trans)}
              </p>
            )}
            <dl className="hs-IdleCard-facts">
              <div className="hs-IdleCard-fact" data-fact="counter">
                <dt>{trans.__('Counter')}</dt>
                <dd className="hs-IdleCard-counter">{idleCounter(status, trans)}</dd>
              </div>
              <div className="hs-IdleCard-fact" data-fact="removal">
                <dt>{status.enforce === 'off' ? trans.__('By the rule') : trans.__('Removal')}</dt>
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
