import type { GpuInventory } from '@hotstepper/api';
import { ProcProcesses } from '../local/processes';
import type { GpuReader, Platform, Processes, ResourceReader } from '../types';
import type { KubernetesCluster } from './cluster';
import { ClusterGpuInventory } from './gpus';

export interface KubernetesPlatformOptions {
  resources: ResourceReader;
  cluster: KubernetesCluster;
  /** The notebook's own GPUs (nvidia-smi in the pod), when it has any. */
  gpus?: GpuReader;
  /** The cluster's free / total GPUs; default: asked of `cluster` (the job runner shares it). */
  inventory?: Pick<ClusterGpuInventory, 'read'>;
}

/**
 * JupyterHub on Kubernetes: one pod per notebook. The container's own
 * cgroup is the notebook's, so usage and limits come from it.
 */
export class KubernetesPlatform implements Platform {
  readonly name = 'kubernetes' as const;
  readonly resources: ResourceReader;
  readonly gpus?: GpuReader;
  /** The backend runs in the notebook's pod: its /proc is the notebook's. */
  readonly processes: Processes = new ProcProcesses();
  private readonly cluster: KubernetesCluster;
  private inventory?: Pick<ClusterGpuInventory, 'read'>;

  constructor(options: KubernetesPlatformOptions) {
    ({ resources: this.resources, gpus: this.gpus, cluster: this.cluster } = options);
    this.inventory = options.inventory;
  }

  /** The cluster's free / total GPUs per model; the client is set up on the first call, inside a pod only. */
  async gpuInventory(): Promise<GpuInventory> {
    if (!this.inventory && !this.cluster.reachable) {
      return {
        source: 'none',
        models: [],
        reason:
          'Not running in a Kubernetes pod (KUBERNETES_SERVICE_HOST is unset): no cluster to ask',
        checkedAt: new Date().toISOString()
      };
    }
    this.inventory ??= new ClusterGpuInventory(this.cluster);
    return this.inventory.read();
  }

  describe(): Record<string, string> {
    const { namespace, podName } = this.cluster;
    return { resources: this.resources.source, namespace, pod: podName };
  }
}
