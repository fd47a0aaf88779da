import type { JobList } from '@hotstepper/api';
import { FakePageEvents } from '@hotstepper/core/lib/testing';
import { JobsModel } from '../src/model';
import { FakeBackend, info } from './helpers';

/** What one minute of an open page costs with the jobs panel open. */
async function requestsPerMinute(live: boolean) {
  const backend = new FakeBackend();
  const list: JobList = { jobs: [], total: 0, counts: {} };
  backend.routes['api/v1/jobs?limit=50&offset=0'] = { status: 200, body: list };
  backend.routes['api/v1/jobs/info'] = { status: 200, body: info() };
  const events = new FakePageEvents();
  events.setLive(live);
  const model = new JobsModel({ serverSettings: backend.settings, events });
  model.visible = true;
  await jest.advanceTimersByTimeAsync(60_000);
  const before = backend.seen.length;
  await jest.advanceTimersByTimeAsync(60_000);
  model.dispose();
  return backend.seen.length - before;
}

describe('one page-minute of the jobs panel', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('polls the list and the info once a minute while the page stream is live', async () => {
    const polling = await requestsPerMinute(false);
    const streaming = await requestsPerMinute(true);
    console.log(`jobs requests per page-minute: polling ${polling}, with the stream ${streaming}`);
    expect(streaming).toBe(2);
    expect(polling).toBe(24);
  });
});
