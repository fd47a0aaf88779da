// What one user's backend costs: its memory (local and Kubernetes adapters, and each local job's
// watcher), the sampler's CPU, and the cold start through jupyter-server-proxy. Each figure is
// measured for this checkout's bundle and, with BENCH_BASELINE_BACKEND=<a directory holding an
// older bundle's main.js>, for that one too, side by side in the same run and under the same load.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..', '..');
const backendDir = join(root, 'packages', 'backend');
const FIXTURES = join(backendDir, 'test', 'fixtures', 'kubernetes');
const MiB = 1024 ** 2;
const mib = b => `${(b / MiB).toFixed(1)} MiB`;
const sleep = ms => new Promise(r => setTimeout(r, ms));

/** The bundles compared: this checkout's, and a baseline's when named. */
export function bundles() {
  const out = [{ label: 'this checkout', main: join(root, 'hotstepper', 'backend', 'main.js') }];
  if (process.env.BENCH_BASELINE_BACKEND) {
    out.unshift({
      label: 'baseline',
      main: join(resolve(process.env.BENCH_BASELINE_BACKEND), 'main.js'),
      baseline: true
    });
  }
  return out;
}

/**
 * The command the entry point gives jupyter-server-proxy (hotstepper.setup_hotstepper), so the
 * bench runs the backend with the same Node flags and environment as Jupyter does.
 */
function entryPoint() {
  const python = join(root, '.venv', 'bin', 'python');
  const out = execFileSync(
    python,
    [
      '-c',
      'import json, hotstepper; s = hotstepper.setup_hotstepper(); print(json.dumps({"command": s["command"], "environment": s.get("environment", {})}))'
    ],
    { env: { ...process.env, PYTHONPATH: root }, encoding: 'utf8' }
  );
  return JSON.parse(out);
}

/** Node's flags from the entry point's command (the baseline runs with the flags of its day: none). */
function nodeFlags(command) {
  const main = command.findIndex(a => a.endsWith('main.js'));
  return command.slice(1, main);
}

function status(pid) {
  return readFileSync(`/proc/${pid}/status`, 'utf8');
}
function rssOf(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(status(pid))?.[1] ?? 0) * 1024;
}
function pssOf(pid) {
  try {
    return Number(/Pss:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))[1]) * 1024;
  } catch {
    return 0;
  }
}
function ticksOf(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
}

function cmdlineOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** Every descendant of `pid`, from /proc's parent links. */
function childrenOf(pid) {
  const parents = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const f = readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1].split(' ');
      parents.set(Number(name), Number(f[1]));
    } catch {
      // gone
    }
  }
  const out = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift();
    for (const [child, parent] of parents) {
      if (parent === p) {
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
}

/** A backend on a loopback port, as Jupyter would start it (flags, environment). */
function startBackend(bundle, { env = {}, dataDir }) {
  const { command, environment } = entryPoint();
  const flags = bundle.baseline ? [] : nodeFlags(command);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const proc = spawn(process.execPath, [...flags, bundle.main, '--port', String(port)], {
    env: {
      ...process.env,
      ...environment,
      HOTSTEPPER_ROOT_PID: String(process.pid),
      HOTSTEPPER_ROOT_DIR: dataDir,
      XDG_DATA_HOME: dataDir,
      ...env
    },
    stdio: ['ignore', 'ignore', 'pipe']
  });
  let stderr = '';
  proc.stderr.on('data', chunk => (stderr += chunk));
  const base = `http://127.0.0.1:${port}`;
  const xsrf = randomBytes(8).toString('hex');
  return {
    proc,
    base,
    stderr: () => stderr,
    async ready() {
      for (let i = 0; i < 600; i++) {
        if (proc.exitCode !== null) {
          throw new Error(`${bundle.label}: the backend exited:\n${stderr}`);
        }
        try {
          if ((await fetch(`${base}/`)).ok) {
            return;
          }
        } catch {
          // not listening yet
        }
        await sleep(50);
      }
      throw new Error(`${bundle.label}: the backend did not start:\n${stderr}`);
    },
    get: path => fetch(`${base}${path}`).then(r => r.text()),
    post: (path, body) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-XSRFToken': xsrf,
          Cookie: `_xsrf=${xsrf}`
        },
        body: JSON.stringify(body)
      }).then(async r => ({ status: r.status, body: await r.json() })),
    stop() {
      proc.kill('SIGTERM');
      return new Promise(r => (proc.exitCode !== null ? r() : proc.once('exit', r)));
    }
  };
}

