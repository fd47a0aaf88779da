import type { GpuInventory } from '@hotstepper/api';
import type { GpuReader, Platform, Processes, ResourceReader } from '../types';
import { ProcProcesses } from './processes';

/** Where this machine's GPUs are counted: nvidia-smi (NvidiaSmiReader). */
export interface LocalGpuInventory {
  inventory(): Promise<GpuInventory>;
}

/** The embedded default: one person's `jupyter lab` on their own machine. */
export class LocalPlatform implements Platform {
  readonly name = 'local' as const;
  readonly processes: Processes = new ProcProcesses();

  constructor(
    readonly resources: ResourceReader,
    readonly gpus?: GpuReader,
    private readonly inventory?: LocalGpuInventory
  ) {}

  /** Free / total GPUs of this machine: those no compute process runs on are free. */
  async gpuInventory(): Promise<GpuInventory> {
    return this.inventory
      ? this.inventory.inventory()
      : {
          source: 'none',
          models: [],
          reason: 'No NVIDIA GPU on this machine',
          checkedAt: new Date().toISOString()
        };
  }

  describe(): Record<string, string> {
    return { resources: this.resources.source };
  }
}
