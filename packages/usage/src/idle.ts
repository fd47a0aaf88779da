/**
 * The idle clean-up in words, and the warning notification while the
 * server counts down to its removal. No DOM: the notification goes through
 * JupyterLab's notification manager.
 */
import type { IdleStatus } from '@hotstepper/api';
import { formatCores } from '@hotstepper/core';
import { Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';

/** GPU utilisation thresholds are small fractions: 0.005 → "0.5 %", not "1 %". */
export function formatFraction(value: number, locale?: string): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 2 }).format(
    value
  );
}

/** A value of the idle resource: cores for CPU, a percentage for GPU. */
export function formatIdleValue(status: IdleStatus, value: number, locale?: string): string {
  return status.resource === 'gpu' ? formatFraction(value, locale) : formatCores(value, locale);
}

/**
 * A value next to the threshold, with as many digits as it takes not to
 * read the same as the threshold: "used 0.1004 CPU, not below 0.1 CPU"
 * rather than "used 0.1 CPU, not below 0.1 CPU".
 */
export function formatAgainst(
  status: IdleStatus,
  value: number,
  threshold: number,
  locale?: string
): string {
  const text = formatIdleValue(status, value, locale);
  if (value === threshold || text !== formatIdleValue(status, threshold, locale)) {
    return text;
  }
  const scale = status.resource === 'gpu' ? 100 : 1;
  const unit = status.resource === 'gpu' ? '%' : ' CPU';
  for (let digits = 3; digits <= 6; digits++) {
    const factor = 10 ** digits;
    if (Math.round(value * scale * factor) !== Math.round(threshold * scale * factor)) {
      const more = new Intl.NumberFormat(locale, { maximumFractionDigits: digits });
      return `${more.format(value * scale)}${unit}`;
    }
  }
  return text;
}

/** A removal date as people read it: "Fri, 28 Nov, 03:00". */
export function formatWhen(iso: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit'
  }).format(new Date(iso));
}

/** Today's verdict, short. */
export function idleVerdict(status: IdleStatus, trans: TranslationBundle): string {
  if (!status.enabled) {
    return trans.__('Idle clean-up is off');
  }
  switch (status.verdict) {
    case 'idle':
      return trans.__('Idle so far today');
    case 'busy':
      return trans.__('Busy today');
    default:
      return trans.__('Not known yet');
  }
}

/** Why today counts as idle (or not), in words. */
export function idleReason(status: IdleStatus, trans: TranslationBundle, locale?: string): string {
  if (!status.enabled) {
    return trans.__('This server is not removed for being idle.');
  }
  const minutes = status.segmentMinutes;
  const threshold = formatIdleValue(status, status.threshold, locale);
  if (status.verdict === 'idle') {
    return status.resource === 'gpu'
      ? trans.__(
          'GPU utilisation below %1 in every %2-minute segment of the last 24 h',
          threshold,
          minutes
        )
      : trans.__('CPU below %1 in every %2-minute segment of the last 24 h', threshold, minutes);
  }
  if (status.verdict === 'busy' && status.busiest !== null) {
    const busiest = formatAgainst(status, status.busiest, status.threshold, locale);
    return status.resource === 'gpu'
      ? trans.__(
          'The busiest %1-minute segment of the last 24 h used the GPU at %2, not below %3',
          minutes,
          busiest,
          threshold
        )
      : trans.__(
          'The busiest %1-minute segment of the last 24 h used %2, not below %3',
          minutes,
          busiest,
          threshold
        );
  }
  return trans.__('Not enough readings in the last 24 h to tell');
}

/** What counts: "Only GPU activity counts: this server reserved a GPU." */
export function idleRule(status: IdleStatus, trans: TranslationBundle): string {
  return status.resource === 'gpu'
    ? trans.__('Only GPU activity counts: this server reserved a GPU.')
    : trans.__('CPU activity counts: this server has no GPU.');
}

/** "2 of 4 idle days". */
export function idleCounter(status: IdleStatus, trans: TranslationBundle): string {
  return trans.__('%1 of %2 idle days', status.idleDays, status.maxIdleDays);
}

/** Whether the server is on its way to removal. */
export function isCountingDown(status: IdleStatus): boolean {
  return status.enabled && (status.idleDays > 0 || status.removalAt !== null);
}

/**
 * "Removal on Fri, 28 Nov, 03:00", or "Not counting down". With `enforce: off` nothing removes
 * the server: the date is when the rule would, and the text says so rather than promise it.
 */
