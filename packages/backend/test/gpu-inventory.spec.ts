import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { Value } from '@sinclair/typebox/value';
import { GpuInventory } from '@hotstepper/api';
import { parseConfig } from '../src/config';
import { UsageSampler } from '../src/features/usage/service';
import {
  ClusterGpuInventory,
  inventoryFrom,
  type KubernetesClient
} from '../src/platform/kubernetes/gpus';
import { KubernetesPlatform } from '../src/platform/kubernetes';
import { KubernetesCluster } from '../src/platform/kubernetes/cluster';
import { LocalPlatform } from '../src/platform/local';
import { NvidiaSmiReader } from '../src/platform/resources/nvidia';
import { ProcTreeReader } from '../src/platform/resources';
import { createFlareGateway, createJobs } from '../src/platform';
import { buildServer } from '../src/server';
import { Store } from '../src/store';
import { fixture, httpRequest, memoryLogger } from './helpers';

/*
 * No Kubernetes API server can run here. The inventory is checked on node and pod lists
 * recorded from a cluster like the platform's (test/fixtures/kubernetes), and the calls
 * to the API on a local HTTP server that replays them to the real client library.
 */

const recorded = (name: string) => readFileSync(fixture(`kubernetes/${name}.json`), 'utf8');
const NODES: V1Node[] = JSON.parse(recorded('nodes')).items;
const PODS: V1Pod[] = JSON.parse(recorded('pods-running')).items;

// kub-g11: 4 A40, ada's notebook holds 1 and bob's Job 2 (as a limit only).
// kub-g12: 2 A40, cordoned: none free whatever runs there.
// kub-g21: A100 with 7 × 1g.10gb; eva's notebook 1, her two-container pod 2, carl's notebook 1
// (its init container held the same one before it started).
const EXPECTED = [
  { model: 'NVIDIA-A40', free: 1, total: 6 },
  { model: 'mig-1g.10gb', free: 3, total: 7 }
];

