// The hub's cluster service at scale: a cluster of 200 GPU nodes and 5,000 running pods (made
// from the recorded ones in test/fixtures/kubernetes) on the list + watch substitute API server
// (test/watch-apiserver.js), a few pod changes a second replayed as watch events, and 1,000
// simulated users' backends asking the service (the bundled cluster-service.js, a process of
// its own) for free GPUs every 30 s, spread over the 30 s. Prints the Kubernetes API requests per
// minute after start, the service's answer p50 / p99 and its RSS. Run alone:
//   node packages/backend/bench/cluster.bench.mjs   (after npm run build)
// BENCH_CLUSTER_USERS (1000), BENCH_CLUSTER_SECONDS (120), BENCH_CLUSTER_CHANGES (3 a second),
// BENCH_CLUSTER_PODS (5000).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..', '..');
const backendDir = join(root, 'packages', 'backend');
const require = createRequire(import.meta.url);
const { WatchApiServer } = require(join(backendDir, 'test', 'watch-apiserver.js'));
const FIXTURES = join(backendDir, 'test', 'fixtures', 'kubernetes');
const MiB = 1024 ** 2;
const sleep = ms => new Promise(r => setTimeout(r, ms));
const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** 200 GPU nodes (A40, A100, H100 and MIG A100s) and 5,000 running pods, ~1 in 4 holding GPUs. */
function syntheticCluster(nodeCount = 200, podCount = 5000) {
  const recorded = name => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')).items;
  const [, g11, , g21] = recorded('nodes');
  const pods = recorded('pods-running');
  const models = ['NVIDIA-A40', 'NVIDIA-A100-SXM4-80GB', 'NVIDIA-H100-80GB-HBM3'];
  const nodes = Array.from({ length: nodeCount }, (_, i) => {
    const mig = i % 10 === 9;
    const base = structuredClone(mig ? g21 : g11);
    base.metadata.name = `kub-g${String(i).padStart(3, '0')}.priv.cerit-sc.cz`;
    base.metadata.labels = {
      ...base.metadata.labels,
      'kubernetes.io/hostname': base.metadata.name,
      'nvidia.com/gpu.product': mig ? 'NVIDIA-A100-SXM4-80GB-MIG' : models[i % 3]
    };
    base.spec = {};
    base.status.allocatable = mig
      ? { ...base.status.allocatable, 'nvidia.com/gpu': '0', 'nvidia.com/mig-1g.10gb': '7' }
      : { ...base.status.allocatable, 'nvidia.com/gpu': String(4 + (i % 5)) };
    return base;
  });
  const made = Array.from({ length: podCount }, (_, i) => podOn(pods[i % pods.length], i, nodes));
  return { nodes, pods: made, template: pods };
}

let serial = 0;
function podOn(template, i, nodes) {
  const pod = structuredClone(template);
  const node = nodes[i % nodes.length];
  pod.metadata.name = `${template.metadata.name}-${i}-${serial++}`;
  pod.metadata.namespace = `jupyterhub-user${i % 1500}-prod-ns`;
  pod.metadata.uid = `00000000-0000-4000-8000-${String(serial).padStart(12, '0')}`;
  pod.spec.nodeName = node.metadata.name;
  const mig = 'nvidia.com/mig-1g.10gb' in node.status.allocatable;
  // About one pod in four holds one GPU (or MIG instance) of its node.
  for (const c of pod.spec.containers) {
    c.resources = { requests: { cpu: '1', memory: '4Gi' }, limits: { memory: '4Gi' } };
  }
  if (i % 4 === 1) {
    pod.spec.containers[0].resources.requests[mig ? 'nvidia.com/mig-1g.10gb' : 'nvidia.com/gpu'] =
      '1';
  }
  delete pod.spec.initContainers;
  pod.status = { ...pod.status, phase: 'Running' };
  return pod;
}

