import type { PriceTable } from '@hotstepper/api';
import { gpuHourPrice, hourlyRate } from '../src/pricing';
import { GiB } from './helpers';

const PRICES: PriceTable = {
  currency: 'CZK',
  basis: 'reserved',
  cpuHour: 0.5,
  memoryGiBHour: 0.1,
  gpuHour: { default: 20, a40: 40, 'mig-1g.10gb': 5 }
};

describe('gpuHourPrice', () => {
  it.each<[string | null, number]>([
    ['mig-1g.10gb', 5],
    ['a40', 40],
    ['A40', 40],
    ['NVIDIA A40', 40],
    ['NVIDIA A100-SXM4-80GB', 20],
    [null, 20]
  ])('%s costs %d an hour', (model, price) => {
    expect(gpuHourPrice(PRICES, model)).toBe(price);
  });

  it('is 0 for an unknown model when the table has no default', () => {
    expect(gpuHourPrice({ ...PRICES, gpuHour: { a40: 40 } }, 'Tesla T4')).toBe(0);
  });

  it('does not take a price from the object prototype', () => {
    expect(gpuHourPrice(PRICES, 'constructor')).toBe(20);
  });
});

describe('hourlyRate', () => {
  it('adds cores, GiB of memory and GPUs of their model, each at its hourly price', () => {
    expect(hourlyRate({ cpu: 2, memory: 4 * GiB }, PRICES)).toBeCloseTo(2 * 0.5 + 4 * 0.1);
    expect(
      hourlyRate({ cpu: 1, memory: 2 * GiB, gpu: { count: 2, model: 'NVIDIA A40' } }, PRICES)
    ).toBeCloseTo(0.5 + 0.2 + 80);
  });

  it('prices a GPU without a model at the default', () => {
    expect(hourlyRate({ cpu: 0, memory: 0, gpu: { count: 1 } }, PRICES)).toBe(20);
  });
});
