import { fireEvent, render, screen } from '@testing-library/react';
import React from 'react';
import { ErrorView, levelOf, LoadingView, Meter, StaleNote } from '../src/components';

describe('levelOf', () => {
  const thresholds = { warnThreshold: 0.7, dangerThreshold: 0.9 };
  it('colours by the thresholds, inclusive; no reading is ok', () => {
    expect(levelOf(0.69, thresholds)).toBe('ok');
    expect(levelOf(0.7, thresholds)).toBe('warn');
    expect(levelOf(0.9, thresholds)).toBe('danger');
    expect(levelOf(null, thresholds)).toBe('ok');
    expect(levelOf(undefined, thresholds)).toBe('ok');
    expect(levelOf(NaN, thresholds)).toBe('ok');
  });

  it('a warning set above the danger line starts at the danger line', () => {
    expect(levelOf(0.85, { warnThreshold: 0.95, dangerThreshold: 0.8 })).toBe('danger');
    expect(levelOf(0.5, { warnThreshold: 0.95, dangerThreshold: 0.8 })).toBe('ok');
  });
});

describe('Meter', () => {
  it('is a labelled meter for screen readers, filled to the fraction, capped at the limit', () => {
    const { container, rerender } = render(
      <Meter label="CPU" value="1.5 of 2 CPU (75 %)" fraction={0.75} level="warn" part="cpu" />
    );
    const meter = screen.getByRole('meter', { name: 'CPU' });
    expect(meter.getAttribute('aria-valuenow')).toBe('75');
    expect(meter.getAttribute('aria-valuetext')).toBe('1.5 of 2 CPU (75 %)');
    const fill = container.querySelector('.hs-Meter-cpu .hs-Meter-fill') as HTMLElement;
    expect(fill.style.width).toBe('75%');
    expect(fill.dataset.level).toBe('warn');
    expect(fill.classList).toContain('hs-mod-warn');

    rerender(
      <Meter
        label="Memory"
        value="5 of 4 GiB"
        fraction={1.25}
        level="danger"
        ariaLabel="Memory used by jobs"
      />
    );
    expect(
      screen.getByRole('meter', { name: 'Memory used by jobs' }).getAttribute('aria-valuenow')
    ).toBe('100');
  });

  it('shows an empty bar without a reading', () => {
    const { container } = render(
      <Meter label="GPU" value="not reported" fraction={null} level="ok" />
    );
    expect((container.querySelector('.hs-Meter-fill') as HTMLElement).style.width).toBe('0%');
  });
});

describe('state views', () => {
  it('LoadingView says it is loading, as a status', () => {
    render(<LoadingView />);
    expect(screen.getByRole('status').textContent).toBe('Loading…');
  });

  it('ErrorView shows the message as an alert, with Retry when it may help', () => {
    const { rerender } = render(<ErrorView message="Could not load: down" />);
    expect(screen.getByRole('alert').textContent).toBe('Could not load: down');
    expect(screen.queryByRole('button')).toBeNull();
    const retry = jest.fn();
    rerender(
      <ErrorView
        message="Could not load the jobs: down"
        onRetry={retry}
        className="hs-Jobs-error"
      />
    );
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(retry).toHaveBeenCalledTimes(1);
    expect(screen.getByRole('alert').classList).toContain('hs-Jobs-error');
  });

  it('StaleNote says since when the figures are out of date, and why; nothing without an error', () => {
    const updatedAt = Date.parse('2026-11-25T10:00:00Z');
    const { container, rerender } = render(<StaleNote updatedAt={updatedAt} />);
    expect(container.innerHTML).toBe('');
    rerender(<StaleNote error="backend down" updatedAt={updatedAt} />);
    expect(screen.getByRole('alert').textContent).toBe(
      `Not updated since ${new Date(updatedAt).toLocaleTimeString()}: backend down`
    );
    rerender(<StaleNote error="backend down" />);
    expect(screen.getByRole('alert').textContent).toBe('Not up to date: backend down');
  });

  it('StaleNote for figures kept from before: when, how long ago, and that they are updating', () => {
    const at = Date.now() - 3 * 60_000;
    const { container } = render(<StaleNote refreshing updatedAt={at} />);
    expect(container.textContent).toBe(
      `Last figures, from ${new Date(at).toLocaleTimeString()} (3 min ago). Updating…`
    );
    expect(container.querySelector('[role="status"]')).not.toBeNull();
  });
});
