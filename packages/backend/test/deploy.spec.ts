/**
 * The deployment recipe in deploy/: every manifest valid, the configuration one the backend
 * accepts, and the RBAC exactly what the Kubernetes adapters call — derived from their source
 * and from the request pairs their tests replay, so a new call without its permission fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { parseConfig } from '../src/config';
import { isObject, type K8sObject, metadataProblems, model } from './kubernetes-objects';

const DEPLOY = join(__dirname, '..', '..', '..', 'deploy');
const ADAPTERS = join(__dirname, '..', 'src', 'platform', 'kubernetes');
const FIXTURES = join(__dirname, 'fixtures', 'kubernetes');

const yamlDocs = (file: string): unknown[] =>
  parseAllDocuments(readFileSync(join(DEPLOY, file), 'utf8')).map(doc => {
    if (doc.errors.length) {
      throw new Error(`${file}: ${doc.errors.map(e => e.message).join('; ')}`);
    }
    return doc.toJS();
  });

const manifests = readdirSync(DEPLOY)
  .filter(f => f.endsWith('.yaml') && f !== 'values.yaml')
  .flatMap(file => yamlDocs(file).map(doc => ({ file, doc })));

const objects = manifests.filter(m => isObject(m.doc)) as Array<{ file: string; doc: K8sObject }>;
const find = (kind: string, name: string): Doc => {
  const found = objects.find(o => o.doc.kind === kind && o.doc.metadata?.name === name);
  if (!found) {
    throw new Error(`deploy/ has no ${kind} ${name}`);
  }
  return found.doc as Doc;
};
const values = parseYaml(readFileSync(join(DEPLOY, 'values.yaml'), 'utf8'));

/** The fields of the RBAC objects the checks read. */
type Doc = K8sObject & {
  rules: Rule[];
  roleRef: { kind: string; name: string };
  subjects: Array<Record<string, string>>;
};

/** One permission: "group/resource verb", group '' for the core API. */
type Grant = string;
const grant = (group: string, resource: string, verb: string): Grant =>
  `${group}/${resource} ${verb}`;

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
function grantsOf(role: { rules: Rule[] }): Set<Grant> {
  return new Set(
    role.rules.flatMap(r =>
      r.apiGroups.flatMap(g =>
        r.resources.flatMap(res =>
          r.verbs.map(v => grant(g, res, v) + (r.resourceNames ? ` ${r.resourceNames}` : ''))
        )
      )
    )
  );
}

