import type {
  V1Ingress,
  V1ObjectMeta,
  V1OwnerReference,
  V1Pod,
  V1Secret,
  V1Service
} from '@kubernetes/client-node';
import { FLARE_USER, type FlareProtection } from '@hotstepper/api';
import type { Config } from '../../config';
import type { ExposureSpec } from '../flare';

/*
 * The objects of one exposure, built without a cluster so they can be checked here:
 * kubernetes-models validates them in the tests, and `problems()` adds what only the
 * API server would enforce (name and label syntax and lengths).
 */

export const MANAGED_BY = 'app.kubernetes.io/managed-by';
export const FLARE_LABEL = 'hotstepper.io/flare';
/** Only exposures made by Hotstepper, whatever their name. */
export const FLARE_SELECTOR = `${MANAGED_BY}=hotstepper,${FLARE_LABEL}`;
/** What list() reads back to rebuild an exposure (the password's clear text is never stored). */
export const ANNOTATION = {
  port: 'hotstepper.io/port',
  protection: 'hotstepper.io/protection',
  createdAt: 'hotstepper.io/created-at',
  expiresAt: 'hotstepper.io/expires-at'
} as const;
/** ingress-nginx reads the file `auth` of this Secret in htpasswd form; the user is always "flare". */
export const AUTH_USER = FLARE_USER;
const NGINX = 'nginx.ingress.kubernetes.io';

export const serviceName = (name: string) => `flare-${name}`;
export const ingressName = (name: string) => `flare-${name}`;
export const authSecretName = (name: string) => `flare-${name}-auth`;
export const tlsSecretName = (name: string) => `flare-${name}-tls`;

/** The host label an exposure is served at: a secret link only at `<name>-<secret>`. */
export function hostLabel(spec: Pick<ExposureSpec, 'name' | 'protection' | 'secret'>): string {
  return spec.protection === 'secret-link' ? `${spec.name}-${spec.secret ?? ''}` : spec.name;
}

/**
 * Labels that select this notebook pod and no other. KubeSpawner (Zero to JupyterHub) gives
 * each server pod `hub.jupyter.org/username` and `hub.jupyter.org/servername` (one server of
 * one user, "" for the default server) and `component: singleuser-server` (which leaves out
 * other pods of the same user, such as jobs, that may carry the user label). The pod's name
 * is no label, so without the first two nothing selects exactly this pod.
 */
export function podSelector(pod: V1Pod): Record<string, string> {
  const labels = pod.metadata?.labels ?? {};
  const selector: Record<string, string> = {};
  for (const key of ['hub.jupyter.org/username', 'hub.jupyter.org/servername']) {
    if (labels[key] === undefined) {
      throw new Error(
        `The notebook pod ${pod.metadata?.name ?? ''} has no label ${key} (KubeSpawner sets it), ` +
          'so no Service can select this pod alone: ask the admin to run notebooks with ' +
          'Zero to JupyterHub / KubeSpawner labels'
      );
    }
    selector[key] = labels[key];
  }
  const component = labels['component'] ?? labels['app.kubernetes.io/component'];
  if (component !== undefined) {
    selector[labels['component'] !== undefined ? 'component' : 'app.kubernetes.io/component'] =
      component;
  }
  return selector;
}

export interface ManifestContext {
  config: Config['flare'];
  namespace: string;
  /** The notebook pod: owner of every object, so they vanish with it. */
  pod: V1Pod;
  /** Unix ms. */
  now: number;
}

export interface FlareManifests {
  service: V1Service;
  ingress: V1Ingress;
  /** Only for password protection. */
  secret?: V1Secret;
}

function ownerOf(pod: V1Pod): V1OwnerReference {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    // The notebook's service account may not update its own pod's finalizers.
    blockOwnerDeletion: false
  };
}

