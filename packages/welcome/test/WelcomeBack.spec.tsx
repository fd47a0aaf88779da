import { ActivitySummary, IdleStatus, UsageCost, type CellRun } from '@hotstepper/api';
import { schemaErrors, settingsRouting, type IAnswer } from '@hotstepper/core/lib/testing';
import { nullTranslator } from '@jupyterlab/translation';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import React from 'react';
import { WelcomeBack } from '../src/components/WelcomeBack';
import { WelcomeModel } from '../src/model';

const trans = nullTranslator.load('hotstepper');
const ok = (body: unknown): IAnswer => ({ status: 200, body });
const HOUR = 3600_000;
const NOW = Date.UTC(2026, 10, 29, 12);
const XSS = '<img src=x onerror=alert(1)>.ipynb';

function cell(over: Partial<CellRun>): CellRun {
  return {
    kernelId: 'k1',
    path: 'train.ipynb',
    count: 14,
    startedAt: NOW - 37 * HOUR,
    endedAt: NOW - 31 * HOUR,
    durationMs: 6 * HOUR + 12 * 60_000,
    status: 'ok',
    ename: null,
    lastLine: 'epoch 50 accuracy 0.93',
    ...over
  };
}

function summary(over: Partial<ActivitySummary> = {}): ActivitySummary {
  return {
    since: NOW - 40 * HOUR,
    until: NOW,
    lastSeen: NOW - 40 * HOUR,
    watching: true,
    streamLines: true,
    finished: [cell({})],
    failed: [cell({ path: XSS, count: 3, status: 'error', ename: 'ZeroDivisionError' })],
    running: [cell({ path: 'long.ipynb', count: 2, endedAt: null, durationMs: 2 * HOUR })],
    jobs: [
      { at: NOW - HOUR, kind: 'job-failed', name: 'sweep', ref: 'jabc', detail: 'failed: exit 2' }
    ],
    exposures: [],
    kernels: [],
    documents: [],
    idle: [
      {
        at: NOW - 9 * HOUR,
        kind: 'idle-day',
        name: '2026-11-29',
        ref: '2026-11-29',
        detail: '2/4'
      },
      {
        at: NOW - 33 * HOUR,
        kind: 'idle-day',
        name: '2026-11-28',
        ref: '2026-11-28',
        detail: '1/4'
      }
    ],
    storage: [
      {
        at: NOW - 2 * HOUR,
        kind: 'storage-nearly-full',
        name: 'Project (brno12)',
        ref: 'project-brno12',
        detail: '93 % full, 7 GiB free'
      }
    ],
    truncated: false,
    ...over
  };
}

const day = (date: string, total: number, hours: number) => ({
  date,
  cpu: total,
  memory: 0,
  gpu: 0,
  total,
  hours
});
const cost: UsageCost = {
  prices: { currency: 'CZK', basis: 'reserved', cpuHour: 0.5, memoryGiBHour: 0.1, gpuHour: {} },
  // The period (40 h back from NOW) touches the 27th, 28th and 29th.
  days: [
    day('2026-11-26', 100, 24),
    day('2026-11-27', 3, 6),
    day('2026-11-28', 4, 24),
    day('2026-11-29', 2, 12)
  ],
  totals: { today: 2, week: 109, quarter: 109 },
  estimate: true
};
const idle: IdleStatus = {
  enabled: true,
  enforce: 'hub',
  resource: 'cpu',
  threshold: 0.1,
  maxIdleDays: 4,
  checkHour: 3,
  segmentMinutes: 5,
  segments: [],
  busiest: 0.01,
  verdict: 'idle',
  idleDays: 2,
  lastCheck: new Date(NOW - 9 * HOUR).toISOString(),
  nextCheck: new Date(NOW + 15 * HOUR).toISOString(),
  removalAt: new Date(NOW + 63 * HOUR).toISOString(),
  warning: true
};

