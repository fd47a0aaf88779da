import { parseConfig, type Config } from '../src/config';
import {
  busiestSegment,
  idleVerdict,
  idleWarning,
  nextCheckAt,
  nextIdleDays,
  removalAt,
  segmentMeans
} from '../src/features/usage/idle-rule';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** The daily check of 25 Nov 2026 at the default hour, 03:00, in UTC (the tests' zone). */
const CHECK = Date.UTC(2026, 10, 25, 3);

const idleConfig = (idle: Partial<Config['idle']> = {}) => parseConfig({ idle }).idle;

describe('the idle rule', () => {
  describe('segmentMeans', () => {
    it('cuts the 24 h before the end into segments, oldest first, each the mean of its samples', () => {
      const end = CHECK;
      const samples = [
        { ts: end - DAY, value: 1 }, // the first instant of the window
        { ts: end - DAY + MIN, value: 3 },
        { ts: end - 10 * MIN, value: 0.5 },
        { ts: end - 1, value: 0.25 },
        { ts: end - DAY - 1, value: 99 }, // before the window
        { ts: end, value: 99 }, // the end is not in it
        { ts: end - 2 * HOUR, value: null } // not reported
      ];
      const segments = segmentMeans(samples, end, 5 * MIN);
      expect(segments).toHaveLength(288);
      expect(segments[0]).toEqual({ t: end - DAY, value: 2 });
      expect(segments[286]).toEqual({ t: end - 10 * MIN, value: 0.5 });
      expect(segments[287]).toEqual({ t: end - 5 * MIN, value: 0.25 });
      expect(segments.filter(s => s.value !== null)).toHaveLength(3);
      expect(segments.every((s, i) => s.t === end - DAY + i * 5 * MIN)).toBe(true);
    });

    it('never looks further back than 24 h when the segment does not divide the day', () => {
      const end = CHECK;
      const segments = segmentMeans(
        [
          { ts: end - DAY - 1, value: 5 },
          { ts: end - DAY, value: 1 }
        ],
        end,
        7 * MIN
      );
      expect(segments).toHaveLength(Math.ceil(1440 / 7));
      expect(segments[segments.length - 1].t).toBe(end - 7 * MIN);
      expect(segments[0].value).toBe(1);
    });

    it('gives a segment of readings all at the threshold a mean exactly at it', () => {
      // Summed and divided, sixty readings of 0.1 average 0.09999999999999991: below 0.1.
      const samples = Array.from({ length: 60 }, (_, i) => ({
        ts: CHECK - 5 * MIN + i,
        value: 0.1
      }));
      const [last] = segmentMeans(samples, CHECK, 5 * MIN).slice(-1);
      expect(last.value).toBe(0.1);
      expect(idleVerdict(busiestSegment([last]), 0.1)).toBe('busy');
    });
  });

  it('takes the busiest segment, ignoring segments without samples', () => {
    expect(
      busiestSegment([
        { t: 0, value: null },
        { t: 1, value: 0.02 },
        { t: 2, value: 0.07 },
        { t: 3, value: null }
      ])
    ).toBe(0.07);
    expect(busiestSegment([{ t: 0, value: null }])).toBeNull();
    expect(busiestSegment([])).toBeNull();
  });

  it('is idle strictly below the threshold, busy at it, unknown without samples', () => {
    expect(idleVerdict(0.099, 0.1)).toBe('idle');
    expect(idleVerdict(0.1, 0.1)).toBe('busy');
    expect(idleVerdict(0.005, 0.005)).toBe('busy');
    expect(idleVerdict(0, 0.005)).toBe('idle');
    expect(idleVerdict(null, 0.1)).toBe('unknown');
  });

  it('counts idle days up, resets them on a busy day, and keeps them on an unknown day', () => {
    expect(nextIdleDays(0, 'idle')).toBe(1);
    expect(nextIdleDays(3, 'idle')).toBe(4);
    expect(nextIdleDays(3, 'busy')).toBe(0);
    expect(nextIdleDays(3, 'unknown')).toBe(3);
  });

  describe('nextCheckAt', () => {
    it('is today at the check hour when that is still ahead, else tomorrow', () => {
      expect(nextCheckAt(CHECK - 1, 3, 'UTC')).toBe(CHECK);
      expect(nextCheckAt(CHECK, 3, 'UTC')).toBe(CHECK + DAY);
      expect(nextCheckAt(CHECK + 20 * HOUR, 3, 'UTC')).toBe(CHECK + DAY);
      expect(nextCheckAt(Date.UTC(2026, 11, 31, 23), 0, 'UTC')).toBe(Date.UTC(2027, 0, 1));
    });

    it('runs at the minute of the hour the admin chose', () => {
      expect(nextCheckAt(CHECK, 3, 'UTC', 30)).toBe(CHECK + 30 * 60_000);
      expect(nextCheckAt(CHECK + 30 * 60_000, 3, 'UTC', 30)).toBe(CHECK + DAY + 30 * 60_000);
      expect(nextCheckAt(Date.UTC(2026, 0, 10, 12), 3, 'Europe/Prague', 45)).toBe(
        Date.UTC(2026, 0, 11, 2, 45)
      );
    });

    it('is in local time, across a change of the clocks', () => {
      // Prague: 03:00 is 02:00 UTC in winter; summer time starts on Sunday 29 March 2026.
      expect(nextCheckAt(Date.UTC(2026, 0, 10, 12), 3, 'Europe/Prague')).toBe(
        Date.UTC(2026, 0, 11, 2)
      );
      expect(nextCheckAt(Date.UTC(2026, 2, 28, 12), 3, 'Europe/Prague')).toBe(
        Date.UTC(2026, 2, 29, 1)
      );
      expect(nextCheckAt(Date.UTC(2026, 2, 29, 12), 3, 'Europe/Prague')).toBe(
        Date.UTC(2026, 2, 30, 1)
      );
    });
  });

  describe('removalAt', () => {
    const base = {
      maxIdleDays: 4,
      nextCheck: CHECK,
      lastCheck: CHECK - DAY,
      checkHour: 3,
      timeZone: 'UTC'
    };

    it('is null while the counter is 0 and today is busy', () => {
      expect(removalAt({ ...base, idleDays: 0, verdict: 'busy' })).toBeNull();
    });

    it('is the check at which the counter would pass the maximum if every day stays idle', () => {
      // 0 now: 1, 2, 3, 4 at the next four checks, 5 > 4 at the fifth.
      expect(removalAt({ ...base, idleDays: 0, verdict: 'idle' })).toBe(CHECK + 4 * DAY);
      expect(removalAt({ ...base, idleDays: 2, verdict: 'idle' })).toBe(CHECK + 2 * DAY);
      expect(removalAt({ ...base, idleDays: 4, verdict: 'idle' })).toBe(CHECK);
      // A counter already running keeps its date while today is busy so far.
      expect(removalAt({ ...base, idleDays: 2, verdict: 'busy' })).toBe(CHECK + 2 * DAY);
    });

    it('is the last check once the counter has passed the maximum', () => {
      expect(removalAt({ ...base, idleDays: 5, verdict: 'idle' })).toBe(CHECK - DAY);
    });
  });

  it('warns on a counted idle day or a removal within warnDaysBefore days', () => {
    const config = idleConfig({ warnDaysBefore: 1 });
    expect(idleWarning(config, 0, null, CHECK)).toBe(false);
    expect(idleWarning(config, 1, CHECK + 3 * DAY, CHECK)).toBe(true);
    expect(idleWarning(config, 0, CHECK + 2 * DAY, CHECK)).toBe(false);
    expect(idleWarning(config, 0, CHECK + DAY, CHECK)).toBe(true);
    expect(idleWarning({ ...config, enabled: false }, 3, CHECK, CHECK)).toBe(false);
  });
});
