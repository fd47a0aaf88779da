/** What resources cost by the hour, from the admin's price table (`prices` in the config). */
import type { PriceTable } from '@hotstepper/api';

const GiB = 1024 ** 3;

/** Resources held for an hour: cores, bytes of memory, GPUs of one model. */
export interface PricedResources {
  cpu: number;
  memory: number;
  gpu?: { count: number; model?: string | null };
}

/**
 * The hourly price of one GPU of `model`: the exact key, else a key that differs only in
 * case or in an "NVIDIA " prefix ("a40" prices "NVIDIA A40"), else "default", else 0.
 */
export function gpuHourPrice(prices: PriceTable, model: string | null): number {
  const table = prices.gpuHour;
  if (model !== null) {
    if (Object.hasOwn(table, model)) {
      return table[model];
    }
    const plain = (name: string) => name.toLowerCase().replace(/^nvidia\s+/, '');
    const key = Object.keys(table).find(k => plain(k) === plain(model));
    if (key !== undefined) {
      return table[key];
    }
  }
  return table.default ?? 0;
}

/** The price of an hour of each resource. */
export function hourlyCosts(resources: PricedResources, prices: PriceTable) {
  const { cpu, memory, gpu } = resources;
  return {
    cpu: cpu * prices.cpuHour,
    memory: (memory / GiB) * prices.memoryGiBHour,
    gpu: gpu ? gpu.count * gpuHourPrice(prices, gpu.model ?? null) : 0
  };
}

/** The price of an hour of these resources. */
export function hourlyRate(resources: PricedResources, prices: PriceTable): number {
  const costs = hourlyCosts(resources, prices);
  return costs.cpu + costs.memory + costs.gpu;
}
