import { formatBytes, formatCores, formatPercent } from '@hotstepper/core';
import type { UsageSnapshot } from '@hotstepper/api';
import { ReactWidget } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';
import type { MeterLevel } from '@hotstepper/core';
import type { IUsageModel } from '../tokens';

export interface IUsageStatusProps {
  model: IUsageModel;
  trans: TranslationBundle;
}

/** Where a limit comes from, as one plain sentence. */
export function limitSentence(
  what: 'CPU' | 'memory',
  source: UsageSnapshot['cpu']['limitSource'],
  trans: TranslationBundle
): string {
  switch (source) {
    case 'cgroup':
      return what === 'CPU'
        ? trans.__("The CPU limit is the container's.")
        : trans.__("The memory limit is the container's.");
    case 'env':
      return what === 'CPU'
        ? trans.__('The CPU limit was set by the hub.')
        : trans.__('The memory limit was set by the hub.');
    default:
      return what === 'CPU'
        ? trans.__('No CPU limit is set: the figure is against the whole machine.')
        : trans.__('No memory limit is set: the figure is against the whole machine.');
  }
}

/** Where a reading comes from, as one sentence. */
function sourceSentence(source: UsageSnapshot['source'], trans: TranslationBundle): string {
  switch (source) {
    case 'cgroup2':
    case 'cgroup1':
      return trans.__("Read from the container's cgroup.");
    default:
      return trans.__("Read from the Jupyter server's processes.");
  }
}

/** The full figures of one reading, one sentence per fact: the status item's tooltip. */
export function snapshotDetails(s: UsageSnapshot, trans: TranslationBundle): string {
  const cpu = s.cpu.used / s.cpu.limit;
  const mem = s.memory.used / s.memory.limit;
  return [
    trans.__(
      'CPU: %1 of %2 (%3).',
      formatCores(s.cpu.used),
      formatCores(s.cpu.limit),
      formatPercent(cpu)
    ),
    limitSentence('CPU', s.cpu.limitSource, trans),
    trans.__(
      'Memory: %1 of %2 (%3).',
      formatBytes(s.memory.used),
      formatBytes(s.memory.limit),
      formatPercent(mem)
    ),
    limitSentence('memory', s.memory.limitSource, trans),
    sourceSentence(s.source, trans),
    trans.__('Measured at %1.', new Date(s.sampledAt).toLocaleTimeString())
  ].join('\n');
}

/** One figure, coloured by its level (a badge, see base.css). */
function Figure(props: { label: string; value: string; level: MeterLevel; part: string }) {
  return (
    <span className={`hs-UsageStatus-${props.part} hs-mod-${props.level}`} data-level={props.level}>
      {props.label} <span className="hs-UsageStatus-value">{props.value}</span>
    </span>
  );
}

/**
 * The status bar text, compact and of fixed width so changing figures never move the items
 * beside it: "CPU 45 % · Mem 30 %", coloured by thresholds; the full figures in the tooltip.
 */
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
  const title = snapshotDetails(s, trans);
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
        value={formatPercent(mem)}
        level={model.level(mem)}
      />
    </span>
  );
}

/**
 * The status bar widget: re-renders whenever the model changes. It is one tab stop, and
 * Enter or Space does what a click does (`onActivate`).
 */
export class UsageStatusItem extends ReactWidget {
  constructor(
    private readonly model: IUsageModel,
    private readonly trans: TranslationBundle,
    onActivate?: () => void
  ) {
    super();
    this.addClass('hs-UsageStatus-item');
    this.addClass('hs-FocusRing');
    this.node.tabIndex = 0;
    this.node.setAttribute('role', 'button');
    this.node.setAttribute('aria-label', trans.__('Usage: open the usage panel'));
    if (onActivate) {
      this.node.addEventListener('click', () => onActivate());
      this.node.addEventListener('keydown', event => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          onActivate();
        }
      });
    }
    model.changed.connect(() => this.update(), this);
  }

  protected render(): JSX.Element {
    return <UsageStatus model={this.model} trans={this.trans} />;
  }
}
