import { readFileSync } from 'node:fs';
import type { GpuInventory } from '@hotstepper/api';
import type { GpuReader, Platform, ResourceReader } from '../types';

const NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/**
 * JupyterHub on Kubernetes: one pod per notebook. The container's own
 * cgroup is the notebook's, so usage and limits come from it.
 */
export class KubernetesPlatform implements Platform {
  readonly name = 'kubernetes' as const;
  readonly namespace: string;
  readonly podName: string;

  constructor(
    readonly resources: ResourceReader,
    env: NodeJS.ProcessEnv = process.env,
    namespaceFile = NAMESPACE_FILE,
    readonly gpus?: GpuReader
  ) {
    this.podName = env.HOSTNAME ?? '';
    let namespace = env.POD_NAMESPACE ?? '';
    try {
      namespace ||= readFileSync(namespaceFile, 'utf8').trim();
    } catch {
      // Outside a pod with a service account: the namespace stays unknown.
    }
    this.namespace = namespace;
  }

  // Filled in by the GPU work: nvidia-smi locally, node inventory on Kubernetes.
  async gpuInventory(): Promise<GpuInventory> {
    return { source: 'none', models: [], checkedAt: new Date().toISOString() };
  }

  describe(): Record<string, string> {
    return { resources: this.resources.source, namespace: this.namespace, pod: this.podName };
  }
}