describe('WelcomeBack', () => {
  it('groups the period: finished with duration and last line, failed, still running, jobs', async () => {
    const body = summary();
    expect(schemaErrors(ActivitySummary, body)).toEqual([]);
    expect(schemaErrors(UsageCost, cost)).toEqual([]);
    expect(schemaErrors(IdleStatus, idle)).toEqual([]);
    const seen: Request[] = [];
    const model = new WelcomeModel(
      settingsRouting(
        {
          'api/v1/activity': ok(body),
          'api/v1/usage/idle': ok(idle),
          'api/v1/usage/cost': ok(cost)
        },
        seen
      ),
      () => NOW
    );
    const opened: Array<[string, number | null]> = [];
    const jobs: string[] = [];
    const storages: string[] = [];
    const { container } = render(
      <WelcomeBack
        model={model}
        trans={trans}
        since={NOW - 40 * HOUR}
        actions={{
          openCell: (p, c) => opened.push([p, c]),
          openJob: id => jobs.push(id),
          openStorage: name => storages.push(name)
        }}
      />
    );
    await screen.findByText('Finished while you were away');
    const finished = container.querySelector('[data-group="finished"]')!;
    expect(finished.textContent).toContain(
      'train.ipynb [14] ran 6 h 12 min and finished 1 d 7 h ago; its last line was epoch 50 accuracy 0.93'
    );
    expect(container.querySelector('[data-group="running"]')!.textContent).toContain(
      'long.ipynb [2] running for 2 h'
    );
    // The file's name is text: no element was made of it.
    const failed = container.querySelector('[data-group="failed"]')!;
    expect(failed.textContent).toContain(`${XSS} [3] failed with ZeroDivisionError`);
    expect(container.querySelector('img')).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Open train.ipynb at cell [14]' }));
    fireEvent.click(screen.getByRole('button', { name: `Open ${XSS} at cell [3]` }));
    fireEvent.click(screen.getByRole('button', { name: 'Open the log of job sweep' }));
    expect(opened).toEqual([
      ['train.ipynb', 14],
      [XSS, 3]
    ]);
    expect(jobs).toEqual(['jabc']);
    expect(new URL(seen[0].url).searchParams.get('since')).toBe(String(NOW - 40 * HOUR));
    const idleGroup = container.querySelector('[data-group="idle"]')!;
    expect(idleGroup.textContent).toContain('Idle for 2 of 4 days: this server will be removed on');
    // The daily checks made while away, from the journal, newest first.
    expect([...idleGroup.querySelectorAll('li')].map(li => li.textContent)).toEqual([
      '2026-11-29: counted as idle day 2 of 4',
      '2026-11-28: counted as idle day 1 of 4'
    ]);
    expect(container.querySelector('[data-group="storage"]')!.textContent).toContain(
      'Project (brno12) was nearly full (93 % full, 7 GiB free) 2 h ago'
    );
    fireEvent.click(screen.getByRole('button', { name: 'Browse Project (brno12)' }));
    expect(storages).toEqual(['project-brno12']);
    expect(container.querySelector('[data-group="usage"]')!.textContent).toContain(
      'the server ran 1 d 18 h'
    );
  });

  it('asks for the period picked, says when nothing happened, and shows an error with a retry', async () => {
    let answer: IAnswer = ok(
      summary({
        finished: [],
        failed: [],
        running: [],
        jobs: [],
        idle: [],
        storage: [],
        watching: false
      })
    );
    const seen: Request[] = [];
    const model = new WelcomeModel(
      settingsRouting({ 'api/v1/activity': () => answer }, seen),
      () => NOW
    );
    render(<WelcomeBack model={model} trans={trans} actions={{ openCell: () => undefined }} />);
    await screen.findByText('Nothing happened in this period.');
    screen.getByText(/Kernels are not watched on this server/);

    answer = {
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: '"since" is after "until"' }
    };
    fireEvent.change(screen.getByLabelText('Period'), { target: { value: 'week' } });
    await screen.findByRole('alert');
    expect(screen.getByRole('alert').textContent).toContain('"since" is after "until"');
    const asked = seen.filter(r => new URL(r.url).pathname.endsWith('/activity'));
    expect(new URL(asked[asked.length - 1].url).searchParams.get('since')).toBe(
      String(NOW - 7 * 24 * HOUR)
    );
    answer = ok(summary());
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => screen.getByText('Finished while you were away'));
  });
});

describe('WelcomeModel', () => {
  it('opens the summary once after long enough away, and marks the page seen', async () => {
    let lastSeen: number | null = NOW - 9 * HOUR;
    const seen: Request[] = [];
    const model = new WelcomeModel(
      settingsRouting(
        {
          'GET api/v1/activity/seen': () => ok({ lastSeen }),
          'POST api/v1/activity/seen': () => {
            lastSeen = NOW;
            return ok({ lastSeen });
          }
        },
        seen
      ),
      () => NOW
    );
    expect(await model.checkReturn()).toBe(NOW - 9 * HOUR);
    expect(await model.checkReturn()).toBeUndefined(); // the same visit
    lastSeen = NOW - 7 * HOUR;
    expect(await model.checkReturn()).toBeUndefined(); // not away long enough
    lastSeen = NOW - 9 * HOUR;
    model.settings = { ...model.settings, showOnReturn: false };
    expect(await model.checkReturn()).toBeUndefined(); // "don't show again"
    expect(seen.filter(r => r.method === 'POST')).toHaveLength(4);
  });

  it('sends page events together, and none when they are turned off', async () => {
    const seen: Request[] = [];
    const model = new WelcomeModel(
      settingsRouting({ 'POST api/v1/activity/events': ok({ accepted: 2 }) }, seen)
    );
    model.report({ kind: 'document-opened', path: 'a.ipynb' });
    model.report({ kind: 'document-saved', path: 'a.ipynb' });
    await model.flush();
    expect(seen).toHaveLength(1);
    const body = JSON.parse(await seen[0].text());
    expect(body.events.map((e: { kind: string }) => e.kind)).toEqual([
      'document-opened',
      'document-saved'
    ]);
    model.settings = { ...model.settings, reportDocuments: false };
    model.report({ kind: 'document-closed', path: 'a.ipynb' });
    await model.flush();
    expect(seen).toHaveLength(1);
    model.dispose();
  });
});
