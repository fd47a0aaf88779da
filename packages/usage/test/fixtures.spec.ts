/**
 * The answers these tests feed the panels are typed by hand: each is checked against the
 * wire contract's schema, so a fixture the backend could never send fails here, not in a user's
 * browser.
 */
import {
  GpuInventory,
  HubServerList,
  IdleStatus,
  KernelUsageList,
  SaveAllRequest,
  UsageCost,
  UsageHistory,
  UsageSnapshot
} from '@hotstepper/api';
import { schemaErrors } from '@hotstepper/core/lib/testing';
import {
  A40,
  COUNTING_DOWN,
  cost,
  history,
  idle,
  inventory,
  kernels,
  NOT_UNDER_HUB,
  SAVE_ALL,
  snapshotWithGpus
} from './fixtures';
import { snapshot } from './helpers';

describe('the usage fixtures are answers the backend could send', () => {
  it.each([
    ['a snapshot', snapshotWithGpus()],
    ['a snapshot with a GPU', snapshotWithGpus([A40])],
    ['a snapshot from the helpers', snapshot(1.4, 3.7 * 1024 ** 3)]
  ])('%s is a UsageSnapshot', (_name, value) => {
    expect(schemaErrors(UsageSnapshot, value)).toEqual([]);
  });

  it.each([
    ['an hour', history('hour')],
    ['a day with gaps and a GPU', history('day', 288, 300, [3, 4], true)],
    ['a quarter', history('quarter', 360, 21600)]
  ])('%s of history is a UsageHistory', (_name, value) => {
    expect(schemaErrors(UsageHistory, value)).toEqual([]);
  });

  it('the kernels are a KernelUsageList', () => {
    expect(schemaErrors(KernelUsageList, kernels)).toEqual([]);
  });

  it.each([
    ['none', inventory('none')],
    ['nvidia-smi', inventory('nvidia-smi', [{ model: 'NVIDIA A40', free: 1, total: 2 }])]
  ])('the %s inventory is a GpuInventory', (_name, value) => {
    expect(schemaErrors(GpuInventory, value)).toEqual([]);
  });

  it('the cost is a UsageCost', () => {
    expect(schemaErrors(UsageCost, cost())).toEqual([]);
    expect(schemaErrors(UsageCost, cost('EUR', 3))).toEqual([]);
  });

  it.each([
    ['busy', idle({}, 0.5)],
    ['idle, counting down', idle(COUNTING_DOWN)],
    ['with no readings', idle({}, null)]
  ])('the idle status %s is an IdleStatus', (_name, value) => {
    expect(schemaErrors(IdleStatus, value)).toEqual([]);
  });

  it('My servers outside a hub is a HubServerList', () => {
    expect(schemaErrors(HubServerList, NOT_UNDER_HUB)).toEqual([]);
  });

  it('the save-all request is the data of a save-all event', () => {
    expect(schemaErrors(SaveAllRequest, SAVE_ALL)).toEqual([]);
  });

  it('the check fails on a fixture the backend could not send', () => {
    expect(schemaErrors(SaveAllRequest, { ...SAVE_ALL, deadline: '2026-11-27T03:05:00Z' })).toEqual(
      [expect.stringMatching(/^\/deadline: /)]
    );
    expect(schemaErrors(UsageSnapshot, { ...snapshotWithGpus(), sampledAt: 'now' })).not.toEqual(
      []
    );
  });
});
