import type { JobQuota } from '@hotstepper/api';
import { formatBytes, formatCores } from '@hotstepper/core';
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

export interface IQuotaBarProps {
  quota: JobQuota;
  trans: TranslationBundle;
}

interface IMeterProps {
  part: string;
  label: string;
  used: number;
  limit: number;
  format: (n: number) => string;
  trans: TranslationBundle;
}

function QuotaMeter({ part, label, used, limit, format, trans }: IMeterProps): JSX.Element {
  const fraction = limit > 0 ? used / limit : 1;
  const percent = Math.round(Math.max(0, Math.min(1, fraction)) * 100);
  const level = fraction >= 1 ? 'full' : fraction >= 0.8 ? 'high' : 'ok';
  const text = trans.__('%1 of %2', format(used), format(limit));
  return (
    <div className={`hs-Jobs-quotaMeter hs-Jobs-quota-${part}`}>
      <div className="hs-Jobs-quotaText">
        <span className="hs-Jobs-quotaLabel">{label}</span>
        <span className="hs-Jobs-quotaValue">{text}</span>
      </div>
      <div
        className="hs-Jobs-quotaTrack"
        role="meter"
        aria-label={trans.__('%1 used by jobs', label)}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={text}
      >
        <div className={`hs-Jobs-quotaFill hs-mod-${level}`} style={{ width: `${percent}%` }} />
      </div>
    </div>
  );
}

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
      {limited.map(a => (
        <QuotaMeter
          key={a.part}
          part={a.part}
          label={a.label}
          used={a.amount.used}
          limit={a.amount.limit!}
          format={a.format}
          trans={trans}
        />
      ))}
      {unlimited.length > 0 && (
        <p className="hs-Jobs-quotaUnlimited">
          {trans.__(
            'In use without a limit: %1',
            unlimited.map(a => `${a.label} ${a.format(a.amount.used)}`).join(', ')
          )}
        </p>
      )}
      <p className="hs-Jobs-quotaSource">
        {sourceText(quota, trans)}
        {quota.note ? ` — ${quota.note}` : ''}
      </p>
    </section>
  );
}
