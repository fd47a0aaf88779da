import { HubServerList, type IdleStatus } from '@hotstepper/api';
import { schemaErrors } from '@hotstepper/core/lib/testing';
import { formatMoney } from '@hotstepper/core';
import { nullTranslator } from '@jupyterlab/translation';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import React from 'react';
import { CostCard } from '../src/components/CostCard';
import { GpuCard } from '../src/components/GpuCard';
import { HistoryCard } from '../src/components/HistoryCard';
import { IdleCard } from '../src/components/IdleCard';
import { KernelsCard } from '../src/components/KernelsCard';
import { NowCard } from '../src/components/NowCard';
import { ServersCard } from '../src/components/ServersCard';
import { UsageStatus } from '../src/components/UsageStatus';
import { UsagePanelView } from '../src/components/UsagePanel';
import { type ISessionSource, type ResourceName, UsageModel } from '../src/model';
import {
  A40,
  COUNTING_DOWN,
  cost,
  history,
  idle,
  inventory,
  kernels,
  snapshotWithGpus
} from './fixtures';
import { type IAnswer, settingsRouting, until } from './helpers';

// jsdom cannot lay out SVG: the charts are stand-ins that show what they were given.
jest.mock('../src/components/lazyCharts', () => {
  const React = jest.requireActual('react');
  return {
    loadCharts: () => Promise.resolve({}),
    HistoryChart: (p: { metric: string; rows: unknown[] }) =>
      React.createElement('div', {
        'data-testid': `history-${p.metric}`,
        'data-points': p.rows.length
      }),
    CostChart: (p: { bars: unknown[] }) =>
      React.createElement('div', { 'data-testid': 'cost-chart', 'data-days': p.bars.length }),
    IdleChart: (p: { threshold: number; thresholdLabel: string }) =>
      React.createElement('div', {
        'data-testid': 'idle-chart',
        'data-threshold': p.threshold,
        'data-label': p.thresholdLabel
      })
  };
});

const trans = nullTranslator.load('hotstepper');
const ok = (body: unknown): IAnswer => ({ status: 200, body });

function routes(overrides: Record<string, IAnswer> = {}): Record<string, IAnswer> {
  return {
    'api/v1/usage/now': ok(snapshotWithGpus()),
    'api/v1/usage/history?range=hour': ok(history('hour', 12, 300, [], false)),
    'api/v1/usage/history?range=week': ok(history('week', 12, 1800, [], true)),
    'api/v1/usage/kernels': ok(kernels),
    'api/v1/usage/gpus': ok(inventory('none')),
    'api/v1/usage/cost': ok(cost()),
    'api/v1/usage/idle': ok(idle()),
    ...overrides
  };
}

const models: UsageModel[] = [];
afterEach(() => models.splice(0).forEach(m => m.dispose()));

/** A visible model once the named endpoints have answered. */
async function loaded(
  answers: Record<string, IAnswer>,
  names: ResourceName[] = ['now', 'history', 'kernels', 'gpus', 'cost', 'idle'],
  sessions?: ISessionSource
): Promise<UsageModel> {
  const model = new UsageModel({
    serverSettings: settingsRouting(answers),
    visible: true,
    sessions
  });
  models.push(model);
  await until(model.changed, () => names.every(n => !model.state(n).loading));
  return model;
}

