import type { GpuInventory } from '@hotstepper/api';
import type { GpuReader, Platform, ResourceReader } from '../types';

/** The embedded default: one person's `jupyter lab` on their own machine. */
export class LocalPlatform implements Platform {
  readonly name = 'local' as const;

  constructor(
    readonly resources: ResourceReader,
    readonly gpus?: GpuReader
  ) {}

  // Filled in by the GPU work: nvidia-smi locally, node inventory on Kubernetes.
  async gpuInventory(): Promise<GpuInventory> {
    return { source: 'none', models: [], checkedAt: new Date().toISOString() };
  }

  describe(): Record<string, string> {
    return { resources: this.resources.source };
  }
}
