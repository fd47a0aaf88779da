import type { JobQuota } from '@hotstepper/api';
import { Meter, formatBytes, formatCores, levelOf } from '@hotstepper/core';
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

export interface IQuotaBarProps {
  quota: JobQuota;
  trans: TranslationBundle;
}

/** Full at the limit, a warning from 80 % of it. */
const THRESHOLDS = { warnThreshold: 0.8, dangerThreshold: 1 };

function sourceText(quota: JobQuota, trans: TranslationBundle): string {
  switch (quota.source) {
    case 'local':
      return trans.__('Quota on this machine');
    case 'resourcequota':
      return trans.__("Your namespace's quota");
    case 'slurm':
      return trans.__('Slurm limits');
    default:
      return trans.__('No quota');
  }
}

/**
 * What the running jobs take against what they may take. A resource without a limit shows
 * what is used in words rather than a bar against nothing; with no limit at all there is
 * only a line.
 */
export function QuotaBar({ quota, trans }: IQuotaBarProps): JSX.Element {
  const amounts = [
    {
      part: 'cpu',
      label: trans.__('CPU'),
      amount: quota.cpu,
      format: (n: number) => formatCores(n)
    },
    {
      part: 'memory',
      label: trans.__('Memory'),
      amount: quota.memory,
      format: (n: number) => formatBytes(n)
    },
    ...(quota.gpu
      ? [
          {
            part: 'gpu',
            label: trans.__('GPU'),
            amount: quota.gpu,
            format: (n: number) => String(n)
          }
        ]
      : [])
  ];
  const limited = amounts.filter(a => a.amount.limit !== null);
  const unlimited = amounts.filter(a => a.amount.limit === null && a.amount.used > 0);
  return (
    <section
      className="hs-Jobs-quota"
      aria-label={trans.__('Job quota')}
      data-source={quota.source}
    >
      {limited.map(a => {
        const limit = a.amount.limit!;
        const fraction = limit > 0 ? a.amount.used / limit : 1;
        return (
          <Meter
            key={a.part}
            part={a.part}
            label={a.label}
            value={trans.__('%1 of %2', a.format(a.amount.used), a.format(limit))}
            fraction={fraction}
            level={levelOf(fraction, THRESHOLDS)}
            ariaLabel={trans.__('%1 used by jobs', a.label)}
          />
        );
      })}
      {unlimited.length > 0 && (
        <p className="hs-Panel-note hs-Jobs-quotaUnlimited">
          {trans.__(
            'In use without a limit: %1',
            unlimited.map(a => `${a.label} ${a.format(a.amount.used)}`).join(', ')
          )}
        </p>
      )}
      <p className="hs-Panel-note hs-Jobs-quotaSource">
        {sourceText(quota, trans)}
        {quota.note ? ` — ${quota.note}` : ''}
      </p>
    </section>
  );
}