describe('GpuCard', () => {
  it('draws one square per GPU, filled when taken, with "free / total" and a label', async () => {
    const model = await loaded(
      routes({
        'api/v1/usage/gpus': ok(
          inventory('kubernetes', [
            { model: 'NVIDIA A40', free: 3, total: 8 },
            { model: 'mig-1g.10gb', free: 0, total: 7 }
          ])
        )
      })
    );
    const { container } = render(<GpuCard model={model} trans={trans} />);
    const a40 = container.querySelector('[data-model="NVIDIA A40"]') as HTMLElement;
    expect(a40.querySelectorAll('.hs-GpuCard-squares .hs-mod-taken')).toHaveLength(5);
    expect(a40.querySelectorAll('.hs-GpuCard-squares .hs-mod-free')).toHaveLength(3);
    expect(within(a40).getByText('3 free / 8')).toBeTruthy();
    expect(within(a40).getByRole('img').getAttribute('aria-label')).toBe('NVIDIA A40: 3 of 8 free');
    const mig = container.querySelector('[data-model="mig-1g.10gb"]') as HTMLElement;
    expect(mig.querySelectorAll('.hs-GpuCard-squares .hs-mod-taken')).toHaveLength(7);
    expect(mig.querySelectorAll('.hs-GpuCard-squares .hs-mod-free')).toHaveLength(0);
    expect(screen.getByText(/from the cluster's nodes/)).toBeTruthy();
  });

  it("says when the hub's cluster service counted, and when this server counted because it did not answer", async () => {
    for (const [via, said] of [
      ['cluster-service', /running pods \(the hub's cluster view\), checked at/],
      ['own', /counted by this server: the hub's cluster service did not answer/]
    ] as const) {
      const model = await loaded(
        routes({
          'api/v1/usage/gpus': ok({
            ...inventory('kubernetes', [{ model: 'NVIDIA A40', free: 3, total: 8 }]),
            via
          })
        })
      );
      const { unmount } = render(<GpuCard model={model} trans={trans} />);
      expect(screen.getByText(said)).toBeTruthy();
      unmount();
    }
  });

  it('is not there at all without GPUs (inventory "none", none in the snapshot)', async () => {
    const model = await loaded(routes());
    const { container } = render(<GpuCard model={model} trans={trans} />);
    expect(container.innerHTML).toBe('');
  });

  it('is not there while it is not yet known whether there are GPUs', () => {
    const model = new UsageModel({ serverSettings: settingsRouting(routes()) });
    models.push(model);
    const { container } = render(<GpuCard model={model} trans={trans} />);
    expect(container.innerHTML).toBe('');
  });

  it("shows the notebook's own GPUs even when the inventory has none, with its reason", async () => {
    const model = await loaded(
      routes({
        'api/v1/usage/now': ok(snapshotWithGpus([A40])),
        'api/v1/usage/gpus': ok({ ...inventory('none'), reason: 'nvidia-smi is not installed' })
      })
    );
    render(<GpuCard model={model} trans={trans} />);
    expect(screen.getByText('nvidia-smi is not installed')).toBeTruthy();
  });

  it('leaves no empty boxes in the panel when there are no GPUs', async () => {
    const model = await loaded(routes());
    const { container } = render(<UsagePanelView model={model} trans={trans} />);
    expect(container.querySelector('.hs-UsageCard-gpus')).toBeNull();
    expect(container.querySelector('.hs-Meter-gpu')).toBeNull();
    expect(screen.queryByTestId('history-gpu')).toBeNull();
    expect(screen.queryByTestId('history-gpuMemory')).toBeNull();
    expect(container.querySelectorAll('.hs-UsageCard')).toHaveLength(5);
  });
});

describe('CostCard', () => {
  it('shows the totals in the price table currency, labelled as an estimate', async () => {
    const model = await loaded(routes({ 'api/v1/usage/cost': ok(cost('EUR')) }), ['cost']);
    const { container } = render(<CostCard model={model} trans={trans} />);
    const total = (period: string) =>
      container.querySelector(`[data-period="${period}"] dd`)?.textContent;
    expect(total('today')).toBe(formatMoney(21.6, 'EUR'));
    expect(total('week')).toBe(formatMoney(151.2, 'EUR'));
    expect(total('quarter')).toBe(formatMoney(1234.5, 'EUR'));
    expect(total('quarter')).toMatch(/€/);
    expect(screen.getByText('Estimate')).toBeTruthy();
    expect(
      screen.getByText(
        'An estimate of what the server reserved (its limits), not of what it used. It is not an invoice.'
      )
    ).toBeTruthy();
    // 95 days answered: the chart gets the last 90.
    expect(screen.getByTestId('cost-chart').getAttribute('data-days')).toBe('90');
  });

  it('has the price table behind a disclosure, GPU prices by model', async () => {
    const model = await loaded(routes(), ['cost']);
    const { container } = render(<CostCard model={model} trans={trans} />);
    const details = container.querySelector('details.hs-CostCard-prices') as HTMLDetailsElement;
    expect(details.open).toBe(false);
    expect(within(details).getByText('Price table').tagName).toBe('SUMMARY');
    const rows = [...details.querySelectorAll('tr')].map(r => r.textContent);
    expect(rows).toEqual([
      `CPU, per core and hour${formatMoney(0.5, 'CZK')}`,
      `Memory, per GiB and hour${formatMoney(0.1, 'CZK')}`,
      `GPU mig-1g.10gb, per hour${formatMoney(5, 'CZK')}`,
      `Any other GPU, per hour${formatMoney(20, 'CZK')}`
    ]);
    expect(screen.getByRole('button', { name: 'Export CSV' })).toBeTruthy();
  });

  it('without limits, says none is set and that what was used is priced', async () => {
    const model = await loaded(
      routes({ 'api/v1/usage/cost': ok({ ...cost('CZK'), unlimited: ['cpu', 'memory'] }) }),
      ['cost']
    );
    const { container } = render(<CostCard model={model} trans={trans} />);
    expect(container.querySelector('.hs-CostCard-basis')?.textContent).toBe(
      'No CPU or memory limit is set on this server, so the estimate prices what it used. It is not an invoice.'
    );
  });

  it('a lone default GPU price is "A GPU", not "Any other GPU"', async () => {
    const only = cost('CZK');
    only.prices.gpuHour = { default: 20 };
    const model = await loaded(routes({ 'api/v1/usage/cost': ok(only) }), ['cost']);
    const { container } = render(<CostCard model={model} trans={trans} />);
    const rows = [...container.querySelectorAll('details tr')].map(r => r.textContent);
    expect(rows.at(-1)).toBe(`A GPU, per hour${formatMoney(20, 'CZK')}`);
    expect(container.textContent).not.toMatch(/Any other GPU/);
  });

  it('says what went wrong when the cost cannot be had', async () => {
    const model = await loaded(
      routes({
        'api/v1/usage/cost': {
          status: 500,
          body: { statusCode: 500, error: 'x', message: 'state.db is locked' }
        }
      }),
      ['cost']
    );
    render(<CostCard model={model} trans={trans} />);
    expect(screen.getByRole('alert').textContent).toBe('Could not load: state.db is locked');
  });

  it('exports the CSV through the server connection and reports a failure', async () => {
    const model = await loaded(
      routes({
        'api/v1/usage/cost.csv': {
          status: 404,
          body: {
            statusCode: 404,
            error: 'Not Found',
            message: 'No route GET /api/v1/usage/cost.csv'
          }
        }
      }),
      ['cost']
    );
    render(<CostCard model={model} trans={trans} />);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    });
    await screen.findByText('Export failed: No route GET /api/v1/usage/cost.csv');
  });
});

describe('IdleCard', () => {
  async function renderIdle(status: IdleStatus) {
    const model = await loaded(routes({ 'api/v1/usage/idle': ok(status) }), ['idle']);
    return render(<IdleCard model={model} trans={trans} />);
  }

  it('idle, not yet counting: the verdict, the reason and "Not counting down"', async () => {
    const { container } = await renderIdle(idle());
    expect(screen.getByText('Idle so far today')).toBeTruthy();
    expect(
      screen.getByText('CPU below 0.1 CPU in every 5-minute segment of the last 24 h')
    ).toBeTruthy();
    expect(container.querySelector('.hs-IdleCard-counter')?.textContent).toBe('0 of 4 idle days');
    expect(container.querySelector('.hs-IdleCard-removal')?.textContent).toBe('Not counting down');
    expect(screen.getByTestId('idle-chart').getAttribute('data-threshold')).toBe('0.1');
    expect(screen.getByTestId('idle-chart').getAttribute('data-label')).toBe('threshold 0.1 CPU');
  });

  it('busy: the busiest segment against the threshold', async () => {
    await renderIdle(idle({}, 0.8));
    expect(screen.getByText('Busy today')).toBeTruthy();
    expect(
      screen.getByText(
        'The busiest 5-minute segment of the last 24 h used 0.8 CPU, not below 0.1 CPU'
      )
    ).toBeTruthy();
    expect(screen.getByText('Not counting down')).toBeTruthy();
  });

  it('busy just above the threshold: enough digits to tell them apart', async () => {
    await renderIdle(idle({}, 0.1004));
    expect(
      screen.getByText(
        'The busiest 5-minute segment of the last 24 h used 0.1004 CPU, not below 0.1 CPU'
      )
    ).toBeTruthy();
  });

  it('counting down: the counter and the date of removal', async () => {
    const { container } = await renderIdle(idle({ ...COUNTING_DOWN, enforce: 'hub' }));
    expect(container.querySelector('.hs-IdleCard-counter')?.textContent).toBe('2 of 4 idle days');
    const removal = container.querySelector('.hs-IdleCard-removal') as HTMLElement;
    expect(removal.textContent).toMatch(/^Removal on .*28/);
    expect(removal.dataset.counting).toBe('true');
    expect(container.querySelector('.hs-IdleCard-enforce')).toBeNull();
  });

  it('counting down with enforce off: the rule would remove it, nothing removes it here', async () => {
    const { container } = await renderIdle(idle(COUNTING_DOWN));
    const removal = container.querySelector('.hs-IdleCard-removal') as HTMLElement;
    expect(removal.textContent).toMatch(
      /^The rule would remove it on .*28.*\. Nothing removes this server here\.$/
    );
    expect(container.textContent).not.toMatch(/Removal on/);
    expect(container.querySelector('.hs-IdleCard-enforce')?.textContent).toBe(
      'The idle rule only counts down here. Nothing stops or removes this server for being idle.'
    );
  });

  it('a server that reserved a GPU: only GPU activity counts, in percent', async () => {
    await renderIdle(
      idle(
        { resource: 'gpu', threshold: 0.005, maxIdleDays: 2, segments: [], busiest: 0.001 },
        0.001
      )
    );
    expect(
      screen.getByText('GPU utilisation below 0.5% in every 5-minute segment of the last 24 h')
    ).toBeTruthy();
    expect(screen.getByText('Only GPU activity counts: this server reserved a GPU.')).toBeTruthy();
    expect(screen.getByText('No readings in the last 24 h.')).toBeTruthy();
  });

  it('says when the clean-up is off', async () => {
    await renderIdle(idle({ enabled: false }));
    expect(screen.getByText('Idle clean-up is off on this server.')).toBeTruthy();
  });
});

describe('NowCard', () => {
  it('shows the same reading as the status item, and the platform apart from the user', async () => {
    const model = await loaded(
      routes({
        'api/v1/usage/kernels': ok({
          ...kernels,
          platform: { cpu: 0.42, memory: 300 * 1024 ** 2 }
        })
      }),
      ['now', 'kernels']
    );
    const { container } = render(
      <>
        <NowCard model={model} trans={trans} />
        <UsageStatus model={model} trans={trans} />
      </>
    );
    const measured = container.querySelector('.hs-NowCard-time')?.textContent;
    const status = container.querySelector('.hs-UsageStatus') as HTMLElement;
    expect(measured).toMatch(/^Measured at .+\.$/);
    // One model, one reading: the status item's tooltip names the same moment.
    expect(status.title.split('\n').at(-1)).toBe(measured);
    expect(container.querySelector('.hs-NowCard-platform')?.textContent).toBe(
      "Of this, Jupyter and Hotstepper themselves use 0.42 CPU and 300 MiB. They are the platform's processes, not your work."
    );
  });

  it('says when no limit is set, so the bar is against the whole machine', async () => {
    const snap = snapshotWithGpus();
    snap.cpu.limitSource = 'host';
    snap.memory.limitSource = 'host';
    const model = await loaded(routes({ 'api/v1/usage/now': ok(snap) }), ['now']);
    const { container } = render(<NowCard model={model} trans={trans} />);
    expect(container.querySelector('.hs-NowCard-limits')?.textContent).toBe(
      'No CPU or memory limit is set: the bars are against the whole machine.'
    );
  });

  it('draws CPU, memory and GPU bars coloured by the thresholds', async () => {
    const model = await loaded(routes({ 'api/v1/usage/now': ok(snapshotWithGpus([A40])) }), [
      'now'
    ]);
    const { container } = render(<NowCard model={model} trans={trans} />);
    const level = (part: string) =>
      container.querySelector(`.hs-Meter-${part} .hs-Meter-fill`)?.getAttribute('data-level');
    expect(level('cpu')).toBe('warn'); // 1.5 of 2
    expect(level('memory')).toBe('danger'); // 3.8 of 4 GiB
    expect(level('gpu')).toBe('ok'); // 42 %
    const cpu = screen.getByRole('meter', { name: 'CPU' });
    expect(cpu.getAttribute('aria-valuenow')).toBe('75');
    expect(cpu.getAttribute('aria-valuetext')).toMatch(/^1\.5 CPU of 2 CPU \(75\s?%\)$/);
  });

  it('shows loading first, then the error when there is no answer', async () => {
    const model = new UsageModel({
      serverSettings: settingsRouting(
        routes({
          'api/v1/usage/now': {
            status: 503,
            body: { statusCode: 503, error: 'x', message: 'No usage reading yet' }
          }
        })
      ),
      visible: true
    });
    models.push(model);
    const { rerender } = render(<NowCard model={model} trans={trans} />);
    expect(screen.getByRole('status').textContent).toBe('Loading…');
    await until(model.changed, () => !model.now.loading);
    rerender(<NowCard model={model} trans={trans} />);
    expect(screen.getByRole('alert').textContent).toBe('Could not load: No usage reading yet');
  });
});

describe('KernelsCard', () => {
  it('lists kernels by memory with their notebooks', async () => {
    const sessions = {
      running: () => [{ path: 'work/analysis.ipynb', kernel: { id: 'bbbb-2' } }][Symbol.iterator]()
    };
    const model = await loaded(routes(), ['now', 'kernels'], sessions);
    const { container } = render(<KernelsCard model={model} trans={trans} />);
    const rows = [...container.querySelectorAll('.hs-KernelsCard-row')] as HTMLElement[];
    expect(rows.map(r => r.dataset.kernelId)).toEqual(['bbbb-2', 'cccc-3', 'aaaa-1']);
    expect(rows[0].querySelector('.hs-KernelsCard-name')?.textContent).toBe('analysis.ipynb');
    expect(rows[0].querySelector('.hs-KernelsCard-dir')?.textContent).toBe('work');
    expect(rows[0].querySelector('.hs-KernelsCard-memory')?.textContent).toBe('2 GiB');
    // A kernel no session here holds: said in words; its id only in the tooltip.
    expect(rows[1].querySelector('.hs-KernelsCard-name')?.textContent).toBe(
      'A kernel not open here'
    );
    expect(rows[1].title).toMatch(/^A kernel that no notebook or console .* \(kernel id cccc-3/);
    expect(rows[0].title).toMatch(/^work\/analysis.ipynb\n2 GiB \(50\s?% of the limit\)/);
  });

  it('says when no kernel runs', async () => {
    const model = await loaded(
      routes({ 'api/v1/usage/kernels': ok({ kernels: [], other: { cpu: 0, memory: 1024 } }) }),
      ['kernels']
    );
    render(<KernelsCard model={model} trans={trans} />);
    expect(screen.getByText('No kernels running.')).toBeTruthy();
  });
});

describe('HistoryCard', () => {
  it('switches range with keyboard-reachable toggle buttons; GPU charts only with GPU data', async () => {
    const model = await loaded(routes(), ['history']);
    const { rerender } = render(<HistoryCard model={model} trans={trans} />);
    expect(screen.getByTestId('history-cpu')).toBeTruthy();
    expect(screen.getByTestId('history-memory')).toBeTruthy();
    expect(screen.queryByTestId('history-gpu')).toBeNull();

    const group = screen.getByRole('group', { name: 'History range' });
    const buttons = within(group).getAllByRole('button');
    expect(buttons.map(b => [b.textContent, b.getAttribute('aria-pressed')])).toEqual([
      ['Hour', 'true'],
      ['Day', 'false'],
      ['Week', 'false']
    ]);
    buttons[2].focus();
    expect(document.activeElement).toBe(buttons[2]);
    fireEvent.click(buttons[2]);
    expect(model.range).toBe('week');
    await until(model.changed, () => model.history.value?.range === 'week');
    rerender(<HistoryCard model={model} trans={trans} />);
    expect(screen.getByTestId('history-gpu')).toBeTruthy();
    expect(screen.getByTestId('history-gpuMemory')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Week' }).getAttribute('aria-pressed')).toBe('true');
  });
});

describe('ServersCard', () => {
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
  const servers = (over: Partial<HubServerList> = {}): HubServerList => ({
    available: true,
    user: 'alice',
    limit: 2,
    running: 1,
    servers: [
      {
        name: '',
        current: true,
        state: 'running',
        url: '/user/alice/',
        started: minutesAgo(90),
        lastActivity: minutesAgo(1)
      },
      {
        name: 'gpu',
        current: false,
        state: 'stopped',
        url: null,
        started: null,
        lastActivity: minutesAgo(3 * 24 * 60)
      }
    ],
    ...over
  });

  it('lists the servers with their state and the limit, and starts one through the backend', async () => {
    const body = servers();
    expect(schemaErrors(HubServerList, body)).toEqual([]);
    const seen: Request[] = [];
    const model = new UsageModel({
      serverSettings: settingsRouting(
        routes({
          'GET api/v1/usage/servers': ok(body),
          'POST api/v1/usage/servers': { status: 202, body: { name: 'gpu', action: 'start' } }
        }),
        seen
      ),
      visible: true
    });
    models.push(model);
    await until(model.changed, () => model.servers.value !== undefined);
    const { container } = render(<ServersCard model={model} trans={trans} />);
    expect(container.querySelector('.hs-ServersCard-count')!.textContent).toBe('1 running');
    expect(screen.getByLabelText('New server (1 of 2 named)')).toBeTruthy();
    const current = container.querySelector('[data-server=""]') as HTMLElement;
    expect(current.textContent).toContain('default');
    expect(current.textContent).toContain('this page');
    // The page's own server is not stopped from here.
    expect(within(current).queryByRole('button')).toBeNull();
    const gpu = container.querySelector('[data-server="gpu"]') as HTMLElement;
    expect(gpu.textContent).toContain('stopped');
    expect(gpu.textContent).toContain('last active 3 d ago');
    await act(async () => {
      fireEvent.click(within(gpu).getByRole('button', { name: 'Start gpu' }));
      await model.answered('servers');
    });
    const post = seen.find(r => r.method === 'POST')!;
    expect(new URL(post.url).pathname).toBe('/hotstepper/api/v1/usage/servers');
    expect(await post.json()).toEqual({ name: 'gpu', action: 'start' });
  });

  it('refuses a new server past the limit, saying why, and shows the hub’s refusal', async () => {
    const model = await loaded(
      routes({
        'GET api/v1/usage/servers': ok(
          servers({
            running: 2,
            servers: [
              ...servers().servers.map(s => ({
                ...s,
                state: 'running' as const,
                url: s.name ? '/user/alice/gpu/' : '/user/alice/'
              })),
              { ...servers().servers[1], name: 'old' }
            ]
          })
        )
      }),
      ['servers']
    );
    render(<ServersCard model={model} trans={trans} />);
    fireEvent.change(screen.getByPlaceholderText('name'), { target: { value: 'third' } });
    const start = screen.getByRole('button', { name: 'Start' });
    expect((start as HTMLButtonElement).disabled).toBe(true);
    screen.getByText('You have 2 of 2 named servers: remove a stopped one before making another');
    // A stopped named server still starts at the limit: the hub counts it already.
    expect((screen.getByRole('button', { name: 'Start old' }) as HTMLButtonElement).disabled).toBe(
      false
    );
    expect(screen.getByRole('link', { name: 'Open gpu in a new tab' }).getAttribute('href')).toBe(
      '/user/alice/gpu/'
    );

    const refused = await loaded(
      routes({
        'GET api/v1/usage/servers': ok(servers()),
        'POST api/v1/usage/servers': {
          status: 409,
          body: {
            statusCode: 409,
            error: 'Conflict',
            message: 'Invalid server_name (may not contain "/"): a/b'
          }
        }
      }),
      ['servers']
    );
    const { container } = render(<ServersCard model={refused} trans={trans} />);
    const gpu = container.querySelector('[data-server="gpu"]') as HTMLElement;
    await act(async () => {
      fireEvent.click(within(gpu).getByRole('button', { name: 'Start gpu' }));
      await refused.answered('servers');
    });
    expect(within(container).getByRole('alert').textContent).toContain('Invalid server_name');
  });

  it('is not in the panel outside JupyterHub, and is not asked again', async () => {
    const seen: Request[] = [];
    const notHub: HubServerList = {
      available: false,
      reason: 'This server does not run under JupyterHub.',
      user: null,
      limit: null,
      running: 0,
      servers: []
    };
    const model = new UsageModel({
      serverSettings: settingsRouting(routes({ 'api/v1/usage/servers': ok(notHub) }), seen),
      visible: true
    });
    models.push(model);
    await until(model.changed, () => model.servers.value !== undefined);
    const { container } = render(<UsagePanelView model={model} trans={trans} />);
    expect(container.querySelector('.hs-UsageCard-servers')).toBeNull();
    const asked = () => seen.filter(r => new URL(r.url).pathname.endsWith('/servers')).length;
    expect(asked()).toBe(1);
    model.refresh();
    await model.answered('now');
    expect(asked()).toBe(1);
  });
});