/** Every manifest of an exposure, for `spec` in the notebook's namespace. */
export function flareManifests(spec: ExposureSpec, ctx: ManifestContext): FlareManifests {
  const { config, namespace, pod, now } = ctx;
  const annotations: Record<string, string> = {
    [ANNOTATION.port]: String(spec.port),
    [ANNOTATION.protection]: spec.protection,
    [ANNOTATION.createdAt]: new Date(now).toISOString()
  };
  if (spec.expiresAt !== undefined) {
    annotations[ANNOTATION.expiresAt] = new Date(spec.expiresAt).toISOString();
  }
  const meta = (name: string, extra: Record<string, string> = {}): V1ObjectMeta => ({
    name,
    namespace,
    labels: { [MANAGED_BY]: 'hotstepper', [FLARE_LABEL]: spec.name },
    annotations: { ...extra, ...annotations },
    ownerReferences: [ownerOf(pod)]
  });

  const service: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(serviceName(spec.name)),
    spec: {
      type: 'ClusterIP',
      selector: podSelector(pod),
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: spec.port }]
    }
  };

  const host = `${hostLabel(spec)}.${config.domain}`;
  const k8s = config.kubernetes;
  const ingressAnnotations: Record<string, string> = {
    // Websockets and long polls stay open; bodies stream both ways, of any size.
    [`${NGINX}/proxy-read-timeout`]: '3600',
    [`${NGINX}/proxy-send-timeout`]: '3600',
    [`${NGINX}/proxy-body-size`]: '0',
    [`${NGINX}/proxy-buffering`]: 'off',
    [`${NGINX}/proxy-request-buffering`]: 'off',
    // The admin's own come after the defaults, but before what protects the exposure.
    ...k8s.annotations
  };
  // A certificate of its own would publish a secret link's host, secret and all, in the public
  // Certificate Transparency logs within minutes: secret links take the controller's default
  // certificate (a wildcard for the flare domain) instead.
  const issuer = spec.protection === 'secret-link' ? undefined : k8s.clusterIssuer;
  if (issuer) {
    ingressAnnotations['cert-manager.io/cluster-issuer'] = issuer;
  }
  let secret: V1Secret | undefined;
  if (spec.protection === 'password') {
    if (!spec.secret) {
      throw new Error('A password exposure needs the password hash');
    }
    secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta(authSecretName(spec.name)),
      type: 'Opaque',
      stringData: { auth: `${AUTH_USER}:${spec.secret}` }
    };
    ingressAnnotations[`${NGINX}/auth-type`] = 'basic';
    ingressAnnotations[`${NGINX}/auth-secret`] = authSecretName(spec.name);
    ingressAnnotations[`${NGINX}/auth-realm`] = `Flare ${spec.name}: user name ${AUTH_USER}`;
  }
  const ingress: V1Ingress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: meta(ingressName(spec.name), ingressAnnotations),
    spec: {
      ...(k8s.ingressClassName ? { ingressClassName: k8s.ingressClassName } : {}),
      // Without a certificate of its own, the controller's default one serves the host.
      tls: [{ hosts: [host], ...(issuer ? { secretName: tlsSecretName(spec.name) } : {}) }],
      rules: [
        {
          host,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: serviceName(spec.name), port: { number: 80 } } }
              }
            ]
          }
        }
      ]
    }
  };
  const manifests = { service, ingress, secret };
  const found = problems(manifests);
  if (found.length) {
    throw new Error(`The exposure ${spec.name} cannot be made: ${found.join('; ')}`);
  }
  return manifests;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Service names are stricter (DNS-1035): a letter first. */
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

function keyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : '';
  const name = key.slice(slash + 1);
  if (name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return `the key "${key}" is not a qualified name (at most 63 letters, digits, "-", "_", ".")`;
  }
  if (slash >= 0 && (prefix.length > 253 || !prefix.split('.').every(l => DNS_LABEL.test(l)))) {
    return `the key prefix "${prefix}" is not a DNS subdomain`;
  }
  return undefined;
}

