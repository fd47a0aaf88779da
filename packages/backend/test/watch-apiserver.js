// A substitute Kubernetes API server for nodes and pods that speaks the real list + watch
// protocol: every change bumps one resourceVersion; a list answers the objects with the list's
// resourceVersion; `?watch=1&resourceVersion=N` streams JSON lines `{type, object}` of every
// change after N (ADDED / MODIFIED / DELETED as the field selector sees them: a pod that stops
// running is DELETED from a `status.phase=Running` watch) and stays open; a watch from a version
// older than the server keeps answers an ERROR event with a 410 Status ("too old resource
// version", reason Expired) and ends, as kube-apiserver does. Plain CommonJS, so the jest specs
// and the benchmark (packages/backend/bench) share it.
'use strict';
const { createServer } = require('node:http');

const KINDS = { nodes: 'Node', pods: 'Pod' };

function status(code, reason, message) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code
  };
}

/** The field selectors the cluster's clients send here. */
function selector(text) {
  if (!text) return () => true;
  const m = /^status\.phase=(\w+)$/.exec(text);
  if (!m) throw new Error(`unsupported fieldSelector ${text}`);
  return obj => obj?.status?.phase === m[1];
}

class WatchApiServer {
  /** @param {{token?: string}} options */
  constructor(options = {}) {
    this.token = options.token ?? 'cluster-token';
    this.rv = 1000;
    /** Watches from an older version than this get 410 Gone. */
    this.oldest = this.rv;
    this.objects = { nodes: new Map(), pods: new Map() };
    /** Every change: {rv, resource, before, after} (before/after undefined when absent). */
    this.history = [];
    /** Each request, as the counts in the tests and the benchmark read them. */
    this.requests = [];
    /** Resources answered with 403 (the account lacks the permission). */
    this.forbidden = new Set();
    this.watches = new Set();
    /** Paged lists in progress: continue token → the first page's snapshot and the offset. */
    this.snapshots = new Map();
    this.continued = 0;
    this.server = createServer((req, res) => this.answer(req, res));
    this.port = 0;
  }

  async listen() {
    await new Promise(resolve => this.server.listen(0, '127.0.0.1', resolve));
    this.port = this.server.address().port;
    return `http://127.0.0.1:${this.port}`;
  }

  async close() {
    for (const w of this.watches) w.res.destroy();
    this.server.closeAllConnections();
    await new Promise(resolve => this.server.close(resolve));
  }