/** The hub's GET /hub/api/user for the users' server tokens, with the service's access scope. */
function hubStandIn() {
  let asked = 0;
  const server = createServer((req, res) => {
    asked += 1;
    const m = /^token (user-\d+-token)$/.exec(req.headers.authorization ?? '');
    res.writeHead(m ? 200 : 403, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        m
          ? {
              kind: 'user',
              name: m[1].replace(/-token$/, ''),
              scopes: ['access:services!service=hotstepper-cluster']
            }
          : { status: 403, message: 'Forbidden' }
      )
    );
  });
  return {
    asked: () => asked,
    listen: () =>
      new Promise(ok =>
        server.listen(0, '127.0.0.1', () => ok(`http://127.0.0.1:${server.address().port}/hub/api`))
      ),
    close: () => (server.closeAllConnections(), new Promise(ok => server.close(ok)))
  };
}

const rss = pid => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    rss: Number(/VmRSS:\s+(\d+)/.exec(status)[1]) * 1024,
    peak: Number(/VmHWM:\s+(\d+)/.exec(status)[1]) * 1024
  };
};

export async function benchCluster({
  users = Number(process.env.BENCH_CLUSTER_USERS ?? 1000),
  seconds = Number(process.env.BENCH_CLUSTER_SECONDS ?? 120),
  changesPerSecond = Number(process.env.BENCH_CLUSTER_CHANGES ?? 3)
} = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'hs-bench-cluster-'));
  const api = new WatchApiServer();
  const hub = hubStandIn();
  let proc;
  const timers = [];
  try {
    const cluster = syntheticCluster(200, Number(process.env.BENCH_CLUSTER_PODS ?? 5000));
    for (const node of cluster.nodes) api.put('nodes', node);
    for (const pod of cluster.pods) api.put('pods', pod);
    await api.listen();
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, JSON.stringify(api.kubeconfig()));
    const port = 20000 + Math.floor(Math.random() * 20000);
    const prefix = '/services/hotstepper-cluster/';
    const started = Date.now();
    // The command the hub runs (hotstepper.cluster_service_command(): Node's flags included).
    const [node, ...args] = JSON.parse(
      execFileSync(
        join(root, '.venv', 'bin', 'python'),
        ['-c', 'import json, hotstepper; print(json.dumps(hotstepper.cluster_service_command()))'],
        { env: { ...process.env, PYTHONPATH: root }, encoding: 'utf8' }
      )
    );
    proc = spawn(node, args, {
      env: {
        PATH: process.env.PATH,
        KUBECONFIG: kubeconfig,
        JUPYTERHUB_API_URL: await hub.listen(),
        JUPYTERHUB_API_TOKEN: 'service-token',
        JUPYTERHUB_SERVICE_NAME: 'hotstepper-cluster',
        JUPYTERHUB_SERVICE_URL: `http://127.0.0.1:${port}`,
        JUPYTERHUB_SERVICE_PREFIX: prefix,
        HOTSTEPPER_LOG_LEVEL: 'warn'
      },
      stdio: ['ignore', 'inherit', 'inherit']
    });
    const url = `http://127.0.0.1:${port}${prefix}gpus`;
    const ask = async i => {
      const t0 = performance.now();
      const res = await fetch(url, { headers: { Authorization: `token user-${i}-token` } });
      const body = await res.json();
      if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${body.message}`);
      return { ms: performance.now() - t0, body };
    };
    // Ready once it answers with the counted view (the lists came back).
    for (;;) {
      try {
        if ((await ask(0)).body.models.length) break;
      } catch {
        // not listening yet
      }
      if (proc.exitCode !== null) throw new Error('the cluster service exited');
      await sleep(50);
    }
    const readyMs = Date.now() - started;
    const atStart = api.requests.length;

    // A few pod changes a second: a pod ends (DELETED), another starts (ADDED), one is updated.
    const live = [...cluster.pods];
    let changes = 0;
    timers.push(
      setInterval(() => {
        const k = changes++ % 3;
        if (k === 0) {
          api.remove('pods', live.splice(Math.floor(Math.random() * live.length), 1)[0]);
        } else if (k === 1) {
          const pod = podOn(
            cluster.template[changes % cluster.template.length],
            changes * 4,
            cluster.nodes
          );
          live.push(api.put('pods', pod));
        } else {
          const i = Math.floor(Math.random() * live.length);
          const pod = structuredClone(live[i]);
          pod.metadata.labels = { ...pod.metadata.labels, touched: String(changes) };
          live[i] = api.put('pods', pod);
        }
      }, 1000 / changesPerSecond)
    );

    // Each user's backend asks every 30 s, the users spread evenly over the 30 s. The users, the
    // API server and the hub share this process: its own stalls are printed beside the answers'.
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const latencies = [];
    let failures = 0;
    const t0 = Date.now();
    const until = t0 + seconds * 1000;
    let last;
    await Promise.all(
      Array.from({ length: users }, async (_, i) => {
        await sleep((i * 30_000) / users);
        while (Date.now() < until) {
          const next = Date.now() + 30_000;
          try {
            const r = await ask(i);
            latencies.push(r.ms);
            last = r.body;
          } catch {
            failures += 1;
          }
          await sleep(Math.max(0, Math.min(next, until) - Date.now()));
        }
      })
    );
    const minutes = (Date.now() - t0) / 60_000;
    const requests = api.requests.slice(atStart);
    const memory = rss(proc.pid);
    latencies.sort((a, b) => a - b);
    const total = last.models.reduce((s, m) => s + m.total, 0);
    const expectedTotal = cluster.nodes.reduce(
      (s, n) =>
        s +
        Number(n.status.allocatable['nvidia.com/gpu'] ?? 0) +
        Number(n.status.allocatable['nvidia.com/mig-1g.10gb'] ?? 0),
      0
    );
    console.log(
      `\n## cluster (hub service: ${cluster.nodes.length} GPU nodes, ${cluster.pods.length} running pods, ` +
        `${changesPerSecond} pod changes/s, ${users} users every 30 s, ${seconds} s)`
    );
    console.log(`ready (lists done, first answer)   ${readyMs} ms`);
    console.log(
      `Kubernetes API requests/min after start  ${(requests.length / minutes).toFixed(2)} ` +
        `(${requests.filter(r => !r.watch).length} lists, ${requests.filter(r => r.watch).length} watches in ${minutes.toFixed(1)} min; ` +
        `${api.watches.size} watches open)`
    );
    console.log(
      `  vs. every backend listing for itself: ${((users * 2 * 60) / 30).toFixed(0)}/min (2 cluster-wide LISTs per user per 30 s)`
    );
    console.log(
      `answers ${latencies.length} (${failures} failed): p50 ${pct(latencies, 50).toFixed(1)} ms, ` +
        `p99 ${pct(latencies, 99).toFixed(1)} ms, max ${latencies.at(-1).toFixed(1)} ms`
    );
    loop.disable();
    console.log(
      `  (this process's event loop delay, which the latencies include: p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms; load average ${(await import('node:os')).loadavg()[0].toFixed(1)})`
    );
    console.log(`hub token checks ${hub.asked()} (cached 60 s per token)`);
    console.log(
      `service RSS ${(memory.rss / MiB).toFixed(1)} MiB (peak ${(memory.peak / MiB).toFixed(1)} MiB)`
    );
    console.log(
      `view: ${last.models.map(m => `${m.model} ${m.free}/${m.total}`).join(', ')}; ` +
        `GPUs counted ${total} of ${expectedTotal} on the nodes${total === expectedTotal ? '' : ' — MISMATCH'}`
    );
  } finally {
    for (const t of timers) clearInterval(t);
    if (proc && proc.exitCode === null) {
      proc.kill('SIGTERM');
      await new Promise(ok => proc.once('exit', ok));
    }
    await api.close();
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchCluster();
}
