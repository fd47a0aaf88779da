import type { GpuInventory } from '@hotstepper/api';
import { ProcProcesses } from '../local/processes';
import type { GpuReader, Platform, Processes, ResourceReader } from '../types';
import { NAMESPACE_FILE, podNamespace } from './client';
import { ClusterGpuInventory } from './gpus';

/**
 * JupyterHub on Kubernetes: one pod per notebook. The container's own
 * cgroup is the notebook's, so usage and limits come from it.
 */
export class KubernetesPlatform implements Platform {
  readonly name = 'kubernetes' as const;
  /** The backend runs in the notebook's pod: its /proc is the notebook's. */
  readonly processes: Processes = new ProcProcesses();
  readonly namespace: string;
  readonly podName: string;
  private readonly inCluster: boolean;

  constructor(
    readonly resources: ResourceReader,
    env: NodeJS.ProcessEnv = process.env,
    namespaceFile = NAMESPACE_FILE,
    readonly gpus?: GpuReader,
    private cluster?: Pick<ClusterGpuInventory, 'read'>
  ) {
    this.inCluster = Boolean(env.KUBERNETES_SERVICE_HOST);
    this.podName = env.HOSTNAME ?? '';
    // Outside a pod with a service account the namespace stays unknown ('').
    this.namespace = podNamespace(env, namespaceFile);
  }

  /** The cluster's free / total GPUs per model; the client is set up on the first call, inside a pod only. */
  async gpuInventory(): Promise<GpuInventory> {
    if (!this.cluster && !this.inCluster) {
      return {
        source: 'none',
        models: [],
        reason:
          'Not running in a Kubernetes pod (KUBERNETES_SERVICE_HOST is unset): no cluster to ask',
        checkedAt: new Date().toISOString()
      };
    }
    this.cluster ??= new ClusterGpuInventory();
    return this.cluster.read();
  }

  describe(): Record<string, string> {
    return { resources: this.resources.source, namespace: this.namespace, pod: this.podName };
  }
}