/** What a page does once: the figures, the jobs, the exposures. */
async function touchRoutes(backend) {
  for (const path of [
    '/api/v1/usage/now',
    '/api/v1/usage/gpus',
    '/api/v1/usage/history?range=24h',
    '/api/v1/jobs',
    '/api/v1/flare/exposures'
  ]) {
    await backend.get(path).catch(() => undefined);
  }
}

/**
 * Node with an empty fastify server and better-sqlite3 holding a database: the floor no
 * backend built on them can go below.
 */
async function floor() {
  const script = `
    const fastify = require('fastify')();
    const Database = require('better-sqlite3');
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (x)');
    fastify.get('/', async () => ({ ok: true }));
    fastify.listen({ port: 0, host: '127.0.0.1' }).then(() => process.send('ready'));
  `;
  const measure = async (flags, code) => {
    const proc = spawn(process.execPath, [...flags, '-e', code], {
      cwd: backendDir,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc']
    });
    await new Promise(r => proc.once('message', r));
    await sleep(3000);
    const rss = rssOf(proc.pid);
    proc.kill();
    return rss;
  };
  const { command } = entryPoint();
  const flags = nodeFlags(command);
  return {
    flags,
    node: await measure(flags, "process.send('ready'); setInterval(() => {}, 1e6)"),
    fastifySqlite: await measure(flags, script)
  };
}

/** Serves test/fixtures/kubernetes as the notebook's namespace on a cluster would answer. */
function recordedCluster() {
  const read = name => readFileSync(join(FIXTURES, `${name}.json`), 'utf8');
  const empty = kind => JSON.stringify({ kind, apiVersion: 'v1', metadata: {}, items: [] });
  const watches = new Set();
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const path = url.pathname;
    const send = (status, body) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(body);
    };
    if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
      // A quiet watch: open, no events, until the client goes.
      res.writeHead(200, { 'Content-Type': 'application/json' });
      watches.add(res);
      res.on('close', () => watches.delete(res));
      return;
    }
    if (path === '/api/v1/nodes') return send(200, read('nodes'));
    if (path === '/api/v1/pods') return send(200, read('pods-running'));
    if (/^\/api\/v1\/namespaces\/[^/]+\/pods\/[^/]+$/.test(path)) {
      return send(200, read('jobs/read-pod'));
    }
    if (/\/pods$/.test(path)) return send(200, read('jobs/list-pods-empty'));
    if (/\/jobs$/.test(path)) return send(200, read('jobs/list-jobs-empty'));
    if (/\/resourcequotas$/.test(path)) return send(200, read('jobs/list-resourcequotas'));
    if (/\/(services|ingresses|secrets|events)$/.test(path)) return send(200, empty('List'));
    send(
      404,
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'NotFound',
        code: 404
      })
    );
  });
  return {
    async listen(dir) {
      await new Promise(r => server.listen(0, '127.0.0.1', r));
      const file = join(dir, 'kubeconfig');
      writeFileSync(
        file,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [
            { name: 'r', cluster: { server: `http://127.0.0.1:${server.address().port}` } }
          ],
          users: [{ name: 'u', user: { token: 'recorded' } }],
          contexts: [
            {
              name: 'c',
              context: { cluster: 'r', user: 'u', namespace: 'jupyterhub-user-prod-ns' }
            }
          ],
          'current-context': 'c'
        })
      );
      return file;
    },
    close() {
      for (const res of watches) res.destroy();
      server.closeAllConnections();
      server.close();
    }
  };
}

/**
 * RSS (and PSS) of each bundle's backend after `seconds` of steady state, on the local adapter
 * and on the Kubernetes adapter against the recorded cluster; the sampler's CPU over the same
 * window (local adapter, sampling every 5 s, the page's routes asked once at the start).
 */
