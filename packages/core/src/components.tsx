import { nullTranslator, type TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

/** How full something is against its limit, for colouring. */
export type MeterLevel = 'ok' | 'warn' | 'danger';

export interface IThresholds {
  /** Fraction of the limit from which it is `warn` (inclusive). */
  warnThreshold: number;
  /** Fraction of the limit from which it is `danger` (inclusive). */
  dangerThreshold: number;
}

/** The level of a fraction of a limit; no reading is `ok`. A warning above the danger line never shows. */
export function levelOf(
  fraction: number | null | undefined,
  { warnThreshold, dangerThreshold }: IThresholds
): MeterLevel {
  if (fraction === undefined || fraction === null || !Number.isFinite(fraction)) {
    return 'ok';
  }
  return fraction >= dangerThreshold
    ? 'danger'
    : fraction >= Math.min(warnThreshold, dangerThreshold)
      ? 'warn'
      : 'ok';
}

function classes(...names: Array<string | false | undefined>): string {
  return names.filter(Boolean).join(' ');
}

const defaultTrans = (): TranslationBundle => nullTranslator.load('hotstepper');

/** "14:02:11 (3 min ago)": when, and how long ago, for figures kept from before. */
export function formatAge(at: number, trans: TranslationBundle, now = Date.now()): string {
  const minutes = Math.max(0, Math.round((now - at) / 60_000));
  const time = new Date(at).toLocaleTimeString();
  if (minutes < 1) {
    return trans.__('%1 (less than a minute ago)', time);
  }
  if (minutes < 120) {
    return trans.__('%1 (%2 min ago)', time, minutes);
  }
  return trans.__('%1 (%2 h ago)', new Date(at).toLocaleString(), Math.round(minutes / 60));
}

export interface IMeterProps {
  /** What is measured, e.g. "CPU". */
  label: string;
  /** The figure as text, e.g. "0.4 of 2 CPU (20 %)". */
  value: string;
  /** Fraction of the limit; above 1 fills the bar. Null: no reading. */
  fraction: number | null;
  level: MeterLevel;
  /** Part name, giving the class `hs-Meter-<part>`, e.g. "cpu". */
  part?: string;
  /** What a screen reader calls the bar; default `label`. */
  ariaLabel?: string;
  className?: string;
}

/** A labelled bar against a limit, coloured by its level. */
export function Meter(props: IMeterProps): JSX.Element {
  const { label, value, fraction, level, part } = props;
  const percent = fraction === null ? 0 : Math.max(0, Math.min(100, fraction * 100));
  return (
    <div className={classes('hs-Meter', part && `hs-Meter-${part}`, props.className)}>
      <div className="hs-Meter-text">
        <span className="hs-Meter-label">{label}</span>
        <span className="hs-Meter-value">{value}</span>
      </div>
      <div
        className="hs-Meter-track"
        role="meter"
        aria-label={props.ariaLabel ?? label}
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

export interface ILoadingViewProps {
  /** Default "Loading…". */
  label?: string;
  className?: string;
  trans?: TranslationBundle;
}

/** Waiting for the first answer. */
export function LoadingView(props: ILoadingViewProps): JSX.Element {
  const trans = props.trans ?? defaultTrans();
  return (
    <p className={classes('hs-Panel-loading', props.className)} role="status">
      {props.label ?? trans.__('Loading…')}
    </p>
  );
}

export interface IErrorViewProps {
  /** What went wrong, in the backend's words. */
  message: string;
  /** Offers a Retry button when given. */
  onRetry?: () => void;
  /** Default "Retry". */
  retryLabel?: string;
  className?: string;
  trans?: TranslationBundle;
}

/** Nothing to show because a request failed; with a retry button when it may help. */
export function ErrorView(props: IErrorViewProps): JSX.Element {
  const trans = props.trans ?? defaultTrans();
  const className = classes('hs-Panel-error', props.className);
  if (!props.onRetry) {
    return (
      <p className={className} role="alert">
        {props.message}
      </p>
    );
  }
  return (
    <div className={className} role="alert">
      <p>{props.message}</p>
      <button type="button" className="jp-mod-styled jp-mod-reject" onClick={props.onRetry}>
        {props.retryLabel ?? trans.__('Retry')}
      </button>
    </div>
  );
}

export interface IStaleNoteProps {
  /** Why the last refresh failed; nothing is shown without one (or `refreshing`). */
  error?: string;
  /** The figures are kept from before (a reload) and the first answer is awaited. */
  refreshing?: boolean;
  /** Unix ms of the last successful answer. */
  updatedAt?: number;
  className?: string;
  trans?: TranslationBundle;
}

/** Above figures that are out of date: since when, and why. */
export function StaleNote(props: IStaleNoteProps): JSX.Element | null {
  const { error, updatedAt } = props;
  const trans = props.trans ?? defaultTrans();
  if (!error && props.refreshing && updatedAt) {
    return (
      <p className={classes('hs-Panel-stale', props.className)} role="status">
        {trans.__('Last figures, from %1. Updating…', formatAge(updatedAt, trans))}
      </p>
    );
  }
  if (!error) {
    return null;
  }
  return (
    <p className={classes('hs-Panel-stale', props.className)} role="alert">
      {updatedAt
        ? trans.__('Not updated since %1: %2', new Date(updatedAt).toLocaleTimeString(), error)
        : trans.__('Not up to date: %1', error)}
    </p>
  );
}
