import { formatBytes, formatCores, formatPercent } from '@hotstepper/core';
import { ReactWidget } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';
import type { MeterLevel } from '@hotstepper/core';
import type { IUsageModel } from '../tokens';

export interface IUsageStatusProps {
  model: IUsageModel;
  trans: TranslationBundle;
}

const SOURCE: Record<string, string> = {
  cgroup2: "the container's cgroup (v2)",
  cgroup1: "the container's cgroup (v1)",
  proc: "the Jupyter server's processes"
};

const LIMIT_SOURCE: Record<string, string> = {
  cgroup: 'container limit',
  env: 'limit set by the hub',
  host: 'no limit: the whole machine'
};

/** One figure, coloured by its level (a badge, see base.css). */
function Figure(props: { label: string; value: string; level: MeterLevel; part: string }) {
  return (
    <span className={`hs-UsageStatus-${props.part} hs-mod-${props.level}`} data-level={props.level}>
      {props.label} {props.value}
    </span>
  );
}

/** The status bar text: "CPU 45 % · Mem 1.2 / 4 GiB", coloured by thresholds. */
export function UsageStatus({ model, trans }: IUsageStatusProps): JSX.Element {
  // While the figures are out of date, the item says so rather than show old ones.
  const { value: s, error } = model.now;
  if (!s || error) {
    const reason = error ?? trans.__('Waiting for the first reading…');
    return (
      <span className="hs-UsageStatus hs-UsageStatus-unavailable" title={reason} role="status">
        {error ? trans.__('usage unavailable') : trans.__('usage…')}
      </span>
    );
  }
  const cpu = s.cpu.used / s.cpu.limit;
  const mem = s.memory.used / s.memory.limit;
  const title = [
    trans.__(
      'CPU: %1 of %2 (%3, %4)',
      formatCores(s.cpu.used),
      formatCores(s.cpu.limit),
      formatPercent(cpu),
      trans.__(LIMIT_SOURCE[s.cpu.limitSource])
    ),
    trans.__(
      'Memory: %1 of %2 (%3, %4)',
      formatBytes(s.memory.used),
      formatBytes(s.memory.limit),
      formatPercent(mem),
      trans.__(LIMIT_SOURCE[s.memory.limitSource])
    ),
    trans.__(
      'Measured from %1 at %2',
      trans.__(SOURCE[s.source]),
      new Date(s.sampledAt).toLocaleTimeString()
    )
  ].join('\n');
  return (
    <span className="hs-UsageStatus" title={title} role="status" aria-label={title}>
      <Figure
        part="cpu"
        label={trans.__('CPU')}
        value={formatPercent(cpu)}
        level={model.level(cpu)}
      />
      <span className="hs-UsageStatus-separator" aria-hidden="true">
        ·
      </span>
      <Figure
        part="memory"
        label={trans.__('Mem')}
        value={`${formatBytes(s.memory.used)} / ${formatBytes(s.memory.limit)}`}
        level={model.level(mem)}
      />
    </span>
  );
}

/** The status bar widget: re-renders whenever the model changes. */
export class UsageStatusItem extends ReactWidget {
  constructor(
    private readonly model: IUsageModel,
    private readonly trans: TranslationBundle
  ) {
    super();
    this.addClass('hs-UsageStatus-item');
    model.changed.connect(() => this.update(), this);
  }

  protected render(): JSX.Element {
    return <UsageStatus model={this.model} trans={this.trans} />;
  }
}
