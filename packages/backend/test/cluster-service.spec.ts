/**
 * The hub's cluster service: the free-GPU view kept from watches (list once, then follow
 * `?watch=1`; a broken watch resumed from its resourceVersion, a 410 Gone listed again), its hub
 * token check, and a user's backend asking it with its own view to fall back on. No Kubernetes
 * API server can run here: the real @kubernetes/client-node talks to a substitute that speaks
 * the list + watch protocol (watch-apiserver.js), seeded with the recorded cluster.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { Value } from '@sinclair/typebox/value';
import { GpuInventory } from '@hotstepper/api';
import { parseConfig } from '../src/config';
import { startClusterService, type ClusterService } from '../src/cluster-service';
import { createAdapters } from '../src/platform';
import { KubernetesCluster, type KubernetesClient } from '../src/platform/kubernetes/cluster';
import { WatchedGpuInventory } from '../src/platform/kubernetes/gpu-watch';
import { ServiceGpuInventory } from '../src/platform/kubernetes/gpu-service';
import { ClusterGpuInventory } from '../src/platform/kubernetes/gpus';
import { fixture } from './helpers';
import { WatchApiServer } from './watch-apiserver';

const recorded = (name: string) =>
  JSON.parse(readFileSync(fixture(`kubernetes/${name}.json`), 'utf8')).items;
const NODES: V1Node[] = recorded('nodes');
const PODS: V1Pod[] = recorded('pods-running');
const G11 = 'kub-g11.priv.cerit-sc.cz';
const G12 = 'kub-g12.priv.cerit-sc.cz';
// As in gpu-inventory.spec.ts: 1 of 6 A40 free (kub-g12 cordoned), 3 of 7 MIG 1g.10gb.
const RECORDED = [
  { model: 'NVIDIA-A40', free: 1, total: 6 },
  { model: 'mig-1g.10gb', free: 3, total: 7 }
];

/** Node's own require: it loads ES modules (Node ≥ 20.19); jest's loader cannot. */
const nativeClient = (): Promise<KubernetesClient> => {
  const proc = process as unknown as {
    getBuiltinModule(id: 'node:module'): typeof import('node:module');
  };
  return Promise.resolve(
    proc.getBuiltinModule('node:module').createRequire(__filename)('@kubernetes/client-node')
  );
};

const access = (api: WatchApiServer) => ({
  load: nativeClient,
  kubeConfig: (k8s: KubernetesClient) => {
    const kc = new k8s.KubeConfig();
    kc.loadFromString(JSON.stringify(api.kubeconfig()));
    return kc;
  }
});

function seeded(api: WatchApiServer) {
  for (const node of NODES) {
    api.put('nodes', node);
  }
  for (const pod of PODS) {
    api.put('pods', pod);
  }
}

const a40Pod = (name: string, node = G11, gpus = '1'): V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'jupyterhub-gus-prod-ns' },
  spec: {
    nodeName: node,
    containers: [{ name: 'notebook', resources: { requests: { 'nvidia.com/gpu': gpus } } }]
  },
  status: { phase: 'Running' }
});

