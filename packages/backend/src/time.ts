/**
 * Local time, in the server's zone or a named one. Through Intl rather than Date's local
 * getters so that tests can name a zone: jest gives each test file a copy of process.env, and
 * setting TZ there does not reach the clock.
 */

const formatters = new Map<string | undefined, Intl.DateTimeFormat>();

/** The wall-clock fields of `at` in `timeZone` (undefined: the server's own zone). */
export function wallClock(at: number, timeZone?: string) {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric'
    });
    formatters.set(timeZone, format);
  }
  const f: Record<string, number> = {};
  for (const part of format.formatToParts(at)) {
    if (part.type !== 'literal') {
      f[part.type] = Number(part.value);
    }
  }
  return {
    year: f.year,
    month: f.month,
    day: f.day,
    hour: f.hour,
    minute: f.minute,
    second: f.second
  };
}

/** How far ahead of UTC the wall clock of `timeZone` is at `at`, in ms. */
export function zoneOffset(at: number, timeZone?: string): number {
  const c = wallClock(at, timeZone);
  const wholeSecond = at - (((at % 1000) + 1000) % 1000);
  return Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second) - wholeSecond;
}

/** The start of the `width`-wide bucket holding `at`, buckets aligned to the given UTC offset. */
export function alignDown(at: number, width: number, offset: number): number {
  const shifted = at + offset;
  return shifted - (((shifted % width) + width) % width) - offset;
}

/**
 * The instant a local calendar day reaches `hour`:00 (month 1-12; days past the month's end
 * roll over); hour 0 is the local midnight.
 */
export function localTime(
  year: number,
  month: number,
  day: number,
  hour = 0,
  timeZone?: string,
  minute = 0
): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const guess = wall - zoneOffset(wall, timeZone);
  // Again with the offset in force at the guess, in case the clocks changed in between.
  return wall - zoneOffset(guess, timeZone);
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** YYYY-MM-DD of the local calendar day holding `at` (undefined zone: the server's). */
export function localDate(at: number, timeZone?: string): string {
  const { year, month, day } = wallClock(at, timeZone);
  return `${year}-${pad2(month)}-${pad2(day)}`;
}