/** What a REST call needs: scope (the user's namespace or the whole cluster) and permission. */
function fromRequest(method: string, url: string, query: Record<string, string> = {}) {
  const [path, search = ''] = url.split('?');
  query = { ...Object.fromEntries(new URLSearchParams(search)), ...query };
  const m =
    /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)\/(?:namespaces\/[^/]+\/)?([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(
      path
    );
  if (!m) {
    throw new Error(`not a resource path: ${url}`);
  }
  const [, group = '', resource, name, sub] = m;
  const scope = path.includes('/namespaces/') ? 'namespace' : 'cluster';
  const verb =
    method === 'POST'
      ? 'create'
      : method === 'DELETE'
        ? name
          ? 'delete'
          : 'deletecollection'
        : method === 'PUT'
          ? 'update'
          : method === 'PATCH'
            ? 'patch'
            : name
              ? 'get'
              : query.watch === 'true' || query.watch === '1'
                ? 'watch'
                : 'list';
  return { scope, grant: grant(group, sub ? `${resource}/${sub}` : resource, verb) };
}

/** client-node's method names say verb and kind; kinds the adapters may use, with their API. */
const KINDS: Record<string, [group: string, resource: string]> = {
  Job: ['batch', 'jobs'],
  Pod: ['', 'pods'],
  PodLog: ['', 'pods/log'],
  Event: ['', 'events'],
  ResourceQuota: ['', 'resourcequotas'],
  Service: ['', 'services'],
  Secret: ['', 'secrets'],
  Ingress: ['networking.k8s.io', 'ingresses'],
  Node: ['', 'nodes']
};
const VERB: Record<string, string> = {
  create: 'create',
  read: 'get',
  list: 'list',
  delete: 'delete',
  patch: 'patch',
  replace: 'update'
};

/** Every permission the adapters' source asks for, by scope. */
function fromSource(): Array<{ scope: string; grant: Grant; where: string }> {
  const found: Array<{ scope: string; grant: Grant; where: string }> = [];
  for (const file of readdirSync(ADAPTERS).filter(f => f.endsWith('.ts'))) {
    const text = readFileSync(join(ADAPTERS, file), 'utf8');
    const calls =
      /\.(create|read|list|delete|patch|replace)(?:Namespaced([A-Z]\w*?)|([A-Z]\w*?)ForAllNamespaces|(Node))\(/g;
    for (const [call, verb, namespaced, all, cluster] of text.matchAll(calls)) {
      const kind = namespaced ?? all ?? cluster;
      if (!KINDS[kind]) {
        throw new Error(`${file}: ${call} uses ${kind}; add it to KINDS and its RBAC to deploy/`);
      }
      const [group, resource] = KINDS[kind];
      found.push({
        scope: namespaced ? 'namespace' : 'cluster',
        grant: grant(group, resource, VERB[verb]),
        where: `${file} ${call}`
      });
    }
    const informers = [
      ...text.matchAll(/makeInformer<[^>]*>\(\s*\w+,\s*`([^`]+)`/g),
      ...text.matchAll(/new \w+\.ListWatch<[^>]*>\(\s*'([^']+)'/g)
    ];
    for (const [, path] of informers) {
      for (const verb of ['list', 'watch']) {
        const need = fromRequest('GET', path.replace(/\$\{[^}]+\}/g, 'ns'), {
          watch: String(verb === 'watch')
        });
        found.push({ ...need, where: `${file} informer ${path}` });
      }
    }
    if (/new [\w.]*\bLog\(/.test(text)) {
      found.push({ scope: 'namespace', grant: grant('', 'pods/log', 'get'), where: `${file} Log` });
    }
  }
  return found;
}

function fixtureRequests(dir: string): Array<{ scope: string; grant: Grant; where: string }> {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      return fixtureRequests(path);
    }
    const request = entry.name.endsWith('.json')
      ? JSON.parse(readFileSync(path, 'utf8')).request
      : undefined;
    return request
      ? [{ ...fromRequest(request.method, request.path, request.query), where: entry.name }]
      : [];
  });
}

/** The calls the hook in values.yaml makes, from kubernetes_asyncio's snake_case method names. */
function fromHook(hook: string): Grant[] {
  const resource = (name: string) =>
    ({
      namespace: ['', 'namespaces'],
      service_account: ['', 'serviceaccounts'],
      config_map: ['', 'configmaps'],
      resource_quota: ['', 'resourcequotas'],
      role_binding: ['rbac.authorization.k8s.io', 'rolebindings'],
      cluster_role_binding: ['rbac.authorization.k8s.io', 'clusterrolebindings'],
      network_policy: ['networking.k8s.io', 'networkpolicies']
    })[name] ?? [name, '?'];
  return [...hook.matchAll(/\b(create|replace)_(?:namespaced_)?(\w+?)"?[,)]/g)].map(
    ([, verb, name]) => {
      const [group, res] = resource(name);
      return grant(group, res, verb === 'replace' ? 'update' : 'create');
    }
  );
}

const userRole = () => grantsOf(find('ClusterRole', 'hotstepper-user'));
const gpuRole = () => grantsOf(find('ClusterRole', 'hotstepper-gpu-view'));
const clusterViewRole = () => grantsOf(find('ClusterRole', 'hotstepper-cluster-view'));
/** The adapter files the hub's cluster service runs (under the hub's account, not a user's). */
const HUB_SERVICE_FILES = ['gpu-watch.ts'];
const inService = (u: { where: string }) => HUB_SERVICE_FILES.includes(u.where.split(' ')[0]);

describe('the deployment recipe (deploy/)', () => {
  it.each(objects.map(o => [`${o.file}: ${o.doc.kind} ${o.doc.metadata?.name}`, o.doc]))(
    '%s is valid for the API server',
    (_, obj) => {
      const Model = model(obj.apiVersion, obj.kind);
      expect(() => new Model(obj).validate()).not.toThrow();
      expect(metadataProblems(obj)).toEqual([]);
    }
  );

  it('holds only Kubernetes objects besides the Helm values', () => {
    expect(manifests.filter(m => !isObject(m.doc))).toEqual([]);
    expect(objects.length).toBeGreaterThanOrEqual(8);
  });

  it('ships a hotstepper.json the backend accepts, on the platform adapters', () => {
    const raw = JSON.parse(readFileSync(join(DEPLOY, 'hotstepper.json'), 'utf8'));
    const config = parseConfig(raw, 'deploy/hotstepper.json');
    expect(config.platform).toBe('kubernetes');
    expect(config.jobs.runner).toBe('kubernetes');
    expect(config.idle.enforce).toBe('hub');
  });

  it('mounts that configuration where the user image looks for it', () => {
    const dockerfile = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
    const path = /ENV HOTSTEPPER_CONFIG=(\S+)/.exec(dockerfile)?.[1];
    expect(values.singleuser.extraEnv.HOTSTEPPER_CONFIG).toBe(path);
    const mount = values.singleuser.storage.extraVolumeMounts.find((m: { mountPath: string }) =>
      path?.startsWith(`${m.mountPath}/`)
    );
    const volume = values.singleuser.storage.extraVolumes.find(
      (v: { name: string }) => v.name === mount?.name
    );
    // The hook names the ConfigMap it writes: the volume reads that one.
    expect(values.hub.extraConfig.hotstepper).toContain(`"name": "${volume.configMap.name}"`);
    expect(values.hub.extraFiles['hotstepper-config'].mountPath).toMatch(/hotstepper\.json$/);
  });

  it("binds the user's service account to the user role in its own namespace", () => {
    const account = find('ServiceAccount', values.singleuser.serviceAccountName);
    const binding = find('RoleBinding', 'hotstepper-user');
    expect(account.metadata?.namespace).toBeUndefined(); // the hook sets the user's namespace
    expect(binding.roleRef).toMatchObject({ kind: 'ClusterRole', name: 'hotstepper-user' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: account.metadata?.name }]);
    find('ClusterRole', binding.roleRef.name);
  });

  it("gives the server's hub token the scopes idle clean-up and the hub groups need", () => {
    const scopes: string[] = values.hub.config.Spawner.server_token_scopes;
    // Idle clean-up stops this server (hub.ts); the user's groups reach storage and courses.
    expect(scopes.some(s => ['servers!server', 'servers!user'].includes(s))).toBe(true);
    expect(scopes).toContain('read:users:groups!user');
    // The list replaces the hub's default: the server must still be reachable and report activity.
    expect(scopes).toEqual(
      expect.arrayContaining(['access:servers!server', 'users:activity!user'])
    );
    expect(values.hub.config.KubeSpawner.user_namespace_template).toContain('{username}');
  });

  describe('RBAC derived from the calls the Kubernetes adapters make', () => {
    const used = [...fromSource(), ...fixtureRequests(FIXTURES)];

    it('finds the calls (the scan itself works)', () => {
      const grants = new Set(used.map(u => u.grant));
      for (const g of ['batch/jobs create', '/pods/log get', '/nodes list', 'batch/jobs watch']) {
        expect(grants).toContain(g);
      }
      expect(used.filter(inService).map(u => u.grant)).toEqual(
        expect.arrayContaining(['/nodes list', '/nodes watch', '/pods list', '/pods watch'])
      );
    });

    it("grants every call in the user's namespace, and nothing the code never calls", () => {
      const needed = new Set(used.filter(u => u.scope === 'namespace').map(u => u.grant));
      const missing = [...needed].filter(g => !userRole().has(g));
      expect(missing).toEqual([]);
      expect([...userRole()].filter(g => !needed.has(g))).toEqual([]);
    });

    it("grants a user's own cluster-wide free-GPU view exactly", () => {
      const needed = new Set(
        used.filter(u => u.scope === 'cluster' && !inService(u)).map(u => u.grant)
      );
      expect([...needed].filter(g => !gpuRole().has(g))).toEqual([]);
      expect([...gpuRole()].filter(g => !needed.has(g))).toEqual([]);
    });

    it("grants the hub's cluster service exactly its lists and watches, to the hub's account", () => {
      const needed = new Set(used.filter(inService).map(u => u.grant));
      expect(used.filter(inService).every(u => u.scope === 'cluster')).toBe(true);
      expect([...needed].filter(g => !clusterViewRole().has(g))).toEqual([]);
      expect([...clusterViewRole()].filter(g => !needed.has(g))).toEqual([]);
      const binding = find('ClusterRoleBinding', 'hotstepper-cluster-view');
      expect(binding.roleRef).toMatchObject({
        kind: 'ClusterRole',
        name: 'hotstepper-cluster-view'
      });
      const hubAccount = find('ClusterRoleBinding', 'hotstepper-hub').subjects;
      expect(binding.subjects).toEqual(hubAccount);
    });

    it('would catch a call without its permission', () => {
      const role = find('ClusterRole', 'hotstepper-user');
      const fewer = { rules: role.rules.filter(r => !r.resources.includes('pods/log')) };
      const needed = new Set(used.filter(u => u.scope === 'namespace').map(u => u.grant));
      expect([...needed].filter(g => !grantsOf(fewer).has(g))).toEqual(['/pods/log get']);
    });
  });

  it("runs the cluster service in the hub, reachable from users' servers, named in their configuration", () => {
    const config = parseConfig(
      JSON.parse(readFileSync(join(DEPLOY, 'hotstepper.json'), 'utf8')),
      'deploy/hotstepper.json'
    );
    const service: string = values.hub.extraConfig['hotstepper-cluster'];
    const name = /"name": "([\w-]+)"/.exec(service)?.[1];
    const port = Number(/"url": "http:\/\/hub:(\d+)"/.exec(service)?.[1]);
    expect(service).toContain('hotstepper.cluster_service_command()');
    expect(service).toContain('"HOTSTEPPER_LISTEN_HOST": "0.0.0.0"');
    // The users' backends reach it through the hub's Service, on the port it listens on.
    const url = new URL(config.usage.clusterService!);
    expect(url.hostname).toMatch(/^hub(\.|$)/);
    expect(Number(url.port)).toBe(port);
    expect(url.pathname).toBe(`/services/${name}/`);
    expect(values.hub.service.extraPorts).toEqual(
      expect.arrayContaining([expect.objectContaining({ port, targetPort: port })])
    );
    expect(
      values.hub.networkPolicy.ingress.some((rule: { ports: Array<{ port: number }> }) =>
        rule.ports.some(p => p.port === port)
      )
    ).toBe(true);
    // Their tokens may access it (the service checks this scope, as HubAuth does).
    expect(values.hub.config.Spawner.server_token_scopes).toContain(
      `access:services!service=${name}`
    );
    // The hub image carries the service's code.
    const hubImage = readFileSync(join(DEPLOY, 'Dockerfile.hub'), 'utf8');
    expect(hubImage).toMatch(/pip install [^\n]*hotstepper-\*\.whl/);
  });

  it('lets the hub do what its pre-spawn hook does, and bind the roles it binds', () => {
    const hook: string = values.hub.extraConfig.hotstepper;
    const hub = grantsOf(find('ClusterRole', 'hotstepper-hub'));
    const calls = fromHook(hook);
    expect(calls).toEqual(
      expect.arrayContaining([
        '/namespaces create',
        'rbac.authorization.k8s.io/rolebindings create'
      ])
    );
    expect(calls.filter(g => !hub.has(g))).toEqual([]);
    const roles = [
      find('RoleBinding', 'hotstepper-user').roleRef.name,
      ...[...hook.matchAll(/"name": "(hotstepper-[\w-]+)",\s*\}/g)].map(m => m[1])
    ];
    for (const role of new Set(roles)) {
      find('ClusterRole', role);
      expect(
        [...hub].some(
          g => g.startsWith('rbac.authorization.k8s.io/clusterroles bind') && g.includes(role)
        )
      ).toBe(true);
    }
    // The hook creates one object per document, with a method for each kind it meets.
    const kinds = yamlDocs('user-namespace.yaml').map(d => (d as K8sObject).kind);
    for (const kind of kinds) {
      expect(hook).toContain(`"${kind}": (`);
    }
  });
});
