/**
 * A writable storage passing the nearly-full mark goes into the activity journal, once per
 * crossing: a real tmpfs filled through the file system, the real storage and activity routes.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ActivitySummary } from '@hotstepper/api';
import { EventBus, type BusTopics } from '../src/bus';
import { parseConfig } from '../src/config';
import { FillWatch } from '../src/features/storage/fill';
import { StorageService } from '../src/features/storage/service';
import { LocalStorageHost } from '../src/platform/local/storage';
import { httpRequest, startTestServer, type TestServer } from './helpers';
import { makeMounts } from './storage-mounts';

const MiB = 1024 * 1024;

describe('a storage nearly full', () => {
  let mounts: ReturnType<typeof makeMounts>;
  let storage: unknown;
  beforeAll(() => {
    mounts = makeMounts(8);
    storage = {
      discover: { enabled: false },
      mounts: [
        { name: 'scratch', path: mounts.tmpfs, kind: 'project', label: 'Scratch' },
        // Read-only: never reported, however full.
        { name: 'shared', path: mounts.readOnly, kind: 'shared' }
      ],
      nearlyFullPercent: 90,
      fullCheckSeconds: 1
    };
  });
  afterAll(() => mounts.teardown());
  afterEach(() => rmSync(join(mounts.tmpfs, 'ballast'), { force: true }));

  it('is published once when it passes 90 %, and again only after it dropped below', async () => {
    const bus = new EventBus();
    const published: Array<BusTopics['storage-nearly-full']> = [];
    bus.subscribe('storage-nearly-full', s => published.push(s));
    const watch = new FillWatch(
      new StorageService({
        config: parseConfig({ storage }).storage,
        host: new LocalStorageHost({ env: {} }),
        rootDir: mounts.base
      }),
      bus,
      90
    );
    const ballast = join(mounts.tmpfs, 'ballast');
    await watch.check();
    expect(published).toEqual([]);

    writeFileSync(ballast, Buffer.alloc(7.5 * MiB, 1));
    await watch.check();
    expect(published).toMatchObject([{ name: 'scratch', label: 'Scratch', capacity: 8 * MiB }]);
    expect(published[0].used / published[0].capacity).toBeGreaterThanOrEqual(0.9);
    await watch.check();
    expect(published).toHaveLength(1);

    rmSync(ballast);
    await watch.check();
    writeFileSync(ballast, Buffer.alloc(7.5 * MiB, 1));
    await watch.check();
    expect(published).toHaveLength(2);
  });

  it('lands in the welcome-back summary through the bus', async () => {
    const bus = new EventBus();
    const server: TestServer = await startTestServer({
      bus,
      rootDir: mounts.base,
      config: { storage }
    });
    try {
      const journaled = new Promise<void>(resolve => {
        // The activity feature subscribed first, so it has journaled it when this one hears it.
        const off = bus.subscribe('storage-nearly-full', () => {
          off();
          resolve();
        });
      });
      writeFileSync(join(mounts.tmpfs, 'ballast'), Buffer.alloc(7.5 * MiB, 1));
      await journaled;
      const res = await httpRequest(server.socket, {
        method: 'GET',
        path: '/api/v1/activity?since=0'
      });
      const { storage: events } = res.json() as ActivitySummary;
      expect(events).toMatchObject([
        { kind: 'storage-nearly-full', name: 'Scratch', ref: 'scratch' }
      ]);
      expect(events[0].detail).toMatch(/^9\d % full, [\d.]+ (KiB|MiB) free$/);
    } finally {
      await server.close();
    }
  });
});