describe('inventoryFrom', () => {
  it('counts allocatable GPUs per product label and MIG profile, minus running pods on the node', () => {
    expect(inventoryFrom(NODES, PODS)).toEqual(EXPECTED);
  });

  it('is all free without pods, and empty without GPU nodes', () => {
    expect(inventoryFrom(NODES, [])).toEqual([
      { model: 'NVIDIA-A40', free: 4, total: 6 },
      { model: 'mig-1g.10gb', free: 7, total: 7 }
    ]);
    expect(inventoryFrom([NODES[0]], PODS)).toEqual([]);
    expect(inventoryFrom([], [])).toEqual([]);
  });

  const gpuNode = (
    name: string,
    labels: Record<string, string>,
    allocatable: Record<string, string>,
    ready = 'True'
  ): V1Node => ({
    metadata: { name, labels },
    status: { allocatable, conditions: [{ type: 'Ready', status: ready }] }
  });
  const gpuPod = (
    node: string,
    containers: Array<Record<string, string>>,
    init: Array<Record<string, string> & { restartPolicy?: string }> = []
  ): V1Pod => ({
    metadata: { name: `p-${Math.random()}` },
    spec: {
      nodeName: node,
      containers: containers.map((requests, i) => ({ name: `c${i}`, resources: { requests } })),
      initContainers: init.map(({ restartPolicy, ...requests }, i) => ({
        name: `i${i}`,
        restartPolicy,
        resources: { requests }
      }))
    }
  });

  it('names MIG instances of the single strategy by the profile in the product label', () => {
    const node = gpuNode(
      'n',
      { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-40GB-MIG-1g.5gb' },
      { 'nvidia.com/gpu': '7' }
    );
    expect(inventoryFrom([node], [gpuPod('n', [{ 'nvidia.com/gpu': '2' }])])).toEqual([
      { model: 'mig-1g.5gb', free: 5, total: 7 }
    ]);
  });

  it('keeps several MIG profiles and GPUs apart, and a node without a product label still counts', () => {
    const h100 = gpuNode(
      'h',
      { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' },
      {
        'nvidia.com/gpu': '1',
        'nvidia.com/mig-2g.20gb': '2',
        'nvidia.com/mig-1g.10gb': '3',
        'nvidia.com/mig-1g.20gb+me': '1'
      }
    );
    const bare = gpuNode('b', {}, { 'nvidia.com/gpu': '1' });
    expect(inventoryFrom([h100, bare], [gpuPod('h', [{ 'nvidia.com/mig-2g.20gb': '1' }])])).toEqual(
      [
        { model: 'NVIDIA GPU', free: 1, total: 1 },
        { model: 'NVIDIA-H100-80GB-HBM3', free: 1, total: 1 },
        { model: 'mig-1g.10gb', free: 3, total: 3 },
        { model: 'mig-1g.20gb+me', free: 1, total: 1 },
        { model: 'mig-2g.20gb', free: 1, total: 2 }
      ]
    );
  });

  it('counts a pod as the scheduler does: containers together, or its largest init container; sidecars add', () => {
    const node = gpuNode(
      'n',
      { 'nvidia.com/gpu.product': 'NVIDIA-A40' },
      { 'nvidia.com/gpu': '8' }
    );
    const free = (pod: V1Pod) => inventoryFrom([node], [pod])[0].free;
    expect(free(gpuPod('n', [{ 'nvidia.com/gpu': '1' }, { 'nvidia.com/gpu': '2' }]))).toBe(5);
    expect(free(gpuPod('n', [{ 'nvidia.com/gpu': '1' }], [{ 'nvidia.com/gpu': '4' }]))).toBe(4);
    expect(
      free(
        gpuPod(
          'n',
          [{ 'nvidia.com/gpu': '1' }],
          [{ 'nvidia.com/gpu': '1', restartPolicy: 'Always' }]
        )
      )
    ).toBe(6);
  });

  it('never goes below 0 free, ignores pods elsewhere or unscheduled, and offers nothing on a NotReady node', () => {
    const node = gpuNode(
      'n',
      { 'nvidia.com/gpu.product': 'NVIDIA-A40' },
      { 'nvidia.com/gpu': '2' }
    );
    const elsewhere = gpuPod('other', [{ 'nvidia.com/gpu': '2' }]);
    const unscheduled = { ...gpuPod('n', [{ 'nvidia.com/gpu': '1' }]), spec: { containers: [] } };
    expect(inventoryFrom([node], [elsewhere, unscheduled])[0].free).toBe(2);
    expect(inventoryFrom([node], [gpuPod('n', [{ 'nvidia.com/gpu': '3' }])])[0].free).toBe(0);
    const down = gpuNode(
      'd',
      { 'nvidia.com/gpu.product': 'NVIDIA-A40' },
      { 'nvidia.com/gpu': '2' },
      'Unknown'
    );
    expect(inventoryFrom([down], [])).toEqual([{ model: 'NVIDIA-A40', free: 0, total: 2 }]);
  });

  it('ignores quantities that are not whole numbers and zero allocatable', () => {
    const node = gpuNode(
      'n',
      { 'nvidia.com/gpu.product': 'NVIDIA-A40' },
      { 'nvidia.com/gpu': '0', 'nvidia.com/mig-1g.10gb': '500m' }
    );
    expect(inventoryFrom([node], [])).toEqual([]);
  });
});

/**
 * The real @kubernetes/client-node. It is an ES module that jest's CommonJS loader cannot
 * read, so it is loaded with Node's own require (which loads ES modules since Node 20.19),
 * as the bundled backend does. Only the test needs this; the code imports it normally.
 */
function nativeClient(): Promise<KubernetesClient> {
  const proc = process as unknown as {
    getBuiltinModule(id: 'node:module'): typeof import('node:module');
  };
  return Promise.resolve(
    proc.getBuiltinModule('node:module').createRequire(__filename)('@kubernetes/client-node')
  );
}

interface Seen {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
}

/** Replays the recorded API answers, and notes each request. */
function replayServer(answers: Record<string, { status: number; body: string }>) {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, headers: req.headers });
    const answer = answers[req.url ?? ''] ?? {
      status: 404,
      body: JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'NotFound',
        code: 404
      })
    };
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(answer.body);
  });
  return { server, seen };
}

