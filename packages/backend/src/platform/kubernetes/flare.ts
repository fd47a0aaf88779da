import type { FastifyBaseLogger } from 'fastify';
import type { V1Pod } from '@kubernetes/client-node';
import type { Config } from '../../config';
import { HttpError } from '../../errors';
import type { ExposureSpec, ExposureTraffic, FlareGateway } from '../flare';
import { apiError, type ClusterClients, type KubernetesCluster } from './cluster';
import {
  FLARE_SELECTOR,
  authSecretName,
  flareManifests,
  ingressName,
  serviceName,
  specFromIngress
} from './flare-manifests';

export interface KubernetesFlareGatewayOptions {
  config: Config['flare'];
  cluster: KubernetesCluster;
  log?: FastifyBaseLogger;
  now?: () => number;
}

/** An error for the person exposing: its statusCode is what the HTTP answer should carry. */
export class FlareGatewayError extends HttpError {
  constructor(message: string, statusCode: number) {
    super(statusCode, message);
  }
}

/** The default domain is only reachable on the notebook's own machine. */
const LOCAL_DOMAIN = 'flare.localhost';
const FIELD_MANAGER = 'hotstepper';
const ONE: Record<string, string> = {
  services: 'a Service',
  secrets: 'a Secret',
  ingresses: 'an Ingress'
};

/**
 * Exposures on Kubernetes: a Service selecting the notebook pod, an Ingress with TLS for
 * `<label>.<domain>` and, for a password, a basic-auth Secret for ingress-nginx, all in the
 * notebook's namespace and owned by its pod, so they vanish with it. The API is the truth:
 * list() reads the exposures back from it.
 */
export class KubernetesFlareGateway implements FlareGateway {
  readonly name = 'kubernetes' as const;
  private readonly cluster: KubernetesCluster;
  private readonly namespace: string;

  constructor(readonly options: KubernetesFlareGatewayOptions) {
    this.cluster = options.cluster;
    this.namespace = options.cluster.namespace;
  }

  urlFor(label: string): string {
    const { scheme, domain, publicPort } = this.options.config;
    return `${scheme ?? 'https'}://${label}.${domain}${publicPort ? `:${publicPort}` : ''}/`;
  }

  unavailable(): string | undefined {
    if (this.options.config.domain === LOCAL_DOMAIN) {
      return 'No flare domain is configured: an administrator sets flare.domain in hotstepper.json';
    }
    return this.noCluster();
  }

  /** Why there is no cluster to ask (not in a pod, or the pod's name or namespace unknown). */
  private noCluster(): string | undefined {
    if (!this.cluster.reachable) {
      return 'Not running in a Kubernetes pod (KUBERNETES_SERVICE_HOST is unset): no cluster to expose ports in';
    }
    if (!this.namespace) {
      return "The notebook's namespace is unknown: set POD_NAMESPACE or mount the pod's service account";
    }
    if (!this.cluster.podName) {
      return "The notebook pod's name is unknown: HOSTNAME is unset";
    }
    return undefined;
  }

  /** Nothing to listen on: the ingress controller serves the exposures. */
  async start(): Promise<void> {}

  async expose(spec: ExposureSpec): Promise<void> {
    const why = this.unavailable();
    if (why) {
      throw new FlareGatewayError(why, 503);
    }
    const { core, net } = await this.client();
    const pod = await this.notebookPod();
    let manifests;
    try {
      manifests = flareManifests(spec, {
        config: this.options.config,
        namespace: this.namespace,
        pod,
        now: (this.options.now ?? Date.now)()
      });
    } catch (err) {
      throw new FlareGatewayError((err as Error).message, 400);
    }
    const namespace = this.namespace;
    const fieldManager = FIELD_MANAGER;
    // Undone in reverse if a later step fails: nothing is left half-made.
    const undo: Array<() => Promise<unknown>> = [];
    const step = async (
      kind: string,
      make: () => Promise<unknown>,
      remove: () => Promise<unknown>
    ) => {
      try {
        await make();
      } catch (err) {
        await this.undo(undo);
        throw this.failure(err, 'create', kind, spec.name);
      }
      undo.unshift(remove);
    };
    const name = spec.name;
    await step(
      'services',
      () => core.createNamespacedService({ namespace, body: manifests.service, fieldManager }),
      () => core.deleteNamespacedService({ namespace, name: serviceName(name) })
    );
    const secret = manifests.secret;
    if (secret) {
      // Before the Ingress, so it never routes without its password check.
      await step(
        'secrets',
        () => core.createNamespacedSecret({ namespace, body: secret, fieldManager }),
        () => core.deleteNamespacedSecret({ namespace, name: authSecretName(name) })
      );
    }
    await step(
      'ingresses',
      () => net.createNamespacedIngress({ namespace, body: manifests.ingress, fieldManager }),
      () => net.deleteNamespacedIngress({ namespace, name: ingressName(name) })
    );
    this.options.log?.info({ exposure: name, port: spec.port }, 'flare: Service and Ingress made');
  }