  /** A kubeconfig (as an object for KubeConfig.loadFromOptions, or to write as JSON). */
  kubeconfig() {
    return {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 's',
          cluster: { server: `http://127.0.0.1:${this.port}`, 'insecure-skip-tls-verify': true }
        }
      ],
      users: [{ name: 'u', user: { token: this.token } }],
      contexts: [{ name: 'c', context: { cluster: 's', user: 'u' } }],
      'current-context': 'c'
    };
  }

  /** Requests of one kind since `since` (an index into requests). */
  count(kind, since = 0) {
    return this.requests
      .slice(since)
      .filter(r => (kind === 'watch' ? r.watch : kind === 'list' ? !r.watch : true)).length;
  }

  key(resource, obj) {
    const { name, namespace } = obj.metadata;
    return resource === 'pods' ? `${namespace}/${name}` : name;
  }

  /** Creates or replaces an object (a new resourceVersion), and tells the open watches. */
  put(resource, obj) {
    const key = this.key(resource, obj);
    const before = this.objects[resource].get(key);
    const after = structuredClone(obj);
    after.metadata.resourceVersion = String(++this.rv);
    this.objects[resource].set(key, after);
    this.changed(resource, before, after);
    return after;
  }

  remove(resource, obj) {
    const key = this.key(resource, obj);
    const before = this.objects[resource].get(key);
    if (!before) return;
    this.objects[resource].delete(key);
    ++this.rv;
    this.changed(
      resource,
      { ...before, metadata: { ...before.metadata, resourceVersion: String(this.rv) } },
      undefined
    );
  }

  /** Forgets the history: every watch from an older version now gets 410 Gone. */
  compact() {
    this.history = [];
    this.oldest = this.rv;
  }

  /** Cuts every open watch's connection, as a broken network or a restarted API server would. */
  breakWatches() {
    for (const w of this.watches) w.res.socket?.destroy();
  }

  changed(resource, before, after) {
    const change = { rv: this.rv, resource, before, after };
    this.history.push(change);
    for (const w of this.watches) {
      if (w.resource === resource) this.send(w, change);
    }
  }

  /** The event a watch with its selector sees for a change, if any. */
  send(w, { before, after }) {
    const was = before && w.match(before);
    const is = after && w.match(after);
    const type = is ? (was ? 'MODIFIED' : 'ADDED') : was ? 'DELETED' : undefined;
    if (!type) return;
    // A pod that stops matching leaves the watch with its new state; a removed one as it was.
    const object = is ? after : (after ?? before);
    w.res.write(
      JSON.stringify({ type, object: { apiVersion: 'v1', kind: KINDS[w.resource], ...object } }) +
        '\n'
    );
  }

  answer(req, res) {
    const url = new URL(req.url ?? '/', 'http://x');
    const q = url.searchParams;
    const watch = q.get('watch') === 'true' || q.get('watch') === '1';
    const resource = { '/api/v1/nodes': 'nodes', '/api/v1/pods': 'pods' }[url.pathname];
    this.requests.push({
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(q),
      watch,
      at: Date.now()
    });
    const json = (code, body) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return json(401, status(401, 'Unauthorized', 'Unauthorized'));
    }
    if (req.method !== 'GET' || !resource) {
      return json(404, status(404, 'NotFound', `${req.method} ${url.pathname} is not served here`));
    }
    if (this.forbidden.has(resource)) {
      return json(
        403,
        status(
          403,
          'Forbidden',
          `${resource} is forbidden: User "system:serviceaccount:jhub:hub" cannot ${watch ? 'watch' : 'list'} resource "${resource}" in API group "" at the cluster scope`
        )
      );
    }
    let match;
    try {
      match = selector(q.get('fieldSelector'));
    } catch (err) {
      return json(400, status(400, 'BadRequest', err.message));
    }
    if (!watch) {
      // A limit pages the list; the pages after the first come from the first one's snapshot.
      const token = q.get('continue');
      const snapshot = token
        ? this.snapshots.get(token)
        : {
            rv: this.rv,
            items: [...this.objects[resource].values()].filter(match).map(o => structuredClone(o))
          };
      if (!snapshot) {
        return json(410, status(410, 'Expired', 'the continue token has expired'));
      }
      this.snapshots.delete(token);
      const offset = snapshot.offset ?? 0;
      const limit = Number(q.get('limit')) || Infinity;
      const items = snapshot.items.slice(offset, offset + limit);
      const metadata = { resourceVersion: String(snapshot.rv) };
      if (offset + limit < snapshot.items.length) {
        metadata.continue = `c${++this.continued}`;
        this.snapshots.set(metadata.continue, { ...snapshot, offset: offset + limit });
      }
      return json(200, { kind: `${KINDS[resource]}List`, apiVersion: 'v1', metadata, items });
    }
    const from = Number(q.get('resourceVersion') || this.rv);
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    if (from < this.oldest) {
      res.end(
        JSON.stringify({
          type: 'ERROR',
          object: status(410, 'Expired', `too old resource version: ${from} (${this.oldest})`)
        }) + '\n'
      );
      return;
    }
    res.flushHeaders();
    const w = { resource, match, res };
    for (const change of this.history) {
      if (change.resource === resource && change.rv > from) this.send(w, change);
    }
    this.watches.add(w);
    res.on('close', () => this.watches.delete(w));
  }
}

module.exports = { WatchApiServer };