export async function benchMemory(seconds) {
  const dir = mkdtempSync(join(tmpdir(), 'hs-bench-memory-'));
  const cluster = recordedCluster();
  try {
    const kubeconfig = await cluster.listen(dir);
    const k8sConfig = join(dir, 'kubernetes.json');
    writeFileSync(
      k8sConfig,
      JSON.stringify({ platform: 'kubernetes', flare: { domain: 'example.org' } })
    );
    const runs = [];
    for (const bundle of bundles()) {
      for (const adapter of ['local', 'kubernetes']) {
        const dataDir = mkdtempSync(join(dir, `${adapter}-`));
        const env =
          adapter === 'kubernetes'
            ? {
                HOTSTEPPER_CONFIG: k8sConfig,
                KUBECONFIG: kubeconfig,
                POD_NAMESPACE: 'jupyterhub-user-prod-ns',
                HOSTNAME: 'jupyter-user'
              }
            : {};
        if (adapter === 'kubernetes' && bundle.baseline) {
          continue; // the baseline could not be pointed at a cluster from outside a pod
        }
        runs.push({ bundle, adapter, backend: startBackend(bundle, { env, dataDir }) });
      }
    }
    // All at once: the same minutes, the same load on the machine.
    await Promise.all(runs.map(r => r.backend.ready()));
    await Promise.all(runs.map(r => touchRoutes(r.backend)));
    await sleep(2000);
    for (const r of runs) {
      r.t0 = ticksOf(r.backend.proc.pid);
      r.rss = [rssOf(r.backend.proc.pid)];
    }
    const start = performance.now();
    while (performance.now() - start < seconds * 1000) {
      await sleep(Math.min(10_000, seconds * 1000));
      for (const r of runs) {
        if (r.backend.proc.exitCode !== null) {
          throw new Error(`${r.bundle.label} (${r.adapter}) exited:\n${r.backend.stderr()}`);
        }
        r.rss.push(rssOf(r.backend.proc.pid));
      }
    }
    const elapsed = (performance.now() - start) / 1000;
    const fl = await floor();
    console.log(
      `Backend memory and sampler CPU, steady state over ${seconds} s after the page's routes were asked once ` +
        `(BENCH_MEMORY_SECONDS=600 for 10 min); Node flags ${fl.flags.join(' ') || '(none)'}:`
    );
    for (const r of runs) {
      const pid = r.backend.proc.pid;
      const cpu = (ticksOf(pid) - r.t0) / 100 / elapsed;
      console.log(
        `  ${r.bundle.label}, ${r.adapter} adapter: RSS end ${mib(r.rss.at(-1))} (max ${mib(Math.max(...r.rss))}), PSS ${mib(pssOf(pid))}` +
          (r.adapter === 'local' ? `; CPU ${(cpu * 100).toFixed(3)} % of one core` : '')
      );
      await r.backend.stop();
    }
    console.log(
      `  the floor, same flags: Node alone ${mib(fl.node)}; Node with an empty fastify server and better-sqlite3 ${mib(fl.fastifySqlite)}`
    );
  } finally {
    cluster.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Sessions led by a job watcher of ours: the watcher and its helpers (timer, sleeps), not the job. */
function watcherSessions(dataDir) {
  const sessions = new Map();
  const pids = readdirSync('/proc').filter(n => /^\d+$/.test(n));
  const stats = [];
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      stats.push({ pid: Number(pid), sid: Number(f[3]) });
    } catch {
      // gone
    }
  }
  for (const { pid, sid } of stats) {
    if (pid !== sid) continue;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    // A shell watcher's command line names the job's folder; a Node watcher renamed itself
    // `hotstepper-job <id>` and works in the job's folder. The job (a session of its own) neither.
    let cwd = '';
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      // gone
    }
    if (
      cmdline.includes(dataDir) ||
      (cmdline.startsWith('hotstepper-job') && cwd.startsWith(dataDir))
    ) {
      sessions.set(pid, []);
    }
  }
  for (const { pid, sid } of stats) {
    sessions.get(sid)?.push(pid);
  }
  return [...sessions.values()];
}

