import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import bcrypt from 'bcryptjs';
import type { V1Pod } from '@kubernetes/client-node';
import { parseConfig } from '../src/config';
import type { ExposureSpec } from '../src/platform/flare';
import { KubernetesCluster, type KubernetesClient } from '../src/platform/kubernetes/cluster';
import { KubernetesFlareGateway, type FlareGatewayError } from '../src/platform/kubernetes/flare';
import {
  flareManifests,
  hostLabel,
  podSelector,
  problems,
  type FlareManifests
} from '../src/platform/kubernetes/flare-manifests';
import { UsageSampler } from '../src/features/usage/service';
import { createJobs } from '../src/platform';
import { KubernetesPlatform } from '../src/platform/kubernetes';
import { ProcTreeReader } from '../src/platform/resources';
import { buildServer } from '../src/server';
import { Store } from '../src/store';
import { fixture, httpRequest, memoryLogger } from './helpers';

/*
 * No Kubernetes API server can run here. The manifests are checked with kubernetes-models
 * (the API's own OpenAPI schemas) plus what only the API server enforces; the calls go through
 * the real client library to a local HTTP server that answers with request/response pairs
 * shaped like a cluster's (test/fixtures/kubernetes/flare): each request must be the recorded
 * one (method, path, body), with the service account's bearer token.
 */

// Loading the client library and starting a backend take seconds on a busy machine.
jest.setTimeout(30_000);

interface Pair {
  request: { method: string; path: string; body?: Record<string, unknown> };
  response: { status: number; body: Record<string, unknown> };
}
const pair = (name: string): Pair =>
  JSON.parse(readFileSync(fixture(`kubernetes/flare/${name}.json`), 'utf8'));

const NS = 'jupyterhub-ada-prod-ns';
const POD: V1Pod = pair('read-pod').response.body as V1Pod;
const HASH = '$2b$10$evOvpDOpeTt4ystAk0B2vubo82bFn8OKesuqqXVQ71BX1ba2HSxx6';
const LINK_SECRET = 'k3x9q2m7w1p4z8t5';
const NOW = Date.parse('2026-11-25T10:00:00.000Z');
const EXPIRES = Date.parse('2026-11-25T18:00:00.000Z');

const DASH: ExposureSpec = { name: 'dash', port: 8050, protection: 'none' };
const REPORT: ExposureSpec = {
  name: 'report',
  port: 8501,
  protection: 'password',
  secret: HASH,
  expiresAt: EXPIRES
};
const BOARD: ExposureSpec = {
  name: 'board',
  port: 6006,
  protection: 'secret-link',
  secret: LINK_SECRET
};

const flareConfig = (flare: Record<string, unknown> = {}) =>
  parseConfig({
    flare: {
      domain: 'flare.hub.example.org',
      kubernetes: {
        ingressClassName: 'nginx',
        clusterIssuer: 'letsencrypt-prod',
        annotations: { 'nginx.ingress.kubernetes.io/limit-rps': '50' }
      },
      ...flare
    }
  }).flare;
const CONFIG = flareConfig();

/** Node's own require: jest's cannot load ES modules (see gpu-inventory.spec.ts). */
const nativeRequire = (
  process as unknown as {
    getBuiltinModule(id: 'node:module'): typeof import('node:module');
  }
)
  .getBuiltinModule('node:module')
  .createRequire(__filename);

/**
 * kubernetes-models' classes. The package exports only to `import`, so its files are required
 * by path (Node ≥ 20.19 requires ES modules).
 */
function kubernetesModels() {
  let dir = __dirname;
  while (!existsSync(join(dir, 'node_modules/kubernetes-models'))) {
    if (dirname(dir) === dir) {
      throw new Error('kubernetes-models is not installed');
    }
    dir = dirname(dir);
  }
  const root = join(dir, 'node_modules/kubernetes-models');
  type Model = new (data: unknown) => { validate(): void };
  return {
    Service: nativeRequire(join(root, 'v1/Service.js')).Service as Model,
    Secret: nativeRequire(join(root, 'v1/Secret.js')).Secret as Model,
    Ingress: nativeRequire(join(root, 'networking.k8s.io/v1/Ingress.js')).Ingress as Model
  };
}
const models = kubernetesModels();

/** Valid for the API's schemas and for what only the API server checks. */
function expectValid(m: FlareManifests) {
  expect(() => new models.Service(m.service).validate()).not.toThrow();
  expect(() => new models.Ingress(m.ingress).validate()).not.toThrow();
  if (m.secret) {
    expect(() => new models.Secret(m.secret).validate()).not.toThrow();
  }
  expect(problems(m)).toEqual([]);
}

