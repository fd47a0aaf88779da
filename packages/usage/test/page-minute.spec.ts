import { FakePageEvents } from '@hotstepper/core/lib/testing';
import { DEFAULT_SETTINGS, UsageModel } from '../src/model';
import {
  cost,
  history,
  idle,
  inventory,
  kernels,
  NOT_UNDER_HUB,
  snapshotWithGpus
} from './fixtures';
import { type IAnswer, settingsRouting, snapshot } from './helpers';

const ok = (body: unknown): IAnswer => ({ status: 200, body });

/** What one minute of an open page costs: the status item shown and the panel open. */
async function requestsPerMinute(live: boolean) {
  const seen: Request[] = [];
  const events = new FakePageEvents();
  events.setLive(live);
  const model = new UsageModel({
    serverSettings: settingsRouting(
      {
        'api/v1/usage/now': ok(snapshotWithGpus()),
        'api/v1/usage/history?range=hour': ok(history('hour')),
        'api/v1/usage/kernels': ok(kernels),
        'api/v1/usage/gpus': ok(inventory('none')),
        'api/v1/usage/cost': ok(cost()),
        'api/v1/usage/idle': ok(idle()),
        'api/v1/usage/servers': ok(NOT_UNDER_HUB)
      },
      seen
    ),
    statusSettings: DEFAULT_SETTINGS,
    visible: true,
    events
  });
  // The first minute asks everything once; count a steady one.
  await jest.advanceTimersByTimeAsync(60_000);
  const before = seen.length;
  for (let s = 0; s < 60; s++) {
    if (live) {
      events.emit('usage', snapshot(s, 1));
    }
    await jest.advanceTimersByTimeAsync(1000);
  }
  model.dispose();
  return seen.length - before;
}

describe('one page-minute of the usage panel and status item', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('costs no poll of the current figures while the page stream is live', async () => {
    const polling = await requestsPerMinute(false);
    const streaming = await requestsPerMinute(true);
    console.log(`usage requests per page-minute: polling ${polling}, with the stream ${streaming}`);
    // The current figures every 5 s are what the stream replaces.
    expect(polling - streaming).toBe(12);
  });
});
