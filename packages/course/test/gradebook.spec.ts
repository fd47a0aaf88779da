import {
  columnSummary,
  DEFAULT_VIEW,
  distribution,
  gradebookCsv,
  viewRows
} from '../src/gradebook';
import { gradebook } from './fixtures';

const students = (view: Partial<typeof DEFAULT_VIEW>) =>
  viewRows(gradebook(), { ...DEFAULT_VIEW, ...view }).map(r => r.student);

describe('gradebook', () => {
  it('sorts by student, name, an assignment (missing last) or the total', () => {
    expect(students({})).toEqual(['s01', 's02', 's03']);
    expect(students({ sort: 'name' })).toEqual(['s02', 's03', 's01']);
    expect(students({ sort: 0 })).toEqual(['s03', 's01', 's02']);
    expect(students({ sort: 0, descending: true })).toEqual(['s01', 's03', 's02']);
    expect(students({ sort: 'total', descending: true })).toEqual(['s03', 's02', 's01']);
  });

  it('filters by id or name, late submissions, and what needs a grade by hand', () => {
    expect(students({ filter: 'MORA' })).toEqual(['s03']);
    expect(students({ filter: 's0' })).toEqual(['s01', 's02', 's03']);
    expect(students({ lateOnly: true })).toEqual(['s01']);
    expect(students({ needsGradingOnly: true })).toEqual(['s02']);
  });

  it('exports CSV with late flags, quoting what needs it', () => {
    const lines = gradebookCsv(gradebook()).split('\r\n');
    expect(lines[0]).toBe(
      'student,first_name,last_name,ps1 (10),ps1 late,ps2 (20),ps2 late,total,max_total'
    );
    expect(lines[1]).toBe('s01,Adam,Zeman,10,,5,late,15,30');
    expect(lines[2]).toBe('s02,Bea,Abel,,,18,,18,30');
    expect(lines[3]).toBe('s03,"Cyril, Jr.",Moravec,3.5,,20,,23.5,30');
    expect(lines).toHaveLength(5);
  });

  it('spreads an assignment’s scores over equal bars and sums its column', () => {
    const bins = distribution(gradebook(), 0, 5);
    expect(bins.map(b => b.label)).toEqual(['0–2', '2–4', '4–6', '6–8', '8–10']);
    // 3.5 in 2–4, 10 (full marks) in the last bar; a missing score in none.
    expect(bins.map(b => b.count)).toEqual([0, 1, 0, 0, 1]);
    expect(columnSummary(gradebook(), 1)).toEqual({
      submitted: 3,
      late: 1,
      needsGrading: 1,
      mean: 43 / 3
    });
  });
});
