/** Flare's words for times and traffic. Pure functions of their inputs and `now`. */
import type { Exposure, FlareProtection } from '@hotstepper/api';
import { formatDuration } from '@hotstepper/core';
import type { TranslationBundle } from '@jupyterlab/translation';

/** The expiry choices of the expose form, in minutes; `never` is until unexposed. */
export const EXPIRY_CHOICES = ['never', '1h', '8h', '1d', '1w'] as const;
export type ExpiryChoice = (typeof EXPIRY_CHOICES)[number];

export const EXPIRY_MINUTES: Record<ExpiryChoice, number | undefined> = {
  never: undefined,
  '1h': 60,
  '8h': 480,
  '1d': 1440,
  '1w': 10080
};

export function expiryLabel(choice: ExpiryChoice, trans: TranslationBundle): string {
  switch (choice) {
    case 'never':
      return trans.__('Never (until unexposed)');
    case '1h':
      return trans.__('In 1 hour');
    case '8h':
      return trans.__('In 8 hours');
    case '1d':
      return trans.__('In 1 day');
    case '1w':
      return trans.__('In 1 week');
  }
}

export function protectionLabel(protection: FlareProtection, trans: TranslationBundle): string {
  switch (protection) {
    case 'none':
      return trans.__('Public');
    case 'password':
      return trans.__('Password');
    case 'secret-link':
      return trans.__('Secret link');
  }
}

/** "just now", "45 s ago", "2 min ago", "3 h ago", "2 d ago". */
export function formatAgo(iso: string, trans: TranslationBundle, now = Date.now()): string {
  const seconds = Math.max(0, (now - new Date(iso).getTime()) / 1000);
  if (seconds < 5) {
    return trans.__('just now');
  }
  // The largest unit only: "2 min ago" rather than "2 min 5 s ago".
  const [value, unit] = formatDuration(seconds).split(' ');
  const first = `${value} ${unit}`;
  return trans.__('%1 ago', first);
}

/** "No requests yet", "1 request, last just now", "3 requests, last 2 min ago". */
export function formatTraffic(
  exposure: Pick<Exposure, 'requests' | 'lastRequestAt'>,
  trans: TranslationBundle,
  now = Date.now()
): string {
  if (exposure.requests === 0) {
    return trans.__('No requests yet');
  }
  const count = trans._n('%1 request', '%1 requests', exposure.requests);
  return exposure.lastRequestAt
    ? trans.__('%1, last %2', count, formatAgo(exposure.lastRequestAt, trans, now))
    : count;
}

/** "Expires in 7 h 59 min", "Expiring…" once due, "Never expires". */
export function formatExpiry(
  expiresAt: string | undefined,
  trans: TranslationBundle,
  now = Date.now()
): string {
  if (!expiresAt) {
    return trans.__('Never expires');
  }
  const seconds = (new Date(expiresAt).getTime() - now) / 1000;
  return seconds <= 0 ? trans.__('Expiring…') : trans.__('Expires in %1', formatDuration(seconds));
}

/**
 * A command line as the list and the form's port menu show it: the program's base name and its
 * arguments (`python3 -m http.server 8555`, not the interpreter's full path), cut to `max`
 * characters.
 */
export function shortenCommand(command: string, max = 60): string {
  const [program, ...rest] = command.trim().split(/\s+/);
  const short = [program?.split('/').pop() ?? '', ...rest].join(' ');
  return short.length > max ? `${short.slice(0, max - 1)}…` : short;
}

/** A URL split after its dots and slashes, where a line may break (never inside a word). */
export function urlBreaks(url: string): string[] {
  return url.split(/(?<=[./])/);
}
