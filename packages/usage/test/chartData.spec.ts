import {
  byteUnit,
  costBars,
  costParts,
  dayTicks,
  formatDay,
  gpuSquares,
  hasCost,
  historyMetrics,
  historyRows,
  idleRows,
  idleTicks,
  idleYMax,
  niceTicks,
  recordedSeconds,
  tickDecimals,
  timeDomain,
  withLimitEdges,
  yMax,
  yTicks
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

  it('scales the y axis to the larger of limit and values, in round ticks', () => {
    const rows = historyRows(history('hour'));
    expect(yTicks(rows, 'cpu')).toEqual([0, 1, 2]);
    rows[0].cpu = 3.5;
    expect(yTicks(rows, 'cpu')).toEqual([0, 2, 4]);
    expect(yMax(rows, 'cpu')).toBe(4);
    expect(yMax([], 'cpu')).toBe(1);
    expect(yTicks(rows, 'gpu')).toEqual([0, 0.5, 1]);
  });

  it('ticks memory in round GiB: a 23.5 GiB machine reads 0 / 12 / 24 GiB', () => {
    const GiB = 1024 ** 3;
    const rows = historyRows(history('hour'));
    rows.forEach(r => (r.memoryLimit = 23.5 * GiB));
    expect(yTicks(rows, 'memory').map(t => t / GiB)).toEqual([0, 12, 24]);
    expect(byteUnit(500 * 1024 ** 2)).toBe(1024 ** 2);
  });

  it('round ticks are distinct and need only the decimals that tell them apart', () => {
    expect(niceTicks(1.12)).toEqual([0, 0.6, 1.2]);
    expect(tickDecimals(niceTicks(1.12))).toBe(1);
    expect(niceTicks(0.5)).toEqual([0, 0.25, 0.5]);
    expect(tickDecimals([0, 0.25, 0.5])).toBe(2);
    expect(niceTicks(0)).toEqual([0, 0.5, 1]);
    expect(niceTicks(25.9, 4)).toEqual([0, 8, 16, 24, 32]);
    for (const max of [0.003, 0.07, 1, 7.3, 99, 1234]) {
      const ticks = niceTicks(max);
      expect(new Set(ticks).size).toBe(3);
      expect(ticks[2]).toBeGreaterThanOrEqual(max);
    }
  });

  it('carries the limit to both ends of the chart, however late the first reading', () => {
    const h = history('hour', 4, 5);
    const rows = historyRows(h);
    const domain: [number, number] = [rows[0].t - 600_000, rows[3].t + 600_000];
    const drawn = withLimitEdges(rows, domain);
    expect(drawn[0]).toMatchObject({ t: domain[0], cpu: null, cpuLimit: rows[0].cpuLimit });
    expect(drawn.at(-1)).toMatchObject({ t: domain[1], cpu: null, cpuLimit: rows[3].cpuLimit });
    expect(drawn).toHaveLength(6);
    // No limit known at all: nothing to carry.
    expect(withLimitEdges([], domain)).toEqual([]);
  });

  it('says how much of a range was recorded', () => {
    const h = history('day', 6, 300);
    expect(recordedSeconds(h)).toBe(6 * 300);
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

  it('name only the parts that cost anything: no GPU legend without a GPU', () => {
    const bars = costBars(cost('CZK', 95));
    expect(costParts(bars)).toEqual(['cpu', 'memory', 'gpu']);
    expect(costParts(bars.map(b => ({ ...b, gpu: 0 })))).toEqual(['cpu', 'memory']);
  });

  it('label three dates spread from the first to the last, never all 90', () => {
    const bars = costBars(cost('CZK', 95));
    expect(dayTicks(bars)).toEqual([bars[0].date, bars[45].date, bars[89].date]);
    expect(dayTicks(bars.slice(0, 2))).toHaveLength(2);
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
    // Round ticks above the 0.1 threshold (with a tenth of room).
    expect(idleTicks(status)).toEqual([0, 0.06, 0.12]);
    expect(idleYMax(idle({}, 0.5))).toBe(0.6);
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
