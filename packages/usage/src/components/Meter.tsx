import React from 'react';
import type { UsageLevel } from '../model';

export interface IMeterProps {
  /** What is measured, e.g. "CPU". */
  label: string;
  /** The figure as text, e.g. "0.4 of 2 CPU (20 %)". */
  value: string;
  /** Fraction of the limit; above 1 fills the bar. Null: no reading. */
  fraction: number | null;
  level: UsageLevel;
  /** Extra CSS part name, e.g. "cpu". */
  part?: string;
}

/** A bar against a limit, coloured by the thresholds like the status item. */
export function Meter({ label, value, fraction, level, part }: IMeterProps): JSX.Element {
  const percent = fraction === null ? 0 : Math.max(0, Math.min(100, fraction * 100));
  return (
    <div className={`hs-Meter${part ? ` hs-Meter-${part}` : ''}`}>
      <div className="hs-Meter-text">
        <span className="hs-Meter-label">{label}</span>
        <span className="hs-Meter-value">{value}</span>
      </div>
      <div
        className="hs-Meter-track"
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(percent)}
        aria-valuetext={value}
      >
        <div
          className={`hs-Meter-fill hs-mod-${level}`}
          data-level={level}
          style={{ width: `${percent}%` }}
        />
      </div>
    </div>
  );
}
