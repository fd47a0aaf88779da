import type { GpuAvailability, GpuInventory } from '@hotstepper/api';
import type { KubernetesObject, ListWatch, V1Node, V1Pod } from '@kubernetes/client-node';
import { apiError, type KubernetesCluster } from './cluster';
import { hasGpus, inventoryFrom } from './gpus';

type Which = 'nodes' | 'pods';

export interface WatchedGpuOptions {
  /**
   * How long after a broken watch it is resumed (from the last resourceVersion); doubled after
   * each failure in a row, up to 5 min, so a refusal is not asked again every few seconds.
   */
  rewatchMs?: number;
  log?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  /** Objects per page of a list (`limit`, then `continue`), as client-go's reflector lists. */
  pageSize?: number;
}

interface Page<T> {
  metadata?: { resourceVersion?: string; _continue?: string };
  items: T[];
}

/**
 * A whole list, asked in pages of `limit` (the API server serves the pages from one consistent
 * snapshot) and each page trimmed as it comes: a cluster's 5,000 pods are never all held whole.
 */
async function paged<T>(
  ask: (page: { limit: number; _continue?: string }) => Promise<Page<T>>,
  slim: (item: T) => T,
  limit: number
): Promise<Page<T>> {
  const items: T[] = [];
  let first: Page<T> | undefined;
  let next: string | undefined;
  do {
    const page = await ask({ limit, _continue: next });
    first ??= page;
    items.push(...page.items.map(slim));
    next = page.metadata?._continue || undefined;
  } while (next);
  return { metadata: { resourceVersion: first.metadata?.resourceVersion }, items };
}

/** What the count reads of a node: the rest of a listed object is not kept. */
function slimNode(node: V1Node): V1Node {
  return {
    metadata: {
      name: node.metadata?.name,
      resourceVersion: node.metadata?.resourceVersion,
      labels: node.metadata?.labels
    },
    spec: { unschedulable: node.spec?.unschedulable },
    status: {
      allocatable: node.status?.allocatable,
      conditions: node.status?.conditions?.filter(c => c.type === 'Ready')
    }
  };
}

/** What the count reads of a pod: where it runs and what its containers request. */
function slimPod(pod: V1Pod): V1Pod {
  const resources = (c: { name: string; resources?: object; restartPolicy?: string }) => ({
    name: c.name,
    resources: c.resources,
    restartPolicy: c.restartPolicy
  });
  return {
    metadata: {
      name: pod.metadata?.name,
      namespace: pod.metadata?.namespace,
      resourceVersion: pod.metadata?.resourceVersion
    },
    spec: {
      nodeName: pod.spec?.nodeName,
      containers: (pod.spec?.containers ?? []).map(resources),
      initContainers: pod.spec?.initContainers?.map(resources)
    }
  };
}

/**
 * The cluster's free GPUs kept in memory from watches: the nodes and the running pods of all
 * namespaces are listed once, then followed with `?watch=1` from the list's resourceVersion. A
 * watch the API server ends is resumed from the last resourceVersion seen; only a 410 Gone (that
 * version is too old) lists again. A broken watch is resumed after `rewatchMs`. Asking costs the
 * API server nothing, however many ask: this is the hub's one view for every user.
 */