const build = (spec: ExposureSpec, config = CONFIG, pod = POD) =>
  flareManifests(spec, { config, namespace: NS, pod, now: NOW });

describe('flare manifests', () => {
  it('the schemas do refuse a broken object, so passing them means something', () => {
    const broken = structuredClone(build(DASH).service);
    (broken.spec!.ports![0] as { port: unknown }).port = 'eighty';
    expect(() => new models.Service(broken).validate()).toThrow(/port/);
  });

  it('none: a Service selecting this pod, an Ingress with TLS, owned by the pod, no Secret', () => {
    const m = build(DASH);
    expectValid(m);
    expect(m.service).toEqual(pair('create-service-dash').request.body);
    expect(m.ingress).toEqual(pair('create-ingress-dash').request.body);
    expect(m.secret).toBeUndefined();
    expect(m.service.spec?.selector).toEqual({
      'hub.jupyter.org/username': 'ada',
      'hub.jupyter.org/servername': '',
      component: 'singleuser-server'
    });
    expect(m.service.spec?.ports).toEqual([
      { name: 'http', protocol: 'TCP', port: 80, targetPort: 8050 }
    ]);
    for (const obj of [m.service, m.ingress]) {
      expect(obj.metadata?.ownerReferences).toEqual([
        {
          apiVersion: 'v1',
          kind: 'Pod',
          name: 'jupyter-ada',
          uid: POD.metadata!.uid,
          blockOwnerDeletion: false
        }
      ]);
      expect(obj.metadata?.labels).toEqual({
        'app.kubernetes.io/managed-by': 'hotstepper',
        'hotstepper.io/flare': 'dash'
      });
    }
    expect(m.ingress.spec?.tls).toEqual([
      { hosts: ['dash.flare.hub.example.org'], secretName: 'flare-dash-tls' }
    ]);
    const annotations = m.ingress.metadata?.annotations ?? {};
    expect(annotations).toMatchObject({
      'cert-manager.io/cluster-issuer': 'letsencrypt-prod',
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600',
      'nginx.ingress.kubernetes.io/proxy-send-timeout': '3600',
      'nginx.ingress.kubernetes.io/proxy-body-size': '0',
      'nginx.ingress.kubernetes.io/proxy-buffering': 'off',
      'nginx.ingress.kubernetes.io/limit-rps': '50'
    });
    expect(annotations['nginx.ingress.kubernetes.io/auth-type']).toBeUndefined();
  });

  it("password: a Secret in ingress-nginx's auth-file form that checks the password, and basic auth", async () => {
    const m = build(REPORT);
    expectValid(m);
    expect(m.service).toEqual(pair('create-service-report').request.body);
    expect(m.secret).toEqual(pair('create-secret-report').request.body);
    expect(m.ingress).toEqual(pair('create-ingress-report').request.body);
    const [user, hash] = m.secret!.stringData!.auth.split(/:(.*)/s);
    expect(user).toBe('flare');
    expect(await bcrypt.compare('correct horse', hash)).toBe(true);
    expect(await bcrypt.compare('wrong horse', hash)).toBe(false);
    expect(m.ingress.metadata?.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/auth-type': 'basic',
      'nginx.ingress.kubernetes.io/auth-secret': 'flare-report-auth',
      'hotstepper.io/expires-at': '2026-11-25T18:00:00.000Z'
    });
    expect(m.secret!.metadata?.ownerReferences?.[0].uid).toBe(POD.metadata!.uid);
  });

  it('secret-link: the only host is <name>-<secret> (no route for the plain name), with no certificate of its own', () => {
    const m = build(BOARD);
    expectValid(m);
    expect(m.ingress).toEqual(pair('create-ingress-board').request.body);
    const hosts = m.ingress.spec?.rules?.map(r => r.host);
    expect(hosts).toEqual([`board-${LINK_SECRET}.flare.hub.example.org`]);
    // No certificate of its own: its host would be published in the Certificate Transparency
    // logs. The controller's default (wildcard) certificate serves it.
    expect(m.ingress.spec?.tls).toEqual([{ hosts }]);
    expect(m.ingress.metadata?.annotations?.['cert-manager.io/cluster-issuer']).toBeUndefined();
    expect(hostLabel(BOARD)).toBe(`board-${LINK_SECRET}`);
    // The secret is in the host only, never in an annotation or label.
    expect(JSON.stringify(m.ingress.metadata)).not.toContain(LINK_SECRET);
  });

  it("without an issuer: the controller's default certificate; admin annotations cannot undo the password", () => {
    const config = flareConfig({
      kubernetes: {
        annotations: {
          'nginx.ingress.kubernetes.io/auth-type': 'none',
          'nginx.ingress.kubernetes.io/proxy-read-timeout': '600'
        }
      }
    });
    const m = build(REPORT, config);
    expectValid(m);
    expect(m.ingress.spec?.ingressClassName).toBeUndefined();
    expect(m.ingress.spec?.tls).toEqual([{ hosts: ['report.flare.hub.example.org'] }]);
    const annotations = m.ingress.metadata?.annotations ?? {};
    expect(annotations['cert-manager.io/cluster-issuer']).toBeUndefined();
    expect(annotations['nginx.ingress.kubernetes.io/auth-type']).toBe('basic');
    expect(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout']).toBe('600');
  });

  it('refuses what the API server would refuse, naming the part', () => {
    const long = flareConfig({ domain: `${'x'.repeat(64)}.example.org` });
    expect(() => build(DASH, long)).toThrow(
      /the host dash\.x+\.example\.org has the part "x{64}", not a DNS label/
    );
    const upper = flareConfig({ domain: 'Flare.Example.org' });
    expect(() => build(DASH, upper)).toThrow(/has the part "Flare"/);
    const badAnnotation = flareConfig({ kubernetes: { annotations: { 'bad key!': 'x' } } });
    expect(() => build(DASH, badAnnotation)).toThrow(
      /annotation the key "bad key!" is not a qualified name/
    );
    // A 30-character name with its 16-character secret still fits a host label (47 ≤ 63).
    const longest = { ...BOARD, name: 'a'.repeat(30) };
    expectValid(build(longest));
    expect(() => build({ ...REPORT, secret: undefined })).toThrow(/needs the password hash/);
  });

  it('selects the pod by user and server name; a pod without them cannot be selected alone', () => {
    const named = structuredClone(POD);
    named.metadata!.labels!['hub.jupyter.org/servername'] = 'gpu';
    expect(podSelector(named)['hub.jupyter.org/servername']).toBe('gpu');
    const bare = structuredClone(POD);
    bare.metadata!.labels = { app: 'jupyterhub', component: 'singleuser-server' };
    expect(() => podSelector(bare)).toThrow(
      /The notebook pod jupyter-ada has no label hub.jupyter.org\/username/
    );
  });
});

