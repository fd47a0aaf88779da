import { settingsRouting } from '@hotstepper/core/lib/testing';
import { GradingModel } from '../src/grading';
import { grading, submissions } from './fixtures';

const A = 'api/v1/course/phys101/assignments/ps1';

function setup(preload = true) {
  const seen: Request[] = [];
  const paths = () =>
    seen.map(r => `${r.method} ${new URL(r.url).pathname.replace('/hotstepper/', '')}`);
  const s03 = grading('s03', { next: { student: 's04', notebook: 'problem1' } });
  const s04 = grading('s04', { previous: { student: 's03', notebook: 'problem1' } });
  const model = new GradingModel({
    course: 'phys101',
    assignment: 'ps1',
    preload,
    serverSettings: settingsRouting(
      {
        [`${A}/submissions`]: { status: 200, body: submissions() },
        [`${A}/submissions/s03/problem1`]: { status: 200, body: s03 },
        [`${A}/submissions/s04/problem1`]: { status: 200, body: s04 },
        [`PUT ${A}/submissions/s03/problem1/grades`]: {
          status: 200,
          body: grading('s03', {
            score: 11,
            cells: s03.cells.map(c =>
              c.id === 'explain' ? { ...c, manualPoints: 5, comment: 'Why?' } : c
            )
          })
        }
      },
      seen
    )
  });
  return { model, paths };
}

describe('GradingModel', () => {
  it('opens the first submission that needs a manual grade and preloads the next one', async () => {
    const { model, paths } = setup();
    expect(await model.openFirst('problem1')).toBe(true);
    expect(model.current?.student).toBe('s03');
    // Asked before the grader moves on: the next one is shown without waiting.
    expect(paths()).toContain(`GET ${A}/submissions/s04/problem1`);
    expect(model.isPreloaded({ student: 's04', notebook: 'problem1' })).toBe(true);
    const asked = paths().length;
    const moving = model.next();
    expect(model.loading).toBe(false);
    await moving;
    expect(model.current?.student).toBe('s04');
    expect(paths()).toHaveLength(asked);
    expect(await model.next()).toBe(false);
    await model.previous();
    expect(model.current?.student).toBe('s03');
    model.dispose();
  });

  it('does not preload when told not to', async () => {
    const { model, paths } = setup(false);
    await model.open({ student: 's03', notebook: 'problem1' });
    expect(paths()).toEqual([`GET ${A}/submissions/s03/problem1`]);
    model.dispose();
  });

  it('moves among the graded cells and saves a cell’s points and comment', async () => {
    const { model, paths } = setup();
    await model.open({ student: 's03', notebook: 'problem1' });
    expect(model.gradedCells.map(c => c.id)).toEqual(['test_squares', 'explain']);
    model.moveCell(-1);
    expect(model.cellIndex).toBe(0);
    model.moveCell(1);
    model.moveCell(1);
    expect(model.cellIndex).toBe(1);
    await model.grade('explain', { manualPoints: 5, comment: 'Why?' });
    expect(paths()).toContain(`PUT ${A}/submissions/s03/problem1/grades`);
    expect(model.current?.score).toBe(11);
    expect(model.gradedCells[1]).toMatchObject({ manualPoints: 5, comment: 'Why?' });
    model.dispose();
  });
});