/** Reads until the view shows `models` (jest's timeout bounds the wait). */
async function shows(
  read: () => Promise<GpuInventory>,
  models: Array<{ model: string; free: number; total: number }>
): Promise<GpuInventory> {
  for (;;) {
    const inventory = await read();
    if (JSON.stringify(inventory.models) === JSON.stringify(models)) {
      return inventory;
    }
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}

const a40 = (free: number, total = 6) => [
  { model: 'NVIDIA-A40', free, total },
  { model: 'mig-1g.10gb', free: 3, total: 7 }
];

describe('WatchedGpuInventory against a list + watch API server', () => {
  let api: WatchApiServer;
  let inventory: WatchedGpuInventory;
  beforeEach(async () => {
    api = new WatchApiServer();
    seeded(api);
    await api.listen();
  });
  afterEach(async () => {
    await inventory?.close();
    await api.close();
  });
  const watched = (pageSize?: number) => {
    inventory = new WatchedGpuInventory(new KubernetesCluster({ env: {}, ...access(api) }), {
      rewatchMs: 20,
      pageSize
    });
    return inventory;
  };

  it('lists nodes and running pods once, then follows both with watches from the lists’ version', async () => {
    const view = await watched().read();
    expect(view.reason).toBeUndefined();
    expect(view).toMatchObject({ source: 'kubernetes', models: RECORDED });
    expect([...Value.Errors(GpuInventory, view)]).toEqual([]);
    const rv = String(api.rv);
    expect(
      api.requests.map(r => [r.path, r.query.fieldSelector, r.watch, r.query.resourceVersion])
    ).toEqual(
      expect.arrayContaining([
        ['/api/v1/nodes', undefined, false, undefined],
        ['/api/v1/pods', 'status.phase=Running', false, undefined],
        ['/api/v1/nodes', undefined, true, rv],
        ['/api/v1/pods', 'status.phase=Running', true, rv]
      ])
    );
    expect(api.requests).toHaveLength(4);
    // Many readers, no more requests.
    await Promise.all(Array.from({ length: 50 }, () => inventory.read()));
    expect(api.requests).toHaveLength(4);
  });

  it('lists in pages (limit, then continue) and watches from the first page’s version', async () => {
    const rv = String(api.rv);
    expect((await watched(3).read()).models).toEqual(RECORDED);
    const podLists = api.requests.filter(r => r.path === '/api/v1/pods' && !r.watch);
    expect(podLists.map(r => [r.query.limit, Boolean(r.query.continue)])).toEqual([
      ['3', false],
      ['3', true],
      ['3', true]
    ]);
    const podWatch = api.requests.find(r => r.path === '/api/v1/pods' && r.watch);
    expect(podWatch?.query.resourceVersion).toBe(rv);
  });

  it('counts pods added, modified, stopped and removed, and node changes, without listing again', async () => {
    const read = () => watched().read();
    await read();
    const read2 = () => inventory.read();
    api.put('pods', a40Pod('gus-1'));
    await shows(read2, a40(0));
    // Its request grows to 2 on a node with 3 others taken: none free, never below 0.
    api.put('pods', a40Pod('gus-1', G11, '2'));
    await shows(read2, a40(0));
    // It ends: a Succeeded pod leaves the Running watch (DELETED) and frees its GPUs.
    api.put('pods', { ...a40Pod('gus-1', G11, '2'), status: { phase: 'Succeeded' } });
    await shows(read2, a40(1));
    api.remove(
      'pods',
      PODS.find(p => p.metadata?.name === 'jupyter-ada')!
    );
    await shows(read2, a40(2));
    // kub-g12 uncordoned: its 2 A40 (1 held by dan) count as free; a new node adds 8.
    const g12 = NODES.find(n => n.metadata?.name === G12)!;
    api.put('nodes', { ...g12, spec: { ...g12.spec, unschedulable: false } });
    await shows(read2, a40(3));
    api.put('nodes', {
      ...g12,
      metadata: { ...g12.metadata, name: 'kub-g13' },
      spec: {},
      status: { ...g12.status, allocatable: { 'nvidia.com/gpu': '8' } }
    });
    await shows(read2, a40(11, 14));
    expect(api.count('list')).toBe(2);
    expect(api.count('watch')).toBe(2);
  });

  it('resumes a broken watch from its last version (changes missed meanwhile included), no list', async () => {
    await watched().read();
    api.put('pods', a40Pod('gus-1'));
    await shows(() => inventory.read(), a40(0));
    const watchesBefore = api.count('watch');
    api.breakWatches();
    api.remove('pods', a40Pod('gus-1')); // while no watch is open
    const view = await shows(() => inventory.read(), a40(1));
    await new Promise<void>(resolve => {
      const check = () => (api.watches.size === 2 ? resolve() : setTimeout(check, 20));
      check();
    });
    expect(api.count('list')).toBe(2);
    expect(api.count('watch')).toBeGreaterThan(watchesBefore);
    // Resumed from versions after the lists', not from scratch.
    const resumed = api.requests.slice(4).filter(r => r.watch);
    expect(resumed.every(r => Number(r.query.resourceVersion) > 1000)).toBe(true);
    expect(view.source).toBe('kubernetes');
  });

  it('lists again after 410 Gone (its version compacted away)', async () => {
    await watched().read();
    api.put('pods', a40Pod('gus-1'));
    await shows(() => inventory.read(), a40(0));
    api.remove('pods', a40Pod('gus-1'));
    api.compact();
    api.breakWatches();
    await shows(() => inventory.read(), a40(1));
    await new Promise<void>(resolve => {
      const check = () => (api.count('list') >= 4 ? resolve() : setTimeout(check, 20));
      check();
    });
    expect(api.count('list')).toBe(4);
    api.put('pods', a40Pod('gus-2'));
    await shows(() => inventory.read(), a40(0));
  });

  it('says what the admin must grant when the account may not list nodes', async () => {
    api.forbidden.add('nodes');
    const view = await watched().read();
    expect(view.models).toEqual([]);
    expect(view.reason).toMatch(
      /cannot list and watch nodes: ask the admin to grant it "list" and "watch" on nodes/
    );
    expect([...Value.Errors(GpuInventory, view)]).toEqual([]);
  });
});

/**
 * A hub's `GET /hub/api/user` as a service sees it: the owner of the token sent (401 for an
 * unknown one, as JupyterHub answers), with the token's scopes.
 */
function hubStandIn(tokens: Record<string, { name: string; scopes: string[] }>) {
  const asked: string[] = [];
  const server: Server = createServer((req, res) => {
    const token = /^token (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    asked.push(`${req.method} ${req.url}`);
    const owner = req.url === '/hub/api/user' ? tokens[token] : undefined;
    res.writeHead(owner ? 200 : 403, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        owner ? { kind: 'user', groups: [], ...owner } : { status: 403, message: 'Forbidden' }
      )
    );
  });
  return {
    asked,
    async listen() {
      await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hub/api`;
    },
    close: () => new Promise(resolve => server.close(resolve))
  };
}

describe('the cluster service (a JupyterHub service)', () => {
  const api = new WatchApiServer();
  const hub = hubStandIn({
    'ada-server-token': { name: 'ada', scopes: ['access:services!service=hotstepper-cluster'] },
    'bob-server-token': { name: 'bob', scopes: ['read:users:name!user=bob'] }
  });
  let service: ClusterService;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    seeded(api);
    await api.listen();
    env = {
      JUPYTERHUB_API_URL: await hub.listen(),
      JUPYTERHUB_API_TOKEN: 'service-token',
      JUPYTERHUB_SERVICE_NAME: 'hotstepper-cluster',
      JUPYTERHUB_SERVICE_URL: 'http://127.0.0.1:0',
      JUPYTERHUB_SERVICE_PREFIX: '/services/hotstepper-cluster/',
      HOTSTEPPER_LOG_LEVEL: 'silent'
    };
    service = await startClusterService({ env, ...access(api) });
  });
  afterAll(async () => {
    await service?.close();
    await api.close();
    await hub.close();
  });

  const get = (token?: string) =>
    fetch(`${service.url}gpus`, token ? { headers: { Authorization: `token ${token}` } } : {});
  const message = async (res: Response) => ((await res.json()) as { message: string }).message;

  it('refuses a request without a token, and one the hub refuses, with 403', async () => {
    const none = await get();
    expect(none.status).toBe(403);
    expect(await message(none)).toMatch(/Send a JupyterHub token/);
    const bad = await get('forged');
    expect(bad.status).toBe(403);
    expect(await message(bad)).toBe('JupyterHub does not accept this token');
    expect(hub.asked).toContain('GET /hub/api/user');
  });

  it('refuses a hub token without access to the service, naming the scope', async () => {
    const res = await get('bob-server-token');
    expect(res.status).toBe(403);
    expect(await message(res)).toMatch(
      /bob lacks the scope access:services!service=hotstepper-cluster/
    );
  });

  it('answers a good token with the view, asking the hub once for many requests', async () => {
    const before = hub.asked.length;
    const answers = await Promise.all([get('ada-server-token'), get('ada-server-token')]);
    const again = await get('ada-server-token');
    for (const res of [...answers, again]) {
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body).toMatchObject({ source: 'kubernetes', models: RECORDED });
      expect([...Value.Errors(GpuInventory, body)]).toEqual([]);
    }
    expect(hub.asked.length - before).toBe(1);
  });

  it("serves a user's backend configured with it; with the service down, the backend counts itself", async () => {
    const config = parseConfig({
      platform: 'kubernetes',
      jobs: { runner: 'local' },
      usage: { clusterService: service.url }
    });
    const { platform } = await createAdapters(config, {
      KUBERNETES_SERVICE_HOST: '10.0.0.1',
      POD_NAMESPACE: 'jupyterhub-ada-prod-ns',
      JUPYTERHUB_API_TOKEN: 'ada-server-token'
    });
    const listsBefore = api.count('list');
    expect(await platform.gpuInventory()).toMatchObject({
      source: 'kubernetes',
      via: 'cluster-service',
      models: RECORDED
    });
    expect(api.count('list')).toBe(listsBefore); // the user's backend asked no API server

    // The same backend's view when the service is down: its own lists.
    const down = new ServiceGpuInventory({
      url: 'http://127.0.0.1:1/services/hotstepper-cluster/',
      token: 'ada-server-token',
      fallback: new ClusterGpuInventory(new KubernetesCluster({ env: {}, ...access(api) }))
    });
    const own = await down.read();
    expect(own).toMatchObject({ source: 'kubernetes', via: 'own', models: RECORDED });
    expect(api.count('list')).toBe(listsBefore + 2);
    expect([...Value.Errors(GpuInventory, own)]).toEqual([]);

    // And when the service refuses its token.
    const refused = new ServiceGpuInventory({
      url: service.url,
      token: 'bob-server-token',
      fallback: { read: async () => ({ ...own, via: undefined }) }
    });
    expect((await refused.read()).via).toBe('own');
  });
});
