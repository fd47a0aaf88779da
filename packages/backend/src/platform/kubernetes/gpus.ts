import type { GpuAvailability, GpuInventory } from '@hotstepper/api';
import type { V1Container, V1Node, V1Pod } from '@kubernetes/client-node';
import { compareModels } from '../resources/nvidia';
import { apiError, type KubernetesCluster } from './cluster';

/** @kubernetes/client-node: large and an ES module, so loaded only when the inventory is first asked for. */
export type { KubernetesClient } from './cluster';

const GPU = 'nvidia.com/gpu';
const MIG = /^nvidia\.com\/mig-(\d+g\.\d+gb(?:\+me)?)$/;
const PRODUCT_LABEL = 'nvidia.com/gpu.product';
/** With the device plugin's `single` MIG strategy, instances are `nvidia.com/gpu` and the product label ends in the profile. */
const SINGLE_MIG_PRODUCT = /-MIG-(\d+g\.\d+gb(?:\+me)?)$/i;

/** The model a GPU resource counts under: the MIG profile, else the node's product label. */
function modelOf(resource: string, node: V1Node): string | undefined {
  const mig = MIG.exec(resource)?.[1];
  if (mig) {
    return `mig-${mig}`;
  }
  if (resource !== GPU) {
    return undefined;
  }
  const product = node.metadata?.labels?.[PRODUCT_LABEL];
  const single = product && SINGLE_MIG_PRODUCT.exec(product)?.[1];
  return single ? `mig-${single.toLowerCase()}` : product || 'NVIDIA GPU';
}

/** Extended resources are whole numbers ("4"); anything else counts as none. */
function count(quantity: string | undefined): number {
  return quantity !== undefined && /^\d+$/.test(quantity.trim()) ? Number(quantity) : 0;
}

/** What a container holds of a resource: its request, else its limit (the two must then be equal). */
function held(container: V1Container, resource: string): number {
  const { requests, limits } = container.resources ?? {};
  return count(requests?.[resource] ?? limits?.[resource]);
}

/**
 * A pod's effective request, as the scheduler reckons it: the app containers (and
 * sidecar init containers) together, or the largest plain init container if that is more.
 */
function podRequest(pod: V1Pod, resource: string): number {
  const init = pod.spec?.initContainers ?? [];
  const sidecars = init.filter(c => c.restartPolicy === 'Always');
  const running = [...(pod.spec?.containers ?? []), ...sidecars].reduce(
    (sum, c) => sum + held(c, resource),
    0
  );
  const plainInit = init.filter(c => c.restartPolicy !== 'Always').map(c => held(c, resource));
  return Math.max(running, ...plainInit);
}

/** Cordoned or not Ready: its GPUs exist but none can be had. */
function schedulable(node: V1Node): boolean {
  const ready = node.status?.conditions?.find(c => c.type === 'Ready');
  return !node.spec?.unschedulable && ready?.status === 'True';
}

/**
 * Free / total GPUs per model from the nodes' allocatable `nvidia.com/gpu` (grouped by
 * the node label `nvidia.com/gpu.product`) and `nvidia.com/mig-<profile>` (grouped by
 * profile), minus what the running pods on each node request. Full GPUs first, then
 * MIG profiles, each by name.
 */
export function inventoryFrom(nodes: readonly V1Node[], pods: readonly V1Pod[]): GpuAvailability[] {
  const podsOn = new Map<string, V1Pod[]>();
  for (const pod of pods) {
    const node = pod.spec?.nodeName;
    if (node) {
      const list = podsOn.get(node);
      if (list) {
        list.push(pod);
      } else {
        podsOn.set(node, [pod]);
      }
    }
  }
  const models = new Map<string, GpuAvailability>();
  for (const node of nodes) {
    const onNode = podsOn.get(node.metadata?.name ?? '') ?? [];
    const usable = schedulable(node);
    for (const [resource, quantity] of Object.entries(node.status?.allocatable ?? {})) {
      const model = modelOf(resource, node);
      const total = count(quantity);
      if (!model || total === 0) {
        continue;
      }
      const used = onNode.reduce((sum, pod) => sum + podRequest(pod, resource), 0);
      const entry = models.get(model) ?? { model, free: 0, total: 0 };
      entry.total += total;
      entry.free += usable ? Math.max(0, total - used) : 0;
      models.set(model, entry);
    }
  }
  return [...models.values()].sort(compareModels);
}

/** A node that offers any NVIDIA GPU or MIG instance. */
export const hasGpus = (node: V1Node) =>
  Object.entries(node.status?.allocatable ?? {}).some(
    ([resource, quantity]) => (resource === GPU || MIG.test(resource)) && count(quantity) > 0
  );

export interface ClusterGpuOptions {
  /** How long an answer (or a refusal) is reused; the API server is asked at most this often. */
  ttlMs?: number;
  now?: () => number;
}

/**
 * The cluster's GPUs as the notebook's service account can see them. Nothing here throws:
 * a refusal or an unreachable API server is an empty inventory with a reason to read.
 *
 * No Kubernetes API server can run where the tests run: they feed `inventoryFrom` recorded
 * node and pod lists, and check the calls against a local HTTP server that replays them.
 */
export class ClusterGpuInventory {
  private cached?: { at: number; value: GpuInventory };
  private inFlight?: Promise<GpuInventory>;

  constructor(
    private readonly cluster: Pick<KubernetesCluster, 'clients'>,
    private readonly options: ClusterGpuOptions = {}
  ) {}

  read(): Promise<GpuInventory> {
    const now = (this.options.now ?? Date.now)();
    if (this.cached && now - this.cached.at < (this.options.ttlMs ?? 30_000)) {
      return Promise.resolve(this.cached.value);
    }
    this.inFlight ??= this.fetch()
      .then(value => {
        this.cached = { at: now, value };
        return value;
      })
      .finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async fetch(): Promise<GpuInventory> {
    const checkedAt = new Date().toISOString();
    const none = (reason: string): GpuInventory => ({
      source: 'kubernetes',
      models: [],
      reason,
      checkedAt
    });
    let what = 'nodes';
    try {
      // A failure to set up the client is reported like any other; the next call tries again.
      const api = (await this.cluster.clients()).core;
      const nodes = (await api.listNode({})).items;
      if (!nodes.some(hasGpus)) {
        return none('No node in the cluster offers NVIDIA GPUs');
      }
      what = 'pods';
      const pods = (await api.listPodForAllNamespaces({ fieldSelector: 'status.phase=Running' }))
        .items;
      return { source: 'kubernetes', models: inventoryFrom(nodes, pods), checkedAt };
    } catch (err) {
      const { code, message } = apiError(err);
      if (code === 403) {
        const scope = what === 'nodes' ? 'nodes' : 'pods in all namespaces';
        return none(
          `The notebook's service account cannot list ${scope}: ask the admin to grant it ` +
            `"list" on ${what} cluster-wide (a ClusterRole and ClusterRoleBinding) to show free GPUs. ` +
            `(${message})`
        );
      }
      return none(`Could not ask the cluster for its GPUs: ${message}`);
    }
  }
}