export function idleRemoval(status: IdleStatus, trans: TranslationBundle, locale?: string): string {
  if (!isCountingDown(status) || !status.removalAt) {
    return trans.__('Not counting down');
  }
  const when = formatWhen(status.removalAt, locale);
  switch (status.enforce) {
    case 'hub':
      return trans.__('Removal on %1: open notebooks are saved, then the server is stopped', when);
    case 'off':
      return trans.__('The rule would remove it on %1. Nothing removes this server here.', when);
    default:
      return trans.__('Removal on %1', when);
  }
}

/** With `enforce: off`: the rule is shown and counted, but nothing acts on it. */
export function idleEnforcement(status: IdleStatus, trans: TranslationBundle): string | undefined {
  return status.enforce === 'off'
    ? trans.__(
        'The idle rule only counts down here. Nothing stops or removes this server for being idle.'
      )
    : undefined;
}

/** The local calendar day, YYYY-MM-DD. */
function localDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * The warning a status calls for, as a key that changes once a day and
 * whenever the countdown changes; undefined when the backend says there is
 * nothing to warn about (`warning`: clean-up on, and an idle day counted or
 * the removal within the admin's `warnDaysBefore`).
 */
export function idleWarningKey(status: IdleStatus, now: Date): string | undefined {
  if (!status.enabled || !status.warning) {
    return undefined;
  }
  return `${localDay(now)}|${status.idleDays}|${status.removalAt ?? ''}`;
}

/** The warning's text; short, as toasts cut messages at 140 characters. */
export function idleWarningMessage(
  status: IdleStatus,
  trans: TranslationBundle,
  locale?: string
): string {
  const when = status.removalAt ? formatWhen(status.removalAt, locale) : undefined;
  if (status.enforce === 'off') {
    return when
      ? trans.__(
          'Idle for %1 of %2 days. The idle rule would remove this server on %3; nothing removes it here.',
          status.idleDays,
          status.maxIdleDays,
          when
        )
      : trans.__(
          'Idle for %1 of %2 days. The idle rule is counting down; nothing removes this server here.',
          status.idleDays,
          status.maxIdleDays
        );
  }
  if (when) {
    return trans.__(
      'Idle for %1 of %2 days: this server will be removed on %3 unless it is used.',
      status.idleDays,
      status.maxIdleDays,
      when
    );
  }
  return trans.__(
    'Idle for %1 of %2 days: this server will be removed unless it is used.',
    status.idleDays,
    status.maxIdleDays
  );
}

export interface IIdleNotifierOptions {
  trans: TranslationBundle;
  /** The notification's action. */
  openPanel: () => void;
  /** Where the last warning shown is remembered across reloads; none in tests. */
  storage?: Pick<Storage, 'getItem' | 'setItem'> | null;
  /** The current time (tests fix it). */
  now?: () => Date;
  locale?: string;
}

const STORAGE_KEY = '@hotstepper/usage:idle-warning';

/**
 * Shows a warning notification while the server counts down, once per day
 * and per change of the countdown (remembered across page reloads), and
 * takes it back when the server is busy again.
 */
export class IdleNotifier {
  constructor(private readonly options: IIdleNotifierOptions) {}

  /** Whether to warn at all (the user's setting). */
  enabled = true;

  /** The id of the warning on screen, if any. */
  get notificationId(): string | undefined {
    return this._id;
  }

  /** Called with each idle status; shows, keeps or takes back the warning. */
  update(status: IdleStatus): void {
    const now = this.options.now?.() ?? new Date();
    const key = this.enabled ? idleWarningKey(status, now) : undefined;
    if (!key) {
      this.dismiss();
      return;
    }
    if (key === this._key || this._stored() === key) {
      return;
    }
    this.dismiss();
    const { trans, openPanel } = this.options;
    this._key = key;
    this._id = Notification.warning(idleWarningMessage(status, trans, this.options.locale), {
      autoClose: false,
      actions: [
        {
          label: trans.__('Open usage panel'),
          caption: trans.__('Why this server counts as idle, and when it will be removed'),
          callback: () => openPanel()
        }
      ]
    });
    try {
      this.options.storage?.setItem(STORAGE_KEY, key);
    } catch {
      // Storage full or blocked: the warning may then show again after a reload.
    }
  }

  /** Takes the warning off the screen (the key stays: it will not come back today). */
  dismiss(): void {
    if (this._id) {
      Notification.dismiss(this._id);
      this._id = undefined;
    }
  }

  private _stored(): string | null {
    try {
      return this.options.storage?.getItem(STORAGE_KEY) ?? null;
    } catch {
      return null;
    }
  }

  private _id: string | undefined;
  private _key: string | undefined;
}
