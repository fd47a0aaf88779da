import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';

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

/** The client library and a KubeConfig for the cluster, made on first use. */
export async function connect(
  access: ClusterAccess
): Promise<{ k8s: KubernetesClient; kc: KubeConfig }> {
  const k8s = await (access.load ?? (() => import('@kubernetes/client-node')))();
  let kc = access.kubeConfig?.(k8s);
  if (!kc) {
    kc = new k8s.KubeConfig();
    kc.loadFromCluster();
  }
  return { k8s, kc };
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
