import { settingsRouting } from '@hotstepper/core/lib/testing';
import { nullTranslator } from '@jupyterlab/translation';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import React from 'react';
import { GradingView, outputText } from '../src/components/GradingView';
import { GradingModel } from '../src/grading';
import { grading } from './fixtures';

const trans = nullTranslator.load('hotstepper');
const A = 'api/v1/course/phys101/assignments/ps1/submissions';

describe('GradingView', () => {
  it('grades by keyboard: cells with the autograder’s output, points saved, next student', async () => {
    const seen: Request[] = [];
    const s03 = grading('s03', { late: true, next: { student: 's04', notebook: 'problem1' } });
    const model = new GradingModel({
      course: 'phys101',
      assignment: 'ps1',
      serverSettings: settingsRouting(
        {
          [`${A}/s03/problem1`]: { status: 200, body: s03 },
          [`${A}/s04/problem1`]: {
            status: 200,
            body: grading('s04', { score: 10, previous: { student: 's03', notebook: 'problem1' } })
          },
          [`PUT ${A}/s03/problem1/grades`]: {
            status: 200,
            body: grading('s03', {
              late: true,
              score: 10,
              next: { student: 's04', notebook: 'problem1' },
              cells: s03.cells.map(c => (c.id === 'explain' ? { ...c, manualPoints: 4 } : c))
            })
          }
        },
        seen
      )
    });
    await model.open({ student: 's03', notebook: 'problem1' });
    const r = render(<GradingView model={model} trans={trans} />);
    model.changed.connect(() => act(() => r.rerender(<GradingView model={model} trans={trans} />)));

    expect(screen.getByRole('heading').textContent).toBe('ps1 · s03 · problem1');
    expect(r.container.querySelector('.hs-mod-late')).toBeTruthy();
    // The autograder's traceback, without its terminal colours.
    const output = r.container.querySelector('[data-cell="test_squares"] .hs-GradingCell-output')!;
    expect(output.textContent).toBe('AssertionError: squares(1) should be [1]');
    const active = () =>
      r.container.querySelector<HTMLElement>('.hs-GradingCell.hs-mod-active')?.dataset.cell;
    expect(active()).toBe('test_squares');
    // The first graded cell's points take the focus: grading starts without the mouse.
    expect(document.activeElement?.closest('[data-cell]')?.getAttribute('data-cell')).toBe(
      'test_squares'
    );

    const grid = r.container.querySelector('.hs-Grading')!;
    fireEvent.keyDown(grid, { key: 'ArrowDown', altKey: true });
    expect(active()).toBe('explain');
    const points = r.container.querySelector<HTMLInputElement>(
      '[data-cell="explain"] input[type="number"]'
    )!;
    expect(document.activeElement).toBe(points);
    fireEvent.change(points, { target: { value: '4' } });
    fireEvent.keyDown(points, { key: 'Enter' });
    await waitFor(() => expect(screen.getByText('10 / 10')).toBeTruthy());
    const put = seen.find(q => q.method === 'PUT')!;
    expect(JSON.parse(await put.text())).toEqual({ cells: [{ id: 'explain', manualPoints: 4 }] });

    fireEvent.keyDown(points, { key: 'ArrowRight', altKey: true });
    await waitFor(() =>
      expect(screen.getByRole('heading').textContent).toBe('ps1 · s04 · problem1')
    );
    fireEvent.keyDown(grid, { key: 'ArrowLeft', altKey: true });
    await waitFor(() =>
      expect(screen.getByRole('heading').textContent).toBe('ps1 · s03 · problem1')
    );
    model.dispose();
  });

  it('says why a submission could not be loaded', async () => {
    const model = new GradingModel({
      course: 'phys101',
      assignment: 'ps1',
      serverSettings: settingsRouting({})
    });
    await model.open({ student: 'nobody', notebook: 'problem1' });
    render(<GradingView model={model} trans={trans} />);
    expect(screen.getByRole('alert').textContent).toContain('No route GET');
    model.dispose();
  });

  it('reads outputs as text', () => {
    expect(outputText({ output_type: 'stream', name: 'stdout', text: ['a\n', 'b'] })).toBe('a\nb');
    expect(outputText({ output_type: 'execute_result', data: { 'text/plain': '42' } })).toBe('42');
    expect(outputText({ output_type: 'display_data', data: { 'image/png': 'x' } })).toBe('');
  });
});
