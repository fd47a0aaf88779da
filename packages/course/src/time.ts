/**
 * Due dates: nbgrader takes a time with its offset; people think in a wall-clock time in a
 * zone. These convert between the two with the browser's own zone data (Intl).
 */

const pad = (n: number) => String(n).padStart(2, '0');

/** The user's own zone, e.g. "Europe/Prague". */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** The zones the browser knows, the user's first (for a picker). */
export function knownZones(): string[] {
  const own = localZone();
  const all = (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.(
    'timeZone'
  ) ?? ['UTC'];
  return [own, ...all.filter(z => z !== own)];
}

/** The wall clock in `zone` at the instant `ms`, as its parts. */
function wallClock(ms: number, zone: string): number[] {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit'
  }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find(p => p.type === type)?.value);
  return [get('year'), get('month'), get('day'), get('hour'), get('minute'), get('second')];
}

/** Minutes `zone` is ahead of UTC at the instant `ms`. */
export function zoneOffset(ms: number, zone: string): number {
  const [y, mo, d, h, mi, s] = wallClock(ms, zone);
  return Math.round((Date.UTC(y, mo - 1, d, h, mi, s) - Math.floor(ms / 1000) * 1000) / 60_000);
}

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/**
 * "2026-12-01T23:59" read in `zone` → "2026-12-01T23:59:00+01:00", the form the contract's due
 * date takes. Null for a value that is not a date and time.
 */
export function zonedToIso(local: string, zone: string): string | null {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d))?$/.exec(local);
  if (!m) {
    return null;
  }
  const [y, mo, d, h, mi, s] = m.slice(1).map(v => Number(v ?? 0));
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  // The offset at the guessed instant, then again at the corrected one (a DST change between).
  let offset = zoneOffset(asUtc, zone);
  offset = zoneOffset(asUtc - offset * 60_000, zone);
  return `${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}${offsetText(offset)}`;
}

/** The instant `iso` as "YYYY-MM-DDTHH:mm" in `zone`: the value of a datetime-local input. */
export function isoToZoned(iso: string, zone: string): string {
  const [y, mo, d, h, mi] = wallClock(Date.parse(iso), zone);
  return `${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}`;
}

/** "1 Dec 2026, 23:59 (Europe/Prague)": a due date as people read it, in its own zone. */
export function formatDue(iso: string, zone?: string, locale?: string): string {
  const at = new Date(iso);
  const text = new Intl.DateTimeFormat(locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: zone || undefined
  }).format(at);
  return zone ? `${text} (${zone})` : text;
}