const NODES_PATH = '/api/v1/nodes';
const PODS_PATH = '/api/v1/pods?fieldSelector=status.phase%3DRunning';

describe('ClusterGpuInventory against a replayed API server', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise(resolve => s.close(resolve));
    }
  });

  async function serve(answers: Record<string, { status: number; body: string }>) {
    const { server, seen } = replayServer(answers);
    servers.push(server);
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    return { seen, port };
  }

  const inventoryAt = (port: number, options: { now?: () => number } = {}) =>
    new ClusterGpuInventory(
      new KubernetesCluster({
        load: nativeClient,
        kubeConfig: k8s => {
          const kc = new k8s.KubeConfig();
          kc.loadFromOptions({
            clusters: [{ name: 't', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
            users: [{ name: 'u', token: 'x' }],
            contexts: [{ name: 'c', cluster: 't', user: 'u' }],
            currentContext: 'c'
          });
          return kc;
        }
      }),
      options
    );

  const ok = {
    [NODES_PATH]: { status: 200, body: recorded('nodes') },
    [PODS_PATH]: { status: 200, body: recorded('pods-running') }
  };

  it('lists the nodes, then the running pods of all namespaces, and counts', async () => {
    const { seen, port } = await serve(ok);
    const inventory = await inventoryAt(port).read();
    expect(seen.map(s => [s.method, s.url])).toEqual([
      ['GET', NODES_PATH],
      ['GET', PODS_PATH]
    ]);
    expect(seen.every(s => s.headers.authorization === 'Bearer x')).toBe(true);
    expect(inventory).toMatchObject({ source: 'kubernetes', models: EXPECTED });
    expect(inventory.reason).toBeUndefined();
    expect([...Value.Errors(GpuInventory, inventory)]).toEqual([]);
  });

  it('asks the API server at most once per 30 s, and again after', async () => {
    const { seen, port } = await serve(ok);
    let now = 1_000_000;
    const cluster = inventoryAt(port, { now: () => now });
    const [a, b] = await Promise.all([cluster.read(), cluster.read()]);
    now += 29_000;
    const c = await cluster.read();
    expect(seen).toHaveLength(2);
    expect(b).toBe(a);
    expect(c).toBe(a);
    now += 2_000;
    await cluster.read();
    expect(seen).toHaveLength(4);
  });

  it('turns a 403 on nodes into a reason an admin can act on, without asking for pods', async () => {
    const { seen, port } = await serve({
      [NODES_PATH]: { status: 403, body: recorded('forbidden-nodes') }
    });
    const inventory = await inventoryAt(port).read();
    expect(seen.map(s => s.url)).toEqual([NODES_PATH]);
    expect(inventory).toMatchObject({ source: 'kubernetes', models: [] });
    expect(inventory.reason).toMatch(/cannot list nodes: ask the admin to grant/);
    expect(inventory.reason).toContain('system:serviceaccount:jupyterhub-ada-prod-ns:default');
    expect([...Value.Errors(GpuInventory, inventory)]).toEqual([]);
  });

  it('says so when the pods cannot be listed: free counts would be guesses', async () => {
    const { port } = await serve({
      [NODES_PATH]: ok[NODES_PATH],
      [PODS_PATH]: { status: 403, body: recorded('forbidden-pods') }
    });
    const inventory = await inventoryAt(port).read();
    expect(inventory.models).toEqual([]);
    expect(inventory.reason).toMatch(/cannot list pods in all namespaces: ask the admin to grant/);
  });

  it('does not list pods when no node has a GPU', async () => {
    const cpuOnly = JSON.stringify({
      kind: 'NodeList',
      apiVersion: 'v1',
      metadata: {},
      items: [NODES[0]]
    });
    const { seen, port } = await serve({ [NODES_PATH]: { status: 200, body: cpuOnly } });
    const inventory = await inventoryAt(port).read();
    expect(seen.map(s => s.url)).toEqual([NODES_PATH]);
    expect(inventory).toMatchObject({
      source: 'kubernetes',
      models: [],
      reason: 'No node in the cluster offers NVIDIA GPUs'
    });
  });

  it('reports an unreachable API server instead of throwing', async () => {
    const { port } = await serve({});
    const closed = servers.pop()!;
    closed.closeAllConnections();
    await new Promise(resolve => closed.close(resolve));
    const inventory = await inventoryAt(port).read();
    expect(inventory).toMatchObject({ source: 'kubernetes', models: [] });
    expect(inventory.reason).toMatch(/^Could not ask the cluster for its GPUs: /);
  });
});

