import { NotebookModel } from '@jupyterlab/notebook';
import { cellKind, cellPoints, setCellKind } from '../src/cellKind';

/**
 * A real notebook model with a Markdown cell and two code cells, as JupyterLab holds it (one
 * shared document for the notebook, as in the app: separate ones make yjs complain).
 */
function notebook(): NotebookModel {
  const model = new NotebookModel({ disableDocumentWideUndoRedo: false });
  const cell = (cell_type: 'code' | 'markdown', source: string) =>
    cell_type === 'code'
      ? { cell_type, source, metadata: {}, outputs: [], execution_count: null }
      : { cell_type, source, metadata: {} };
  model.fromJSON({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      cell('markdown', 'Explain the result.'),
      cell(
        'code',
        'def squares(n):\n    ### BEGIN SOLUTION\n    return [i * i for i in range(1, n + 1)]\n    ### END SOLUTION'
      ),
      cell('code', 'assert squares(2) == [1, 4]')
    ]
  });
  return model;
}

describe('marking cells for nbgrader', () => {
  // @jupyter/ydoc reads a new cell's Yjs types while building it, before the cell joins the
  // notebook's document; yjs warns at each. Other warnings still show.
  const warn = console.warn;
  beforeAll(() => {
    console.warn = (...args: unknown[]) =>
      String(args[0]).startsWith('Invalid access: Add Yjs type') ? undefined : warn(...args);
  });
  afterAll(() => {
    console.warn = warn;
  });

  it('writes nbgrader’s own metadata, which the saved notebook carries', () => {
    const model = notebook();
    const [text, answer, tests] = [0, 1, 2].map(i => model.cells.get(i));
    setCellKind(answer, 'solution', { gradeId: 'squares' });
    setCellKind(tests, 'tests', { points: 3, gradeId: 'test_squares' });
    setCellKind(text, 'task', { points: 2 });

    const cells = (model.toJSON() as { cells: Array<{ metadata: Record<string, unknown> }> }).cells;
    expect(cells[1].metadata.nbgrader).toEqual({
      grade_id: 'squares',
      grade: false,
      solution: true,
      locked: false,
      task: false,
      schema_version: 3
    });
    expect(cells[2].metadata.nbgrader).toEqual({
      grade_id: 'test_squares',
      grade: true,
      solution: false,
      locked: true,
      task: false,
      points: 3,
      schema_version: 3
    });
    expect(cells[0].metadata.nbgrader).toMatchObject({ task: true, locked: true, points: 2 });
    expect((cells[0].metadata.nbgrader as { grade_id: string }).grade_id).toMatch(
      /^cell-[0-9a-f]{16}$/
    );
    expect([text, answer, tests].map(cellKind)).toEqual(['task', 'solution', 'tests']);
    expect(cellPoints(tests)).toBe(3);
    model.dispose();
  });

  it('changes a role keeping the cell id and nbgrader’s own keys, and removes it', () => {
    const model = notebook();
    const text = model.cells.get(0);
    text.setMetadata('nbgrader', {
      grade_id: 'explain',
      grade: false,
      solution: false,
      locked: true,
      task: false,
      schema_version: 3,
      checksum: 'abc'
    });
    expect(cellKind(text)).toBe('readonly');
    setCellKind(text, 'manual', { points: 5 });
    expect(text.getMetadata('nbgrader')).toEqual({
      grade_id: 'explain',
      grade: true,
      solution: true,
      locked: false,
      task: false,
      points: 5,
      schema_version: 3,
      checksum: 'abc'
    });
    setCellKind(text, 'readonly');
    expect(text.getMetadata('nbgrader')).not.toHaveProperty('points');
    setCellKind(text, 'other');
    expect(text.getMetadata('nbgrader')).toBeUndefined();
    expect(cellKind(text)).toBe('other');
    model.dispose();
  });

  it('refuses what nbgrader would refuse, leaving the cell as it was', () => {
    const model = notebook();
    const [text, , tests] = [0, 1, 2].map(i => model.cells.get(i));
    expect(() => setCellKind(text, 'tests')).toThrow('nbgrader runs tests in code cells only');
    expect(() => setCellKind(tests, 'task')).toThrow('A manually graded task is a Markdown cell');
    expect(() => setCellKind(tests, 'tests', { points: -1 })).toThrow(
      'Points must be a number, 0 or more'
    );
    expect(() => setCellKind(tests, 'tests', { gradeId: 'a b' })).toThrow('A cell id holds');
    expect(text.getMetadata('nbgrader')).toBeUndefined();
    expect(tests.getMetadata('nbgrader')).toBeUndefined();
    model.dispose();
  });
});
