import { settingsRouting, until } from '@hotstepper/core/lib/testing';
import { nullTranslator } from '@jupyterlab/translation';
import { act, fireEvent, render, screen } from '@testing-library/react';
import React from 'react';
import { GradebookView } from '../src/components/GradebookView';
import { GradebookModel } from '../src/gradebook';
import { gradebook } from './fixtures';

const trans = nullTranslator.load('hotstepper');

describe('GradebookView', () => {
  it('sorts, filters, flags late work and exports what it shows as CSV', async () => {
    const model = new GradebookModel({
      course: 'phys101',
      refreshRate: 30_000,
      serverSettings: settingsRouting({
        'api/v1/course/phys101/gradebook': { status: 200, body: gradebook() }
      })
    });
    model.visible = true;
    await until(model.changed, () => !!model.gradebook.value);
    const graded: string[] = [];
    const view = () => (
      <GradebookView
        model={model}
        trans={trans}
        bins={5}
        onGrade={(a, s) => graded.push(`${a}/${s}`)}
      />
    );
    const r = render(view());
    model.changed.connect(() => act(() => r.rerender(view())));
    // The chart is a chunk of its own: drawn once it has loaded.
    await act(() => import('../src/components/charts'));
    expect(r.container.querySelector('.hs-Gradebook-chart [role="status"]')).toBeNull();
    expect(r.container.querySelector('.hs-Gradebook-chart [role="alert"]')).toBeNull();
    const order = () =>
      [...r.container.querySelectorAll<HTMLElement>('tbody tr')].map(row => row.dataset.student);
    expect(order()).toEqual(['s01', 's02', 's03']);
    expect(screen.getByText('3 of 3 students')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Total' }));
    expect(order()).toEqual(['s03', 's02', 's01']);
    expect(
      screen.getByRole('button', { name: /Total/ }).closest('th')!.getAttribute('aria-sort')
    ).toBe('descending');
    fireEvent.click(screen.getByRole('button', { name: /Total/ }));
    expect(order()).toEqual(['s01', 's02', 's03']);

    const late = r.container.querySelector('[data-student="s01"] [data-assignment="ps2"]')!;
    expect(late.classList.contains('hs-mod-late')).toBe(true);
    fireEvent.click(
      r.container.querySelector('[data-student="s02"] [data-assignment="ps2"] button')!
    );
    expect(graded).toEqual(['ps2/s02']);

    fireEvent.change(screen.getByPlaceholderText('student or name'), {
      target: { value: 'zeman' }
    });
    expect(order()).toEqual(['s01']);

    const blobs: Blob[] = [];
    const saved: string[] = [];
    Object.assign(URL, {
      createObjectURL: (blob: Blob) => (blobs.push(blob), 'blob:http://localhost/csv'),
      revokeObjectURL: () => undefined
    });
    const click = jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
      this: HTMLAnchorElement
    ) {
      saved.push(this.download);
    });
    fireEvent.click(screen.getByText('Export CSV'));
    expect(saved).toEqual(['phys101-gradebook.csv']);
    const text = await new Promise<string>(resolve => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result));
      reader.readAsText(blobs[0]);
    });
    expect(text.trim().split('\r\n')).toEqual([
      'student,first_name,last_name,ps1 (10),ps1 late,ps2 (20),ps2 late,total,max_total',
      's01,Adam,Zeman,10,,5,late,15,30'
    ]);
    click.mockRestore();

    // The distribution's figures, for screen readers as for the chart.
    expect(r.container.querySelector('.hs-Gradebook-chart')!.getAttribute('aria-label')).toBe(
      '0–2: 0, 2–4: 1, 4–6: 0, 6–8: 0, 8–10: 1'
    );
    fireEvent.change(screen.getByLabelText('Score distribution of'), { target: { value: '1' } });
    expect(r.container.querySelector('.hs-Gradebook-chart')!.getAttribute('aria-label')).toBe(
      '0–4: 0, 4–8: 1, 8–12: 0, 12–16: 0, 16–20: 2'
    );
    model.dispose();
  });
});
