import { formatDue, isoToZoned, zonedToIso } from '../src/time';

describe('due dates in a zone', () => {
  it('writes a wall-clock time in a zone with the offset of that day', () => {
    expect(zonedToIso('2026-12-01T23:59', 'Europe/Prague')).toBe('2026-12-01T23:59:00+01:00');
    expect(zonedToIso('2026-07-01T09:30', 'Europe/Prague')).toBe('2026-07-01T09:30:00+02:00');
    expect(zonedToIso('2026-12-01T23:59', 'America/New_York')).toBe('2026-12-01T23:59:00-05:00');
    expect(zonedToIso('2026-12-01T23:59', 'Asia/Kolkata')).toBe('2026-12-01T23:59:00+05:30');
    expect(zonedToIso('2026-12-01', 'UTC')).toBeNull();
  });

  it('reads an instant back as the wall clock of a zone', () => {
    expect(isoToZoned('2026-12-01T23:59:00+01:00', 'Europe/Prague')).toBe('2026-12-01T23:59');
    expect(isoToZoned('2026-12-01T23:59:00+01:00', 'UTC')).toBe('2026-12-01T22:59');
    expect(formatDue('2026-12-01T23:59:00+01:00', 'Europe/Prague', 'en-GB')).toMatch(
      /1 Dec 2026.*23:59 \(Europe\/Prague\)/
    );
  });
});