describe('KubernetesPlatform.gpuInventory', () => {
  const reader = new ProcTreeReader(process.pid, '', {});

  it('asks the cluster inventory it is given', async () => {
    const models = [{ model: 'mig-1g.10gb', free: 2, total: 7 }];
    const cluster = {
      read: jest.fn(async () => ({
        source: 'kubernetes' as const,
        models,
        checkedAt: new Date().toISOString()
      }))
    };
    const platform = new KubernetesPlatform({
      resources: reader,
      cluster: new KubernetesCluster({
        env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' },
        namespaceFile: '/nonexistent'
      }),
      inventory: cluster
    });
    expect((await platform.gpuInventory()).models).toEqual(models);
    expect(cluster.read).toHaveBeenCalledTimes(1);
  });

  it('outside a pod has no cluster to ask and says so, without loading the client', async () => {
    const platform = new KubernetesPlatform({
      resources: reader,
      cluster: new KubernetesCluster({ env: {}, namespaceFile: '/nonexistent' })
    });
    const inventory = await platform.gpuInventory();
    expect(inventory).toMatchObject({ source: 'none', models: [] });
    expect(inventory.reason).toMatch(/Not running in a Kubernetes pod/);
  });
});

describe('GET /api/v1/usage/gpus', () => {
  let dir: string;
  const apps: Array<{ close(): Promise<unknown>; store: Store; sampler: UsageSampler }> = [];
  afterAll(async () => {
    for (const a of apps) {
      a.sampler.stop();
      await a.close();
      a.store.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  async function serveWith(platform: LocalPlatform, name: string) {
    dir ??= mkdtempSync(join(tmpdir(), 'hotstepper-gpus-http-'));
    const store = new Store({ path: ':memory:' });
    const sampler = new UsageSampler(platform, store, {
      intervalSeconds: 60,
      retentionHours: 48,
      log: memoryLogger().log
    });
    const config = parseConfig({});
    const app = await buildServer({
      version: '0.0.0',
      config,
      platform,
      store,
      sampler,
      jobs: createJobs(config, { platform, env: {} }),
      flare: createFlareGateway(config, { platform, env: {} }),
      dataDir: join(dir, 'data'),
      rootDir: dir
    });
    const socket = join(dir, `${name}.sock`);
    await app.listen({ path: socket });
    apps.push({ close: () => app.close(), store, sampler });
    await sampler.ready;
    return () => httpRequest(socket, { method: 'GET', path: '/api/v1/usage/gpus' });
  }

  it('answers {source: "none"} with the reason on a machine without GPUs', async () => {
    const get = await serveWith(new LocalPlatform(new ProcTreeReader(process.pid, '', {})), 'none');
    const res = await get();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      source: 'none',
      models: [],
      reason: 'No NVIDIA GPU on this machine'
    });
    expect([...Value.Errors(GpuInventory, res.json())]).toEqual([]);
  });

  it("answers this machine's free GPUs from nvidia-smi", async () => {
    const smi = new NvidiaSmiReader('/nonexistent/nvidia-smi', { onError: () => undefined });
    jest.spyOn(smi, 'query').mockResolvedValue([
      {
        index: 0,
        uuid: 'GPU-1',
        model: 'NVIDIA A40',
        utilization: 0.5,
        memoryUsed: 1,
        memoryTotal: 2,
        busy: true
      },
      {
        index: 1,
        uuid: 'GPU-2',
        model: 'NVIDIA A40',
        utilization: 0,
        memoryUsed: 0,
        memoryTotal: 2,
        busy: false
      }
    ]);
    const get = await serveWith(
      new LocalPlatform(new ProcTreeReader(process.pid, '', {}), smi, smi),
      'smi'
    );
    const res = await get();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      source: 'nvidia-smi',
      models: [{ model: 'NVIDIA A40', free: 1, total: 2 }]
    });
  });
});