export class WatchedGpuInventory {
  private watches?: { nodes: ListWatch<V1Node>; pods: ListWatch<V1Pod> };
  private started?: Promise<void>;
  private synced: Record<Which, boolean> = { nodes: false, pods: false };
  private errors: Record<Which, number> = { nodes: 0, pods: 0 };
  private inARow: Record<Which, number> = { nodes: 0, pods: 0 };
  /** Both lists came back once: from then on a broken watch leaves the last view standing. */
  private everSynced = false;
  private failure?: { which: Which; code?: number; message: string; at: string };
  private models?: GpuAvailability[] | 'no-gpu-nodes';
  private timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly cluster: Pick<KubernetesCluster, 'clients'>,
    private readonly options: WatchedGpuOptions = {}
  ) {}

  /** Lists and starts watching, once; resolves when both lists came back (or failed). */
  start(): Promise<void> {
    this.started ??= this.connect();
    return this.started;
  }

  async read(): Promise<GpuInventory> {
    await this.start();
    const now = new Date().toISOString();
    const broken = !this.synced.nodes || !this.synced.pods ? this.failure : undefined;
    if (broken && !this.everSynced) {
      return { source: 'kubernetes', models: [], reason: this.refusal(broken), checkedAt: now };
    }
    this.models ??= this.count();
    if (this.models === 'no-gpu-nodes') {
      return {
        source: 'kubernetes',
        models: [],
        reason: 'No node in the cluster offers NVIDIA GPUs',
        checkedAt: now
      };
    }
    if (broken) {
      // The last view stands while the watch is resumed: say since when.
      return {
        source: 'kubernetes',
        models: this.models,
        reason: `The watch on ${broken.which} broke (${broken.message}); resuming, figures as of ${broken.at}`,
        checkedAt: broken.at
      };
    }
    return { source: 'kubernetes', models: this.models, checkedAt: now };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers.clear();
    if (this.watches) {
      await Promise.all([this.watches.nodes.stop(), this.watches.pods.stop()]);
    }
  }

  private count(): GpuAvailability[] | 'no-gpu-nodes' {
    const nodes = this.watches?.nodes.list() ?? [];
    if (!nodes.some(hasGpus)) {
      return 'no-gpu-nodes';
    }
    return inventoryFrom(nodes, this.watches?.pods.list() ?? []);
  }

  private refusal({ which, code, message }: { which: Which; code?: number; message: string }) {
    if (code === 403) {
      const scope = which === 'nodes' ? 'nodes' : 'pods in all namespaces';
      return (
        `The cluster service's account cannot list and watch ${scope}: ask the admin to grant it ` +
        `"list" and "watch" on ${which} cluster-wide (a ClusterRole and ClusterRoleBinding) to show free GPUs. ` +
        `(${message})`
      );
    }
    return `Could not ask the cluster for its GPUs: ${message}`;
  }

  private async connect(): Promise<void> {
    let clients;
    try {
      clients = await this.cluster.clients();
    } catch (err) {
      this.failure = { which: 'nodes', ...apiError(err), at: new Date().toISOString() };
      this.started = undefined; // set up again on the next read
      return;
    }
    const { k8s, kc, core } = clients;
    const pageSize = this.options.pageSize ?? 500;
    const watch = new k8s.Watch(kc);
    const nodes = new k8s.ListWatch<V1Node>(
      '/api/v1/nodes',
      watch,
      () => paged(page => core.listNode(page), slimNode, pageSize),
      false
    );
    const pods = new k8s.ListWatch<V1Pod>(
      '/api/v1/pods',
      watch,
      () =>
        paged(
          page => core.listPodForAllNamespaces({ ...page, fieldSelector: 'status.phase=Running' }),
          slimPod,
          pageSize
        ),
      false,
      undefined,
      'status.phase=Running'
    );
    this.watches = { nodes, pods };
    const changed = () => (this.models = undefined);
    for (const [which, informer, slim] of [
      ['nodes', nodes, slimNode],
      ['pods', pods, slimPod]
    ] as Array<[Which, ListWatch<KubernetesObject>, (o: KubernetesObject) => KubernetesObject]>) {
      // A watched object is kept as it came: trimmed in place to what the count reads, the
      // cache holds 5,000 pods in a few MiB rather than whole pod specs and statuses.
      const trim = (obj: KubernetesObject) => {
        const kept = slim(obj);
        for (const key of Object.keys(obj)) {
          delete (obj as Record<string, unknown>)[key];
        }
        Object.assign(obj, kept);
      };
      informer.on('add', trim);
      informer.on('update', trim);
      informer.on('add', changed);
      informer.on('update', changed);
      informer.on('delete', changed);
      informer.on('error', err => {
        if (this.closed) {
          return; // stop() aborts the watch: not a failure
        }
        this.synced[which] = false;
        this.errors[which] += 1;
        this.failure = { which, ...apiError(err), at: new Date().toISOString() };
        this.options.log?.warn({ err: this.failure.message }, `watching ${which} failed`);
        const delay = Math.min(
          (this.options.rewatchMs ?? 5000) * 2 ** Math.min(this.inARow[which]++, 10),
          300_000
        );
        this.later(() => void this.resume(which, informer), delay);
      });
    }
    await Promise.all([this.resume('nodes', nodes), this.resume('pods', pods)]);
  }

  /** (Re)starts a watch: from its last resourceVersion, or with a list when it has none. */
  private async resume(which: Which, informer: ListWatch<KubernetesObject>): Promise<void> {
    if (this.closed) {
      return;
    }
    const errors = this.errors[which];
    try {
      await informer.start();
    } catch {
      // Reported through the 'error' handler.
    }
    // start() also resolves after a failed list: the error handler ran then.
    if (this.errors[which] === errors && !this.closed) {
      this.synced[which] = true;
      this.inARow[which] = 0;
      this.models = undefined;
      this.everSynced ||= this.synced.nodes && this.synced.pods;
    }
  }

  private later(fn: () => void, ms: number): void {
    if (this.closed) {
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }
}
