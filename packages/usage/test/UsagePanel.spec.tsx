import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import { act } from '@testing-library/react';
import { UsagePanel } from '../src/components/UsagePanel';
import { UsageModel } from '../src/model';
import { cost, history, idle, inventory, kernels, snapshotWithGpus } from './fixtures';
import { settingsRouting, until } from './helpers';

// The charts would load recharts in jsdom: stand-ins.
jest.mock('../src/components/lazyCharts', () => ({
  loadCharts: () => Promise.resolve({}),
  HistoryChart: () => null,
  CostChart: () => null,
  IdleChart: () => null
}));

const trans = nullTranslator.load('hotstepper');
const ok = (body: unknown) => ({ status: 200, body });

describe('UsagePanel', () => {
  it('polls and renders only while shown (the idle status is polled all the same)', async () => {
    const seen: Request[] = [];
    const model = new UsageModel({
      serverSettings: settingsRouting(
        {
          'api/v1/usage/now': ok(snapshotWithGpus()),
          'api/v1/usage/history?range=hour': ok(history('hour')),
          'api/v1/usage/kernels': ok(kernels),
          'api/v1/usage/gpus': ok(inventory('none')),
          'api/v1/usage/cost': ok(cost()),
          'api/v1/usage/idle': ok(idle())
        },
        seen
      )
    });
    const panel = new UsagePanel(model, trans);
    expect(panel.id).toBe('hs-usage-panel');
    expect(panel.title.caption).toBe('Usage');
    panel.hide();
    Widget.attach(panel, document.body);
    await until(model.changed, () => model.idle.value !== undefined);
    await act(async () => {
      panel.update();
      await panel.renderPromise;
    });
    expect(model.visible).toBe(false);
    expect(panel.node.querySelector('.hs-UsageCard')).toBeNull();
    expect(seen.map(r => new URL(r.url).pathname)).toEqual(['/hotstepper/api/v1/usage/idle']);

    await act(async () => {
      panel.show();
      await until(model.changed, () => !model.now.loading && !model.cost.loading);
      panel.update();
      await panel.renderPromise;
    });
    expect(model.visible).toBe(true);
    expect(panel.node.querySelector('.hs-UsageCard-idle .hs-IdleCard-counter')?.textContent).toBe(
      '0 of 4 idle days'
    );
    expect(panel.node.querySelectorAll('.hs-UsageCard')).toHaveLength(5);

    await act(async () => panel.dispose());
    expect(model.isDisposed).toBe(true);
  });
});
