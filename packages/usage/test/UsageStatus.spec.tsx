import { nullTranslator } from '@jupyterlab/translation';
import { render, screen } from '@testing-library/react';
import React from 'react';
import { UsageStatus } from '../src/components/UsageStatus';
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

  it('shows CPU and memory against the limits with exact figures in the tooltip', async () => {
    model = await modelWith(200, snapshot(0.5, 1024 ** 3));
    render(<UsageStatus model={model} trans={trans} />);
    const item = screen.getByRole('status');
    expect(item.textContent).toMatch(/CPU 25\s?%/);
    expect(item.textContent).toMatch(/Mem 1 GiB \/ 4 GiB/);
    expect(item.title).toContain('CPU: 0.5 CPU of 2 CPU');
    expect(item.title).toContain('container limit');
    expect(item.title).toContain('Memory: 1 GiB of 4 GiB');
    expect(item.title).toContain('limit set by the hub');
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