  /** Removes the Ingress first (no more traffic), then the Secret and the Service; gone already is fine. */
  async unexpose(name: string): Promise<void> {
    const { core, net } = await this.client();
    const namespace = this.namespace;
    const steps: Array<[string, () => Promise<unknown>]> = [
      ['ingresses', () => net.deleteNamespacedIngress({ namespace, name: ingressName(name) })],
      ['secrets', () => core.deleteNamespacedSecret({ namespace, name: authSecretName(name) })],
      ['services', () => core.deleteNamespacedService({ namespace, name: serviceName(name) })]
    ];
    for (const [kind, remove] of steps) {
      try {
        await remove();
      } catch (err) {
        if (apiError(err).code !== 404) {
          throw this.failure(err, 'delete', kind, name);
        }
      }
    }
  }

  /** This pod's exposures as the cluster holds them (others' in a shared namespace are left out). */
  async list(): Promise<ExposureSpec[]> {
    if (this.noCluster()) {
      return []; // nothing can have been exposed where there is no cluster
    }
    const { core, net } = await this.client();
    const namespace = this.namespace;
    const uid = (await this.notebookPod()).metadata?.uid;
    let ingresses;
    try {
      ingresses = await net.listNamespacedIngress({ namespace, labelSelector: FLARE_SELECTOR });
    } catch (err) {
      throw this.failure(err, 'list', 'ingresses');
    }
    const specs: ExposureSpec[] = [];
    for (const ingress of ingresses.items) {
      if (!ingress.metadata?.ownerReferences?.some(o => o.uid === uid)) {
        continue;
      }
      const protection = ingress.metadata?.annotations?.['hotstepper.io/protection'];
      let authFile: string | undefined;
      const name = ingress.metadata?.labels?.['hotstepper.io/flare'];
      if (protection === 'password' && name) {
        try {
          const secret = await core.readNamespacedSecret({ namespace, name: authSecretName(name) });
          const data = secret.data?.auth;
          authFile = data ? Buffer.from(data, 'base64').toString('utf8') : secret.stringData?.auth;
        } catch (err) {
          if (apiError(err).code !== 404) {
            throw this.failure(err, 'get', 'secrets', name);
          }
        }
      }
      const spec = specFromIngress(ingress, authFile);
      if (spec) {
        specs.push(spec);
      } else {
        this.options.log?.warn(
          { ingress: ingress.metadata?.name },
          'flare: an Ingress with the flare label lacks its port or protection; skipped'
        );
      }
    }
    return specs;
  }

  /** Empty: the ingress controller sees the requests and keeps their counts, not this backend. */
  traffic(): Map<string, ExposureTraffic> {
    return new Map();
  }

  async close(): Promise<void> {}

  /** The cluster's clients; a failure to set them up is a 503. */
  private client(): Promise<ClusterClients> {
    return this.cluster.clients().catch(err => {
      throw new FlareGatewayError(`Cannot reach the Kubernetes API: ${apiError(err).message}`, 503);
    });
  }

  /** The notebook pod (the cluster reads it once): its uid owns every object, its labels are the selector. */
  private async notebookPod(): Promise<V1Pod> {
    await this.client();
    return this.cluster.notebookPod().catch(err => {
      throw this.failure(err, 'get', 'pods', undefined, this.cluster.podName);
    });
  }

  private async undo(steps: Array<() => Promise<unknown>>): Promise<void> {
    for (const remove of steps) {
      try {
        await remove();
      } catch (err) {
        const { code, message } = apiError(err);
        if (code !== 404) {
          this.options.log?.error(
            { code, message },
            'flare: could not remove a half-made exposure'
          );
        }
      }
    }
  }

  /** A failed API call in words a person can act on. */
  private failure(
    err: unknown,
    verb: string,
    kind: string,
    exposure?: string,
    object?: string
  ): FlareGatewayError {
    const { code, message } = apiError(err);
    const ns = this.namespace;
    if (code === 403) {
      return new FlareGatewayError(
        `The notebook's service account may not ${verb} ${kind} in the namespace ${ns}: ask the ` +
          'admin to grant it (a Role and RoleBinding) get on pods, and create, get, list and delete ' +
          `on services and secrets ("") and ingresses (networking.k8s.io) there. (${message})`,
        503
      );
    }
    if (code === 409 && exposure) {
      return new FlareGatewayError(
        `The name ${exposure} is taken: the namespace ${ns} already has ${ONE[kind] ?? kind} ` +
          `named flare-${exposure}${kind === 'secrets' ? '-auth' : ''} (another notebook's ` +
          'exposure, or one being removed). Choose another name, or remove that exposure first.',
        409
      );
    }
    if (code === 404 && object) {
      return new FlareGatewayError(
        `The notebook pod ${object} is not in the namespace ${ns}: is HOSTNAME the pod's name?`,
        503
      );
    }
    const what = exposure ? ` for the exposure ${exposure}` : '';
    return new FlareGatewayError(
      `Kubernetes refused to ${verb} ${kind}${what}: ${message}${code ? ` (HTTP ${code})` : ''}`,
      502
    );
  }
}