/** Memory each running local job costs outside the job itself: its watcher's processes. */
export async function benchJobMemory(jobsPerBackend = 5) {
  const dir = mkdtempSync(join(tmpdir(), 'hs-bench-jobmem-'));
  try {
    const config = join(dir, 'hotstepper.json');
    writeFileSync(
      config,
      JSON.stringify({
        jobs: { defaults: { cpu: 0.01, memoryGiB: 0.05 }, quota: { cpu: 100, memoryGiB: 100 } }
      })
    );
    console.log(
      `Memory per running local job outside the job (its watcher's processes: RSS and PSS summed over its session), ${jobsPerBackend} jobs each (sleep 600, time limit 1 day):`
    );
    for (const bundle of bundles()) {
      const dataDir = mkdtempSync(join(dir, 'data-'));
      const backend = startBackend(bundle, { env: { HOTSTEPPER_CONFIG: config }, dataDir });
      await backend.ready();
      const ids = [];
      try {
        for (let i = 0; i < jobsPerBackend; i++) {
          const res = await backend.post('/api/v1/jobs', {
            name: `bench ${i}`,
            kind: 'command',
            command: ['sleep', '600']
          });
          if (res.status >= 300) {
            throw new Error(
              `${bundle.label}: submit answered ${res.status}: ${JSON.stringify(res.body)}`
            );
          }
          ids.push(res.body.id);
        }
        let sessions = [];
        for (let i = 0; i < 100 && sessions.length < jobsPerBackend; i++) {
          await sleep(200);
          sessions = watcherSessions(dataDir);
        }
        await sleep(2000);
        sessions = watcherSessions(dataDir);
        const sum = f => sessions.reduce((a, s) => a + s.reduce((b, pid) => b + f(pid), 0), 0);
        const n = sessions.length || 1;
        const procs = sessions.reduce((a, s) => a + s.length, 0) / n;
        console.log(
          `  ${bundle.label}: ${sessions.length} watchers, ${procs.toFixed(1)} processes each; per job RSS ${mib(sum(rssOf) / n)}, PSS ${mib(sum(pssOf) / n)}`
        );
      } finally {
        for (const id of ids) {
          await backend.post(`/api/v1/jobs/${id}/cancel`, {}).catch(() => undefined);
        }
        await backend.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The first GET {base}hotstepper/api/v1/usage/now after a fresh Jupyter server answers its own
 * status: jupyter-server-proxy starts the backend, waits for it, and proxies the request.
 * `startJupyter(env)` comes from scripts/bench.mjs. The baseline runs through a stand-in for
 * `node` that swaps its bundle in (HOTSTEPPER_NODE, as the entry point reads it).
 */
export async function benchColdStart(startJupyter, rounds) {
  const dir = mkdtempSync(join(tmpdir(), 'hs-bench-cold-'));
  try {
    const variants = bundles().map(bundle => {
      if (!bundle.baseline) return { bundle, env: {} };
      const shim = join(dir, 'node-baseline');
      writeFileSync(
        shim,
        `#!/bin/sh\n# The baseline bundle, with the Node flags of its day (none).\n` +
          `for a; do shift; case "$a" in --max-*|--v8-*|--optimize-*) ;; *main.js) set -- "$@" "${bundle.main}" ;; *) set -- "$@" "$a" ;; esac; done\n` +
          `exec "${process.execPath}" "$@"\n`
      );
      chmodSync(shim, 0o755);
      return { bundle, env: { HOTSTEPPER_NODE: shim } };
    });
    const times = new Map(variants.map(v => [v, []]));
    for (let i = 0; i < rounds; i++) {
      for (const v of variants) {
        const server = await startJupyter({ disableSuite: false, env: v.env });
        try {
          const t = performance.now();
          const res = await fetch(`${server.base}hotstepper/api/v1/usage/now`, {
            headers: { Authorization: `token ${server.token}` }
          });
          await res.text();
          const ms = performance.now() - t;
          if (!res.ok) throw new Error(`${v.bundle.label}: usage/now answered ${res.status}`);
          // The backend's own CPU time until then: the part of the wait a loaded machine stretches.
          const backend = childrenOf(server.pid).find(pid => cmdlineOf(pid).includes('main.js'));
          times.get(v).push({ ms, cpu: backend ? ticksOf(backend) * 10 : NaN });
        } finally {
          await server.stop();
        }
      }
    }
    console.log(
      `Cold start: the first GET hotstepper/api/v1/usage/now after Jupyter answers /api/status (the proxy starts the backend), median of ${rounds}:`
    );
    for (const [v, xs] of times) {
      const sorted = xs.map(x => x.ms).sort((a, b) => a - b);
      const cpu = xs.map(x => x.cpu).sort((a, b) => a - b);
      const mid = Math.floor(sorted.length / 2);
      console.log(
        `  ${v.bundle.label}: median ${sorted[mid].toFixed(0)} ms (min ${sorted[0].toFixed(0)}, max ${sorted.at(-1).toFixed(0)}); ` +
          `the backend's CPU time until then, median ${cpu[mid].toFixed(0)} ms`
      );
    }
    console.log(
      `  (load average then: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
