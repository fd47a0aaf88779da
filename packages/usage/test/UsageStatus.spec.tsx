import { nullTranslator } from '@jupyterlab/translation';
import { render, screen } from '@testing-library/react';
import React from 'react';
import { UsageStatus, UsageStatusItem } from '../src/components/UsageStatus';
import { DEFAULT_SETTINGS, UsageModel } from '../src/model';
import { settingsAnswering, snapshot } from './helpers';

const trans = nullTranslator.load('hotstepper');

async function modelWith(status: number, body: unknown): Promise<UsageModel> {
  const model = new UsageModel({
    serverSettings: settingsAnswering([{ status, body }]),
    statusSettings: DEFAULT_SETTINGS
  });
  await model.answered('now');
  return model;
}

describe('UsageStatus', () => {
  let model: UsageModel;
  afterEach(() => model.dispose());

  it('shows CPU and memory as compact percentages, the exact figures in the tooltip', async () => {
    model = await modelWith(200, snapshot(0.5, 1024 ** 3));
    render(<UsageStatus model={model} trans={trans} />);
    const item = screen.getByRole('status');
    expect(item.textContent).toMatch(/^CPU 25\s?%·Mem 25\s?%$/);
    expect(item.title.split('\n')).toEqual([
      'CPU: 0.5 CPU of 2 CPU (25%).',
      "The CPU limit is the container's.",
      'Memory: 1 GiB of 4 GiB (25%).',
      'The memory limit was set by the hub.',
      "Read from the container's cgroup.",
      expect.stringMatching(/^Measured at .+\.$/)
    ]);
  });

  it('is one focusable button; Enter and Space do what a click does', () => {
    model = new UsageModel({
      serverSettings: settingsAnswering([{ status: 200, body: snapshot(0.5, 1024 ** 3) }])
    });
    const onActivate = jest.fn();
    const widget = new UsageStatusItem(model, trans, onActivate);
    expect(widget.node.tabIndex).toBe(0);
    expect(widget.node.getAttribute('role')).toBe('button');
    for (const key of ['Enter', ' ']) {
      widget.node.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
    }
    widget.node.dispatchEvent(new KeyboardEvent('keydown', { key: 'a', bubbles: true }));
    widget.node.click();
    expect(onActivate).toHaveBeenCalledTimes(3);
    widget.dispose();
  });

  it('turns orange at 70 % and red at 90 % of a limit', async () => {
    model = await modelWith(200, snapshot(1.4, 3.7 * 1024 ** 3));
    const { container } = render(<UsageStatus model={model} trans={trans} />);
    expect(container.querySelector('.hs-UsageStatus-cpu')?.getAttribute('data-level')).toBe('warn');
    expect(container.querySelector('.hs-UsageStatus-memory')?.getAttribute('data-level')).toBe(
      'danger'
    );
    expect(container.querySelector('.hs-UsageStatus-memory')?.classList).toContain('hs-mod-danger');
  });

  it('says "usage unavailable" with the reason when the backend fails', async () => {
    model = await modelWith(500, 'not json');
    render(<UsageStatus model={model} trans={trans} />);
    const item = screen.getByRole('status');
    expect(item.textContent).toBe('usage unavailable');
    expect(item.title).toMatch(/did not start/);
  });
});
