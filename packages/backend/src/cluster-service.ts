#!/usr/bin/env node
/**
 * The hub's cluster service: one view of the cluster's free GPUs for every user, kept from
 * watches, run by JupyterHub as a managed service (`c.JupyterHub.services`). JupyterHub gives it
 * JUPYTERHUB_SERVICE_URL (where to listen, or HOTSTEPPER_LISTEN_HOST), JUPYTERHUB_SERVICE_PREFIX (its path,
 * /services/<name>/) and JUPYTERHUB_API_URL. It answers `GET <prefix>gpus` to anyone holding a
 * hub token with access to the service; the users' backends ask it with their server's token
 * instead of listing the cluster themselves.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import pino from 'pino';
import { KubernetesCluster, type ClusterAccess } from './platform/kubernetes/cluster';
import { WatchedGpuInventory } from './platform/kubernetes/gpu-watch';
import { tokenOwner, type TokenOwner } from './platform/hub';

export interface ClusterServiceOptions extends ClusterAccess {
  env?: NodeJS.ProcessEnv;
  /** How long the hub's answer about a token is reused: 60 s for a good one, 10 s for a refusal. */
  tokenTtlMs?: number;
  rewatchMs?: number;
  log?: pino.Logger;
  fetch?: typeof fetch;
}

export interface ClusterService {
  server: Server;
  /** e.g. http://127.0.0.1:10101/services/hotstepper-cluster/ */
  url: string;
  inventory: WatchedGpuInventory;
  close(): Promise<void>;
}

/** The token a request carries: `Authorization: token …` (or Bearer), as the hub's clients send it. */
function tokenOf(req: IncomingMessage): string | undefined {
  const m = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/**
 * The hub's word on each token, kept a short while (keyed by a hash: the tokens themselves are
 * not kept), one question in flight per token.
 */
class TokenCheck {
  private known = new Map<string, { at: number; owner?: TokenOwner }>();
  private asking = new Map<string, Promise<TokenOwner | undefined>>();

  constructor(
    private readonly api: string,
    private readonly ttlMs: number,
    private readonly fetchImpl: typeof fetch
  ) {}

  async owner(token: string): Promise<TokenOwner | undefined> {
    const key = createHash('sha256').update(token).digest('base64url');
    const now = Date.now();
    const known = this.known.get(key);
    if (known && now - known.at < (known.owner ? this.ttlMs : Math.min(this.ttlMs, 10_000))) {
      return known.owner;
    }
    let asking = this.asking.get(key);
    if (!asking) {
      asking = tokenOwner(this.api, token, this.fetchImpl).finally(() => this.asking.delete(key));
      this.asking.set(key, asking);
    }
    const owner = await asking;
    if (this.known.size >= 10_000) {
      this.known.clear(); // a bound, not an eviction policy: the hub is asked again
    }
    this.known.set(key, { at: now, owner });
    return owner;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

export async function startClusterService(
  options: ClusterServiceOptions = {}
): Promise<ClusterService> {
  const env = options.env ?? process.env;
  for (const name of ['JUPYTERHUB_API_URL', 'JUPYTERHUB_SERVICE_URL']) {
    if (!env[name]) {
      throw new Error(`${name} is unset: the cluster service runs as a JupyterHub service`);
    }
  }
  const log = options.log ?? pino({ level: env.HOTSTEPPER_LOG_LEVEL ?? 'info' });
  const name = env.JUPYTERHUB_SERVICE_NAME || 'hotstepper-cluster';
  const prefix = (env.JUPYTERHUB_SERVICE_PREFIX || `/services/${name}/`).replace(/\/?$/, '/');
  // Any token whose scopes reach this service, as JupyterHub's HubAuth checks them.
  const access = new Set(['access:services', `access:services!service=${name}`]);
  const tokens = new TokenCheck(
    env.JUPYTERHUB_API_URL!,
    options.tokenTtlMs ?? 60_000,
    options.fetch ?? fetch
  );
  const inventory = new WatchedGpuInventory(
    new KubernetesCluster({ env, load: options.load, kubeConfig: options.kubeConfig }),
    { rewatchMs: options.rewatchMs, log }
  );
  // Listed and watched from the start: the first user need not wait for the lists.
  void inventory.start();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method !== 'GET' || (path !== `${prefix}gpus` && path !== prefix)) {
      return send(res, 404, { message: `No such route: ${req.method} ${path}` });
    }
    if (path === prefix) {
      return send(res, 200, { service: name }); // readiness, nothing to protect
    }
    const token = tokenOf(req);
    if (!token) {
      return send(res, 403, {
        message: 'Send a JupyterHub token (Authorization: token …) to see the free GPUs'
      });
    }
    const owner = await tokens.owner(token);
    if (!owner) {
      return send(res, 403, { message: 'JupyterHub does not accept this token' });
    }
    if (!owner.scopes.some(s => access.has(s))) {
      return send(res, 403, {
        message: `The token of ${owner.name} lacks the scope access:services!service=${name} (add it to the server's token scopes)`
      });
    }
    send(res, 200, await inventory.read());
  };
  const server = createServer((req, res) =>
    handle(req, res).catch(err => {
      log.error({ err: (err as Error).message }, 'answering failed');
      if (!res.headersSent) {
        send(res, 502, {
          message: `The cluster service could not answer: ${(err as Error).message}`
        });
      }
    })
  );
  const at = new URL(env.JUPYTERHUB_SERVICE_URL!);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Behind a Service name (http://hub:10101, reached from other pods) the URL's host cannot be
    // bound: HOTSTEPPER_LISTEN_HOST (0.0.0.0) says where to listen instead.
    const host = env.HOTSTEPPER_LISTEN_HOST || at.hostname.replace(/^\[|\]$/g, '');
    server.listen(Number(at.port) || 80, host, resolve);
  });
  const port = (server.address() as { port: number }).port;
  const url = `${at.protocol}//${at.hostname}:${port}${prefix}`;
  log.info({ url }, 'cluster service listening');
  return {
    server,
    url,
    inventory,
    async close() {
      await inventory.close();
      server.closeAllConnections();
      await new Promise(resolve => server.close(resolve));
    }
  };
}

/** KUBECONFIG outside a pod (development, the benchmark); the pod's service account inside one. */
function accessFromEnv(env: NodeJS.ProcessEnv): ClusterAccess {
  const file = env.KUBECONFIG;
  return file && !env.KUBERNETES_SERVICE_HOST
    ? {
        kubeConfig: k8s => {
          const kc = new k8s.KubeConfig();
          kc.loadFromFile(file);
          return kc;
        }
      }
    : {};
}

if (require.main === module) {
  startClusterService(accessFromEnv(process.env)).then(
    service => {
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        process.once(signal, () => void service.close().then(() => process.exit(0)));
      }
    },
    err => {
      process.stderr.write(`hotstepper cluster service: ${(err as Error).message}\n`);
      process.exit(1);
    }
  );
}
