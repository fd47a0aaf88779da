import {
  costBars,
  formatDay,
  gpuSquares,
  hasCost,
  historyMetrics,
  historyRows,
  idleRows,
  idleYMax,
  timeDomain,
  yMax
} from '../src/chartData';
import { cost, history, idle } from './fixtures';

describe('history rows', () => {
  it('keeps the backend’s nulls as gaps, not zeros', () => {
    const rows = historyRows(history('day', 6, 300, [2, 3]));
    expect(rows.map(r => (r.cpu === null ? null : Math.round(r.cpu * 100)))).toEqual([
      20,
      21,
      null,
      null,
      24,
      25
    ]);
    expect(rows[2].cpuLimit).toBeNull();
  });

  it('puts a null row where buckets are missing altogether, not for a late sample', () => {
    const late = history('hour', 4, 5);
    late.points[2].t += 5000; // 10 s after the previous one: late, not a gap
    expect(historyRows(late).filter(r => r.cpu === null)).toHaveLength(0);

    const h = history('day', 6, 300);
    h.points.splice(2, 2);
    const rows = historyRows(h);
    expect(rows).toHaveLength(5);
    expect(rows[2]).toMatchObject({ t: h.points[1].t + 300_000, cpu: null, memory: null });
    expect(rows.filter(r => r.cpu !== null)).toHaveLength(4);
  });

  it('shows GPU charts only with GPU readings, with 100 % as their limit', () => {
    expect(historyMetrics(historyRows(history('hour')))).toEqual(['cpu', 'memory']);
    const rows = historyRows(history('week', 4, 1800, [], true));
    expect(historyMetrics(rows)).toEqual(['cpu', 'memory', 'gpu', 'gpuMemory']);
    expect(rows[0].gpuLimit).toBe(1);
  });

  it('scales the y axis to the larger of limit and values, with headroom', () => {
    const rows = historyRows(history('hour'));
    expect(yMax(rows, 'cpu')).toBeCloseTo(2.2);
    rows[0].cpu = 3.5;
    expect(yMax(rows, 'cpu')).toBeCloseTo(3.85);
    expect(yMax([], 'cpu')).toBe(1);
  });

  it('spans the range the backend answered for', () => {
    const h = history('hour');
    expect(timeDomain(h, historyRows(h))).toEqual([h.from, h.to]);
  });
});

describe('cost bars', () => {
  it('are the last 90 days, oldest first, stacked parts kept', () => {
    const bars = costBars(cost('CZK', 95));
    expect(bars).toHaveLength(90);
    expect(bars[89].date).toBe('2026-11-25');
    expect(bars[0].date).toBe('2026-08-28');
    expect(bars.filter(b => b.total === 0)).toHaveLength(3);
    expect(bars.find(b => b.gpu > 0)).toMatchObject({ cpu: 12, memory: 9.6, gpu: 160 });
    expect(hasCost(bars)).toBe(true);
    expect(hasCost(costBars(undefined))).toBe(false);
  });

  it('label calendar days without shifting them by the time zone', () => {
    expect(formatDay('2026-11-25', 'en-GB')).toBe('25 Nov');
  });
});

describe('idle rows', () => {
  it('keep segments without readings as nulls and leave room above the threshold', () => {
    const status = idle();
    status.segments[5].value = null;
    const rows = idleRows(status);
    expect(rows).toHaveLength(288);
    expect(rows[5].value).toBeNull();
    expect(idleYMax(status)).toBeCloseTo(0.12);
    expect(idleYMax(idle({}, 0.5))).toBeCloseTo(0.6);
  });
});

describe('GPU squares', () => {
  it('one per GPU, taken first', () => {
    expect(gpuSquares({ model: 'a100', free: 1, total: 3 })).toEqual({
      model: 'a100',
      free: 1,
      taken: 2,
      total: 3,
      squares: ['taken', 'taken', 'free']
    });
  });

  it('never draws more free than total, nor negative counts', () => {
    expect(gpuSquares({ model: 'x', free: 5, total: 2 }).squares).toEqual(['free', 'free']);
    expect(gpuSquares({ model: 'x', free: -1, total: 0 }).squares).toEqual([]);
  });
});