interface Seen {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  body?: unknown;
}

/** Answers each request with its recorded pair (a 404 Status if none), and notes it. */
function replayServer(pairs: Pair[]) {
  const seen: Seen[] = [];
  const answers = new Map(pairs.map(p => [`${p.request.method} ${p.request.path}`, p.response]));
  const server: Server = createServer((req, res) => {
    // This server listens in the test's own process, so a flare backend of another test here
    // may probe it as one of the user's apps: that HEAD is not a call to the Kubernetes API.
    if (req.headers['user-agent'] === 'hotstepper-flare-probe') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      seen.push({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: text ? JSON.parse(text) : undefined
      });
      const answer = answers.get(`${req.method} ${req.url}`) ?? {
        status: 404,
        body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }
      };
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  return { server, seen };
}

function nativeClient(): Promise<KubernetesClient> {
  return Promise.resolve(nativeRequire('@kubernetes/client-node'));
}

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.flare-test';
const POD_ENV = {
  KUBERNETES_SERVICE_HOST: '10.43.0.1',
  HOSTNAME: 'jupyter-ada',
  POD_NAMESPACE: NS
};

/** Replay servers of the running test, closed however it ends. */
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise(resolve => s.close(resolve));
  }
});

/** A gateway talking to a replay server of the pairs named. */
async function gatewayWith(names: string[], config = CONFIG) {
  const pairs = names.map(pair);
  const { server, seen } = replayServer(pairs);
  servers.push(server);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const gateway = new KubernetesFlareGateway({
    config,
    now: () => NOW,
    cluster: new KubernetesCluster({
      env: POD_ENV,
      namespaceFile: '/nonexistent',
      load: nativeClient,
      kubeConfig: k8s => {
        const kc = new k8s.KubeConfig();
        kc.loadFromOptions({
          clusters: [{ name: 't', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
          users: [{ name: 'u', token: TOKEN }],
          contexts: [{ name: 'c', cluster: 't', user: 'u' }],
          currentContext: 'c'
        });
        return kc;
      }
    })
  });
  /** What the gateway sent, against the recorded requests named. */
  const expectCalls = (expected: string[]) => {
    const want = expected.map(pair).map(p => [p.request.method, p.request.path]);
    expect(seen.map(s => [s.method, s.url])).toEqual(want);
    expect(seen.every(s => s.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expected.forEach((name, i) => expect(seen[i].body).toEqual(pair(name).request.body));
  };
  return { gateway, seen, expectCalls };
}

describe('KubernetesFlareGateway against a replayed API server', () => {
  const failure = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => undefined,
      (e: FlareGatewayError) => e
    );
    expect(err).toBeInstanceOf(Error);
    return err as FlareGatewayError;
  };

  it('expose: reads the notebook pod once, then makes each Service and its Ingress', async () => {
    const { gateway, expectCalls } = await gatewayWith([
      'read-pod',
      'create-service-dash',
      'create-ingress-dash',
      'create-service-board',
      'create-ingress-board'
    ]);
    expect(gateway.unavailable()).toBeUndefined();
    await gateway.expose(DASH);
    await gateway.expose(BOARD);
    expectCalls([
      'read-pod',
      'create-service-dash',
      'create-ingress-dash',
      'create-service-board',
      'create-ingress-board'
    ]);
    expect(gateway.urlFor(hostLabel(BOARD))).toBe(
      `https://board-${LINK_SECRET}.flare.hub.example.org/`
    );
  });

  it('expose with a password: the Secret is made before the Ingress that needs it', async () => {
    const { gateway, expectCalls } = await gatewayWith([
      'read-pod',
      'create-service-report',
      'create-secret-report',
      'create-ingress-report'
    ]);
    await gateway.expose(REPORT);
    expectCalls([
      'read-pod',
      'create-service-report',
      'create-secret-report',
      'create-ingress-report'
    ]);
  });

  it('a name taken (409) says so and deletes nothing it did not make', async () => {
    const { gateway, expectCalls } = await gatewayWith([
      'read-pod',
      'create-service-dash-conflict'
    ]);
    const err = await failure(gateway.expose(DASH));
    expect(err.message).toMatch(
      /^The name dash is taken: the namespace jupyterhub-ada-prod-ns already has a Service named flare-dash/
    );
    expect(err.statusCode).toBe(409);
    expectCalls(['read-pod', 'create-service-dash-conflict']);
  });

  it('a refusal (403) names the permissions the service account needs', async () => {
    const { gateway, expectCalls } = await gatewayWith([
      'read-pod',
      'create-service-dash-forbidden'
    ]);
    const err = await failure(gateway.expose(DASH));
    expect(err.message).toMatch(
      /^The notebook's service account may not create services in the namespace jupyterhub-ada-prod-ns: ask the admin to grant it/
    );
    expect(err.message).toContain('ingresses (networking.k8s.io)');
    expect(err.message).toContain('system:serviceaccount:jupyterhub-ada-prod-ns:default');
    expectCalls(['read-pod', 'create-service-dash-forbidden']);
  });

  it('an Ingress refused: the Secret and the Service made before it are deleted again', async () => {
    const { gateway, expectCalls } = await gatewayWith([
      'read-pod',
      'create-service-report',
      'create-secret-report',
      'create-ingress-report-forbidden',
      'delete-secret-report',
      'delete-service-report'
    ]);
    const err = await failure(gateway.expose(REPORT));
    expect(err.message).toMatch(/may not create ingresses in the namespace jupyterhub-ada-prod-ns/);
    expectCalls([
      'read-pod',
      'create-service-report',
      'create-secret-report',
      'create-ingress-report-forbidden',
      'delete-secret-report',
      'delete-service-report'
    ]);
  });

  it('unexpose deletes the Ingress first, then the Secret and the Service; gone already is fine', async () => {
    const { gateway, expectCalls } = await gatewayWith([
      'delete-ingress-dash',
      'delete-secret-dash-missing',
      'delete-service-dash'
    ]);
    await gateway.unexpose('dash');
    expectCalls(['delete-ingress-dash', 'delete-secret-dash-missing', 'delete-service-dash']);
  });

  it('unexpose refused (403) throws, and stops before the Service the Ingress still routes to', async () => {
    const { gateway, expectCalls } = await gatewayWith(['delete-ingress-dash-forbidden']);
    const err = await failure(gateway.unexpose('dash'));
    expect(err.message).toMatch(/may not delete ingresses in the namespace jupyterhub-ada-prod-ns/);
    expectCalls(['delete-ingress-dash-forbidden']);
  });

  it("list: this pod's exposures from the Ingresses, the hash from the Secret, the link from the host", async () => {
    const { gateway, expectCalls } = await gatewayWith([
      'read-pod',
      'list-ingresses',
      'read-secret-report'
    ]);
    const specs = await gateway.list();
    // Left out: an exposure of the user's other server, and an Ingress without its port.
    expect(specs).toEqual([
      { ...DASH, createdAt: NOW },
      { ...REPORT, createdAt: NOW },
      { ...BOARD, createdAt: NOW }
    ]);
    expectCalls(['read-pod', 'list-ingresses', 'read-secret-report']);
  });
});

describe('KubernetesFlareGateway without a cluster', () => {
  const load = jest.fn(nativeClient);
  const gateway = (config = CONFIG, env: NodeJS.ProcessEnv = {}) =>
    new KubernetesFlareGateway({
      config,
      cluster: new KubernetesCluster({ env, namespaceFile: '/nonexistent', load })
    });

  it('needs a flare domain first, then a pod, its namespace and its name', () => {
    expect(gateway(parseConfig({}).flare, POD_ENV).unavailable()).toBe(
      'No flare domain is configured: an administrator sets flare.domain in hotstepper.json'
    );
    expect(gateway().unavailable()).toMatch(/^Not running in a Kubernetes pod/);
    expect(gateway(CONFIG, { ...POD_ENV, POD_NAMESPACE: '' }).unavailable()).toMatch(
      /namespace is unknown: set POD_NAMESPACE/
    );
    expect(gateway(CONFIG, { ...POD_ENV, HOSTNAME: '' }).unavailable()).toMatch(
      /pod's name is unknown: HOSTNAME is unset/
    );
  });

  it('builds URLs with https and no port by default, else the configured ones', () => {
    expect(gateway().urlFor('dash')).toBe('https://dash.flare.hub.example.org/');
    expect(gateway(flareConfig({ scheme: 'http', publicPort: 8443 })).urlFor('dash')).toBe(
      'http://dash.flare.hub.example.org:8443/'
    );
  });

  it('lists nothing and refuses to expose, without loading the client', async () => {
    const g = gateway();
    expect(await g.list()).toEqual([]);
    const err = await g.expose(DASH).catch((e: FlareGatewayError) => e);
    expect(err).toMatchObject({
      statusCode: 503,
      message: expect.stringMatching(/^Not running in a Kubernetes pod/)
    });
    expect(g.traffic().size).toBe(0);
    expect(load).not.toHaveBeenCalled();
  });
});

/*
 * The flare routes of the whole backend with this gateway: what a user does (expose,
 * see the list, unexpose) becomes the recorded API calls, and a restarted backend
 * adopts what the cluster holds.
 */
describe('the flare routes on Kubernetes', () => {
  const XSRF = '2|abc|';
  const headers = { cookie: `_xsrf=${XSRF}`, 'x-xsrftoken': XSRF };
  let dir: string;
  const apps: ChildProcess[] = [];
  const backends: Array<() => Promise<void>> = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hotstepper-k8s-flare-'));
  });
  afterEach(async () => {
    for (const close of backends.splice(0)) {
      await close();
    }
  });
  afterAll(() => {
    apps.forEach(app => app.kill('SIGKILL'));
    rmSync(dir, { recursive: true, force: true });
  });

  /** The user's app: another process (the backend leaves its own sockets out of the ports). */
  async function startApp(): Promise<number> {
    const app = spawn(
      process.execPath,
      [
        '-e',
        "require('http').createServer((q, r) => r.end('hi')).listen(0, '127.0.0.1', function () { console.log(this.address().port) })"
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] }
    );
    apps.push(app);
    const line = await new Promise<string>((resolve, reject) => {
      app.stdout!.once('data', (d: Buffer) => resolve(d.toString()));
      app.once('exit', code => reject(new Error(`the app exited (${code})`)));
    });
    return Number(line.trim());
  }

  async function backend(gateway: KubernetesFlareGateway, name: string) {
    const store = new Store({ path: ':memory:' });
    const platform = new KubernetesPlatform({
      resources: new ProcTreeReader(process.pid, '', {}),
      cluster: new KubernetesCluster({ env: POD_ENV, namespaceFile: '/nonexistent' })
    });
    const sampler = new UsageSampler(platform, store, {
      intervalSeconds: 60,
      retentionHours: 48,
      log: memoryLogger().log
    });
    const config = parseConfig({ jobs: { runner: 'local' }, flare: CONFIG });
    const server = await buildServer({
      version: '0.0.0',
      config,
      platform,
      store,
      sampler,
      jobs: createJobs(config, { platform, env: {} }),
      flare: gateway,
      dataDir: join(dir, `${name}-data`),
      rootDir: dir
    });
    const socket = join(dir, `${name}.sock`);
    await server.listen({ path: socket });
    backends.push(async () => {
      sampler.stop();
      await server.close();
      store.close();
    });
    await sampler.ready;
    return (method: string, path: string, body?: unknown) =>
      httpRequest(socket, {
        method,
        path: `/api/v1/flare${path}`,
        headers: body ? { ...headers, 'content-type': 'application/json' } : headers,
        body: body ? JSON.stringify(body) : undefined
      });
  }

  it('expose makes the Service and Ingress for the port, the list shows the https URL, unexpose removes them', async () => {
    const port = await startApp();
    const { gateway, seen } = await gatewayWith([
      'read-pod',
      'list-ingresses-empty',
      'create-service-dash',
      'create-ingress-dash',
      'delete-ingress-dash',
      'delete-service-dash'
    ]);
    const call = await backend(gateway, 'expose');
    const made = await call('POST', '/exposures', { port, name: 'dash', protection: 'none' });
    expect(made.statusCode).toBe(201);
    expect(made.json()).toMatchObject({
      name: 'dash',
      port,
      protection: 'none',
      url: 'https://dash.flare.hub.example.org/',
      listening: true
    });
    const service = seen.find(s => s.method === 'POST' && s.url?.includes('/services'));
    expect(service?.body).toMatchObject({
      metadata: { name: 'flare-dash' },
      spec: { ports: [{ port: 80, targetPort: port }] }
    });
    const ingress = seen.find(s => s.method === 'POST' && s.url?.includes('/ingresses'));
    expect(ingress?.body).toMatchObject({
      spec: { rules: [{ host: 'dash.flare.hub.example.org' }] }
    });
    const list = await call('GET', '/exposures');
    expect(list.json().exposures.map((e: { url: string }) => e.url)).toEqual([
      'https://dash.flare.hub.example.org/'
    ]);

    const removed = await call('DELETE', '/exposures/dash');
    expect(removed.statusCode).toBe(204);
    expect(seen.filter(s => s.method === 'DELETE').map(s => s.url)).toEqual([
      pair('delete-ingress-dash').request.path,
      '/api/v1/namespaces/jupyterhub-ada-prod-ns/secrets/flare-dash-auth',
      pair('delete-service-dash').request.path
    ]);
    expect((await call('GET', '/exposures')).json().exposures).toEqual([]);
  });

  it('a name the cluster already holds is a 409 for the user, with the reason, and nothing stored', async () => {
    const port = await startApp();
    const { gateway } = await gatewayWith([
      'read-pod',
      'list-ingresses-empty',
      'create-service-dash-conflict'
    ]);
    const call = await backend(gateway, 'conflict');
    const res = await call('POST', '/exposures', { port, name: 'dash', protection: 'none' });
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toMatch(/The name dash is taken/);
    expect((await call('GET', '/exposures')).json().exposures).toEqual([]);
  });

  it("a restarted backend shows the cluster's exposures: password user, secret link URL, expiry", async () => {
    const { gateway } = await gatewayWith(['read-pod', 'list-ingresses', 'read-secret-report']);
    const call = await backend(gateway, 'adopt');
    const res = await call('GET', '/exposures');
    expect(res.statusCode).toBe(200);
    const byName = Object.fromEntries(
      res.json().exposures.map((e: { name: string }) => [e.name, e])
    );
    expect(Object.keys(byName).sort()).toEqual(['board', 'dash', 'report']);
    expect(byName.board.url).toBe(`https://board-${LINK_SECRET}.flare.hub.example.org/`);
    expect(byName.report).toMatchObject({
      protection: 'password',
      username: 'flare',
      port: 8501,
      expiresAt: '2026-11-25T18:00:00.000Z'
    });
    expect(byName.dash).toMatchObject({ protection: 'none', port: 8050 });
  });
});