/** What the API server would refuse (names, label syntax, host lengths); [] when all is well. */
export function problems({ service, ingress, secret }: FlareManifests): string[] {
  const found: string[] = [];
  const name = (kind: string, value: string | undefined, pattern: RegExp) => {
    if (!value || value.length > 63 || !pattern.test(value)) {
      found.push(`${kind} name "${value ?? ''}" is not a DNS label of at most 63 characters`);
    }
  };
  name('Service', service.metadata?.name, DNS_1035);
  name('Ingress', ingress.metadata?.name, DNS_LABEL);
  if (secret) {
    name('Secret', secret.metadata?.name, DNS_LABEL);
  }
  for (const obj of [service, ingress, secret]) {
    for (const [key, value] of Object.entries(obj?.metadata?.labels ?? {})) {
      const bad = keyProblem(key);
      if (bad) {
        found.push(`label ${bad}`);
      } else if (value.length > 63 || !LABEL_VALUE.test(value)) {
        found.push(`label ${key}="${value}" is not a label value (at most 63 characters)`);
      }
    }
    for (const key of Object.keys(obj?.metadata?.annotations ?? {})) {
      const bad = keyProblem(key);
      if (bad) {
        found.push(`annotation ${bad}`);
      }
    }
  }
  for (const [key, value] of Object.entries(service.spec?.selector ?? {})) {
    if (value.length > 63 || !LABEL_VALUE.test(value)) {
      found.push(`selector ${key}="${value}" is not a label value`);
    }
  }
  for (const rule of ingress.spec?.rules ?? []) {
    const host = rule.host ?? '';
    const labels = host.split('.');
    if (host.length > 253) {
      found.push(`the host ${host} is longer than 253 characters`);
    }
    const bad = labels.find(l => l.length > 63 || !DNS_LABEL.test(l));
    if (bad !== undefined) {
      found.push(
        `the host ${host} has the part "${bad}", not a DNS label (1 to 63 lowercase letters, digits, "-")`
      );
    }
  }
  return found;
}

/** Unix ms of an ISO date annotation, or undefined. */
function timeOf(value: string | undefined): number | undefined {
  const ms = value === undefined ? NaN : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

const PROTECTIONS: readonly string[] = ['none', 'password', 'secret-link'];

/**
 * An exposure rebuilt from its Ingress (and, for password protection, the `auth` file of
 * its Secret); undefined when the Ingress is not one of ours as we make them.
 */
export function specFromIngress(
  ingress: V1Ingress,
  authFile?: string
): (ExposureSpec & { createdAt?: number }) | undefined {
  const meta = ingress.metadata ?? {};
  const name = meta.labels?.[FLARE_LABEL];
  const annotations = meta.annotations ?? {};
  const port = Number(annotations[ANNOTATION.port]);
  const protection = annotations[ANNOTATION.protection];
  if (!name || !Number.isInteger(port) || port < 1 || port > 65535) {
    return undefined;
  }
  if (!protection || !PROTECTIONS.includes(protection)) {
    return undefined;
  }
  const spec: ExposureSpec & { createdAt?: number } = {
    name,
    port,
    protection: protection as FlareProtection
  };
  if (protection === 'secret-link') {
    const label = ingress.spec?.rules?.[0]?.host?.split('.')[0] ?? '';
    if (!label.startsWith(`${name}-`)) {
      return undefined;
    }
    spec.secret = label.slice(name.length + 1);
  } else if (protection === 'password') {
    const line = authFile?.split('\n').find(l => l.startsWith(`${AUTH_USER}:`));
    if (line) {
      spec.secret = line.slice(AUTH_USER.length + 1).trim();
    }
  }
  const expiresAt = timeOf(annotations[ANNOTATION.expiresAt]);
  if (expiresAt !== undefined) {
    spec.expiresAt = expiresAt;
  }
  const createdAt = timeOf(annotations[ANNOTATION.createdAt]);
  if (createdAt !== undefined) {
    spec.createdAt = createdAt;
  }
  return spec;
}
