import { readFileSync } from 'node:fs';
import type {
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  NetworkingV1Api,
  V1Pod
} from '@kubernetes/client-node';

/** @kubernetes/client-node: large and an ES module, so loaded only when first needed. */
export type KubernetesClient = typeof import('@kubernetes/client-node');

export const NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** How to reach the cluster; tests pass a loader and a KubeConfig pointing at a replay server. */
export interface ClusterAccess {
  /** Loads the client library; the default imports it. */
  load?: () => Promise<KubernetesClient>;
  /** The cluster to ask; the default is the pod's own service account (`loadFromCluster`). */
  kubeConfig?: (client: KubernetesClient) => KubeConfig;
}

/** The notebook's own namespace: POD_NAMESPACE, else the service account's file; '' if neither. */
export function podNamespace(env: NodeJS.ProcessEnv, file = NAMESPACE_FILE): string {
  if (env.POD_NAMESPACE) {
    return env.POD_NAMESPACE;
  }
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

/** The status code and message of a failed API call, however the client wrapped it. */
export function apiError(err: unknown): { code?: number; message: string } {
  const e = err as { code?: unknown; body?: unknown; message?: unknown };
  const code = typeof e?.code === 'number' ? e.code : undefined;
  let message = typeof e?.message === 'string' ? e.message.split('\n')[0] : String(err);
  try {
    const body = typeof e?.body === 'string' ? JSON.parse(e.body) : e?.body;
    if (body && typeof body.message === 'string') {
      message = body.message;
    }
  } catch {
    // Not a Kubernetes Status: keep the client's message.
  }
  return { code, message };
}

/** The client library, a KubeConfig and the API groups the adapters use. */
export interface ClusterClients {
  k8s: KubernetesClient;
  kc: KubeConfig;
  core: CoreV1Api;
  batch: BatchV1Api;
  net: NetworkingV1Api;
}

export interface KubernetesClusterOptions extends ClusterAccess {
  /** POD_NAMESPACE, HOSTNAME and KUBERNETES_SERVICE_HOST are read from here; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Where the service account's namespace is written; tests point it elsewhere. */
  namespaceFile?: string;
}

/**
 * The notebook's cluster, as the platform, the job runner and the flare gateway share it: the
 * namespace and the pod's name, the clients (made on first use, made again after a failure to
 * set up) and the notebook's own pod (read once).
 */
export class KubernetesCluster {
  readonly env: NodeJS.ProcessEnv;
  /** '' outside a pod with a service account and without POD_NAMESPACE. */
  readonly namespace: string;
  /** The notebook pod's name (HOSTNAME); '' when unset. */
  readonly podName: string;
  /** Whether there is a cluster to ask: inside a pod, or a KubeConfig given. */
  readonly reachable: boolean;
  private clientsMade?: Promise<ClusterClients>;
  private pod?: Promise<V1Pod>;

  constructor(private readonly options: KubernetesClusterOptions = {}) {
    this.env = options.env ?? process.env;
    this.namespace = podNamespace(this.env, options.namespaceFile);
    this.podName = this.env.HOSTNAME ?? '';
    this.reachable = Boolean(this.env.KUBERNETES_SERVICE_HOST || options.kubeConfig);
  }

  /** The clients, made on first use; a failure to set up is tried again on the next call. */
  clients(): Promise<ClusterClients> {
    if (!this.clientsMade) {
      const made = (async () => {
        const k8s = await (this.options.load ?? (() => import('@kubernetes/client-node')))();
        let kc = this.options.kubeConfig?.(k8s);
        if (!kc) {
          kc = new k8s.KubeConfig();
          kc.loadFromCluster();
        }
        return {
          k8s,
          kc,
          core: kc.makeApiClient(k8s.CoreV1Api),
          batch: kc.makeApiClient(k8s.BatchV1Api),
          net: kc.makeApiClient(k8s.NetworkingV1Api)
        };
      })();
      this.clientsMade = made;
      forgetOnFailure(made, () => this.clientsMade === made && (this.clientsMade = undefined));
    }
    return this.clientsMade;
  }

  /**
   * The notebook's own pod, read once (again after a failure). The API's error is thrown as
   * it came: each caller says what it means for what it was doing.
   */
  notebookPod(): Promise<V1Pod> {
    if (!this.pod) {
      const pod = this.clients().then(({ core }) =>
        core.readNamespacedPod({ name: this.podName, namespace: this.namespace })
      );
      this.pod = pod;
      forgetOnFailure(pod, () => this.pod === pod && (this.pod = undefined));
    }
    return this.pod;
  }
}

function forgetOnFailure(promise: Promise<unknown>, forget: () => unknown): void {
  promise.catch(() => forget());
}
