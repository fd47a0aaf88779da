import { FakePageEvents } from '@hotstepper/core/lib/testing';
import { FlareModel } from '../src/model';
import { exposure, exposures, info, ports } from './fixtures';
import { type IAnswer, settingsRouting } from './helpers';

const ok = (body: unknown): IAnswer => ({ status: 200, body });

/** What one minute of an open page costs with the flare panel open. */
async function requestsPerMinute(live: boolean) {
  const seen: Request[] = [];
  const events = new FakePageEvents();
  events.setLive(live);
  const list = exposures([exposure({ name: 'dash', port: 8050 })]);
  const model = new FlareModel({
    visible: true,
    serverSettings: settingsRouting(
      {
        'api/v1/flare/info': ok(info()),
        'api/v1/flare/ports': ok(ports([8050, 'python app.py', ['dash']])),
        'api/v1/flare/exposures': ok(list)
      },
      seen
    ),
    events
  });
  await jest.advanceTimersByTimeAsync(60_000);
  const before = seen.length;
  for (let s = 0; s < 60; s++) {
    if (live && s % 3 === 0) {
      events.emit('exposures', list);
    }
    await jest.advanceTimersByTimeAsync(1000);
  }
  model.dispose();
  return seen.length - before;
}

describe('one page-minute of the flare panel', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('costs no poll of the exposures while the page stream is live', async () => {
    const polling = await requestsPerMinute(false);
    const streaming = await requestsPerMinute(true);
    console.log(`flare requests per page-minute: polling ${polling}, with the stream ${streaming}`);
    // The exposures every 3 s are what the stream replaces; the ports stay polled.
    expect(polling - streaming).toBe(20);
  });
});
