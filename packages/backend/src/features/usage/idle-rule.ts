/**
 * The idle clean-up, as the platform applies it: once a day at `idle.checkHour` (server local
 * time) the last 24 h are cut into `idle.segmentMinutes` segments, each segment's value is the
 * mean of its samples, and the busiest segment decides. When the server reserved a GPU only GPU
 * utilisation counts, else CPU cores. Below the threshold (strictly) the day is idle and a
 * counter of consecutive idle days goes up; a busy day resets it; a day without samples is
 * unknown and leaves it. When the counter passes the maximum the server is due for removal,
 * and with `idle.enforce: hub` the watch (idle-watch.ts) has it stopped.
 */
import type { IdleResource, IdleStatus } from '@hotstepper/api';
import type { Config } from '../../config';
import { localTime, wallClock } from '../../time';

const DAY_MS = 24 * 3600_000;

export type IdleConfig = Config['idle'];
export type IdleVerdict = IdleStatus['verdict'];
export type IdleSegment = IdleStatus['segments'][number];

/** One reading of the resource that counts; null where it was not reported (MIG utilisation). */
export interface IdleSample {
  ts: number;
  value: number | null;
}

/**
 * The `spanMs` before `end` in `segmentMs` segments, oldest first: each segment starts at `t`
 * and its value is the mean of the samples in it, null when it holds none. When the segment
 * does not divide the span the oldest segment is cut short: the span is never exceeded.
 */
export function segmentMeans(
  samples: Iterable<IdleSample>,
  end: number,
  segmentMs: number,
  spanMs = DAY_MS
): IdleSegment[] {
  const count = Math.ceil(spanMs / segmentMs);
  const start = end - count * segmentMs;
  const from = end - spanMs;
  const means = new Array<number>(count).fill(0);
  const counts = new Array<number>(count).fill(0);
  for (const { ts, value } of samples) {
    if (value === null || !Number.isFinite(value) || ts < from || ts >= end) {
      continue;
    }
    const i = Math.floor((ts - start) / segmentMs);
    counts[i] += 1;
    // A running mean: a segment of readings all at the threshold has its mean exactly there,
    // where sum / n can land a rounding error below it.
    means[i] += (value - means[i]) / counts[i];
  }
  return means.map((mean, i) => ({ t: start + i * segmentMs, value: counts[i] ? mean : null }));
}

/** The value of the busiest segment; null when no segment has samples. */
export function busiestSegment(segments: readonly IdleSegment[]): number | null {
  let busiest: number | null = null;
  for (const { value } of segments) {
    if (value !== null && (busiest === null || value > busiest)) {
      busiest = value;
    }
  }
  return busiest;
}

/** Idle only strictly below the threshold: a value exactly at it is busy. */
export function idleVerdict(busiest: number | null, threshold: number): IdleVerdict {
  if (busiest === null) {
    return 'unknown';
  }
  return busiest < threshold ? 'idle' : 'busy';
}

/** The counter of consecutive idle days after a check with this verdict. */
export function nextIdleDays(previous: number, verdict: IdleVerdict): number {
  switch (verdict) {
    case 'idle':
      return previous + 1;
    case 'busy':
      return 0;
    default:
      return previous;
  }
}

/** The threshold and limit of the resource that counts. */
export function idleRule(
  config: IdleConfig,
  resource: IdleResource
): { threshold: number; maxIdleDays: number } {
  return resource === 'gpu'
    ? { threshold: config.gpuThreshold, maxIdleDays: config.gpuMaxIdleDays }
    : { threshold: config.cpuThreshold, maxIdleDays: config.cpuMaxIdleDays };
}

/** The first daily check strictly after `now`: `checkHour`:`checkMinute` local time, today or tomorrow. */
export function nextCheckAt(
  now: number,
  checkHour: number,
  timeZone?: string,
  checkMinute = 0
): number {
  const { year, month, day } = wallClock(now, timeZone);
  const today = localTime(year, month, day, checkHour, timeZone, checkMinute);
  return today > now ? today : localTime(year, month, day + 1, checkHour, timeZone, checkMinute);
}

/** The daily check `days` local days after the check at `check`. */
export function checkAfterDays(
  check: number,
  days: number,
  checkHour: number,
  timeZone?: string,
  checkMinute = 0
): number {
  const { year, month, day } = wallClock(check, timeZone);
  return localTime(year, month, day + days, checkHour, timeZone, checkMinute);
}

export interface RemovalInput {
  /** The counter after the last check. */
  idleDays: number;
  maxIdleDays: number;
  /** Today's verdict so far. */
  verdict: IdleVerdict;
  nextCheck: number;
  /** When the last check ran; null before the first. */
  lastCheck: number | null;
  checkHour: number;
  checkMinute?: number;
  timeZone?: string;
}

/**
 * The check at which the counter passes `maxIdleDays` if every day from now on is idle: the
 * counter must reach max + 1, one step per check, the first step at the next check. Null when
 * the server is not counting down (counter 0 and busy today). When the counter has already
 * passed the maximum (enforcement off or failed), the removal was due at the last check.
 */
export function removalAt(input: RemovalInput): number | null {
  const { idleDays, maxIdleDays, verdict, nextCheck, lastCheck, checkHour, checkMinute, timeZone } =
    input;
  if (idleDays === 0 && verdict === 'busy') {
    return null;
  }
  if (idleDays > maxIdleDays) {
    return lastCheck ?? nextCheck;
  }
  return checkAfterDays(nextCheck, maxIdleDays - idleDays, checkHour, timeZone, checkMinute);
}

/**
 * Whether the frontend should warn: enabled, and an idle day counted or the removal within
 * `warnDaysBefore` days.
 */
export function idleWarning(
  config: IdleConfig,
  idleDays: number,
  removal: number | null,
  now: number
): boolean {
  if (!config.enabled) {
    return false;
  }
  return idleDays > 0 || (removal !== null && removal - now <= config.warnDaysBefore * DAY_MS);
}
