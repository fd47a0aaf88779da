// Benchmarks (figures, not pass/fail). Starts real Jupyter servers with a
// token on loopback, drives Debian Chromium, and prints:
//  - JupyterLab time-to-ready with the suite vs. without it (ratio, median of 9 alternating
//    rounds), and which of our chunks and backend requests the page fetched before it was ready;
//  - the wheel: its size, unpacked size and largest files;
//  - the usage snapshot's latency through the Jupyter server (p50, p99), and
//    jupyter-resource-usage's /api/metrics/v1 from the same server (ratio);
//  - memory (alias sampler): the backend's RSS and PSS (local adapter; Kubernetes adapter against
//    the recorded cluster in test/fixtures/kubernetes) and the sampler's CPU over
//    BENCH_MEMORY_SECONDS (120; 600 for the 10 min steady state), beside the floor, and the
//    memory of each running local job's watcher (packages/backend/bench/light.bench.mjs);
//  - coldstart: the first usage/now through a freshly started Jupyter server;
//    with BENCH_BASELINE_BACKEND=<dir of an older bundle> both bundles side by side;
//  - the 90-day history benchmark (packages/backend/bench);
//  - the flare proxy's throughput and p99 vs. direct loopback vs. jupyter-server-proxy;
//  - fuzz: schemathesis over every operation of the served OpenAPI document, through a real
//    Jupyter server with a token and the XSRF pair (cases run, 5xx found, schema violations);
//  - storage: listing a folder of 10,000 files, the storage drive vs. the contents API; a
//    200 MiB chunked upload's time and the backend's peak RSS; a tree of 2,000 files (1,000 MiB)
//    copied to another storage and within Home, each against cp -r;
//  - load: 50 pollers of /usage/now vs. 50 page event streams, with 20 job log streams
//    (packages/backend/bench/load.bench.mjs);
//  - activity: the kernel watcher's CPU and RSS while 5 kernels each print 1,000 lines a
//    second for BENCH_ACTIVITY_SECONDS (60), and the summary over a journal of 100,000 entries
//    (packages/backend/bench/activity.bench.mjs);
//  - apps: Open → the app answering for the desktop and TensorBoard, cold and warm, and the
//    Apps panel's state query with 200 more processes running (p50, p99).
//  - course: a 600 × 10 gradebook, ours vs. nbgrader's formgrader API; 30 autogrades as local
//    jobs vs. `nbgrader autograde` serially (packages/backend/bench/course.bench.mjs).
//  - cluster: the hub's cluster service on a cluster of 200 GPU nodes and 5,000 running pods with
//    pod changes replayed as watch events, 1,000 users' backends asking every 30 s: Kubernetes API
//    requests per minute, answer p50 / p99, RSS (packages/backend/bench/cluster.bench.mjs).
// `npm run bench -- startup latency` runs only the named sections.
import { chromium } from '@playwright/test';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const ACTIVITY_SECONDS = Number(process.env.BENCH_ACTIVITY_SECONDS ?? 60);
/** The steady state for memory and the sampler's CPU: 2 min by default, 600 for the 10 min. */
const MEMORY_SECONDS = Number(
  process.env.BENCH_MEMORY_SECONDS ?? process.env.BENCH_SAMPLER_SECONDS ?? 120
);
const sections = process.argv.slice(2);
const wanted = name => !sections.length || sections.includes(name);
/** jupyter-resource-usage, installed beside (not into) the venv so the tests never see it. */
const BENCH_DEPS = join(root, '.bench-deps');

const freePort = () =>
  new Promise(ok => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });

const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const median = xs =>
  pct(
    [...xs].sort((a, b) => a - b),
    50
  );

async function startJupyter({ disableSuite, resourceUsage = false, env = {}, prepare }) {
  const dir = mkdtempSync(join(tmpdir(), 'hs-bench-'));
  const config = join(dir, 'config');
  mkdirSync(join(config, 'labconfig'), { recursive: true });
  // Files the server must find at start-up (a course folder, nbgrader's config).
  await prepare?.(dir, config);
  if (disableSuite) {
    writeFileSync(
      join(config, 'labconfig', 'page_config.json'),
      JSON.stringify({
        disabledExtensions: {
          '@hotstepper/usage': true,
          '@hotstepper/jobs': true,
          '@hotstepper/flare': true
        }
      })
    );
  }
  if (resourceUsage) {
    writeFileSync(
      join(config, 'jupyter_server_config.json'),
      JSON.stringify({ ServerApp: { jpserver_extensions: { jupyter_resource_usage: true } } })
    );
  }
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const proc = spawn(
    join(root, '.venv', 'bin', 'jupyter'),
    [
      'lab',
      '--no-browser',
      '--ServerApp.ip=127.0.0.1',
      `--ServerApp.port=${port}`,
      `--IdentityProvider.token=${token}`,
      `--ServerApp.root_dir=${dir}`,
      '--LabApp.expose_app_in_browser=True',
      '--LabApp.news_url=',
      '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
      ...(process.getuid?.() === 0 ? ['--allow-root'] : [])
    ],
    {
      env: {
        ...process.env,
        JUPYTER_CONFIG_DIR: config,
        JUPYTER_RUNTIME_DIR: join(dir, 'runtime'),
        XDG_DATA_HOME: join(dir, 'data'),
        PATH: `${join(root, '.venv', 'bin')}:${process.env.PATH}`,
        ...(resourceUsage ? { PYTHONPATH: BENCH_DEPS } : {}),
        ...env
      },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true
    }
  );
  proc.stderr.resume();
  const base = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${base}api/status`, { headers: { Authorization: `token ${token}` } })).ok) {
        break;
      }
    } catch {
      // not listening yet
    }
    await new Promise(r => setTimeout(r, 100));
  }
  return {
    base,
    token,
    pid: proc.pid,
    dir,
    stop: async () => {
      try {
        process.kill(-proc.pid, 'SIGTERM');
      } catch {}
      await new Promise(r => setTimeout(r, 1500));
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {}
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/**
 * Milliseconds from navigation start until JupyterLab is restored (and, with the suite, the item
 * shows figures), with what the page fetched from our extensions and our backend before then.
 */
async function timeToReady(browser, server, withSuite) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const ours = [];
  let ready = false;
  page.on('response', async response => {
    const url = new URL(response.url());
    const chunk = /\/lab\/extensions\/(@hotstepper\/.*)$/.exec(url.pathname)?.[1];
    const api = /\/hotstepper\/api\/v1\/(.*)$/.exec(url.pathname)?.[1];
    if (ready || !(chunk || api)) {
      return;
    }
    const entry = { chunk, api: api && `${response.request().method()} ${api}`, bytes: 0 };
    ours.push(entry);
    // Transferred bytes as served (Jupyter does not compress static files by default).
    entry.bytes = (await response.body().catch(() => Buffer.alloc(0))).length;
  });
  await page.goto(`${server.base}lab?token=${server.token}`);
  await page.waitForFunction(() => window.jupyterapp !== undefined, null, { timeout: 60000 });
  await page.evaluate(() => window.jupyterapp.restored);
  if (withSuite) {
    await page.waitForSelector('.hs-UsageStatus-cpu', { timeout: 60000 });
  }
  const ms = await page.evaluate(() => performance.now());
  ready = true;
  await context.close();
  return { ms, ours };
}

// The same Debian Chromium and flags as the UI tests.
const browser = await chromium.launch(
  JSON.parse(readFileSync(join(root, 'ui-tests', 'chromium.json'), 'utf8'))
);

async function latency(url, headers, requests = REQUESTS) {
  for (let i = 0; i < 20; i++) {
    await (await fetch(url, { headers })).text();
  }
  const lat = [];
  for (let i = 0; i < requests; i++) {
    const t = performance.now();
    const r = await fetch(url, { headers });
    await r.text();
    if (!r.ok) {
      throw new Error(`${url} answered ${r.status}`);
    }
    lat.push(performance.now() - t);
  }
  return lat.sort((x, y) => x - y);
}

const fmt = lat =>
  `p50 ${pct(lat, 50).toFixed(2)} ms, p99 ${pct(lat, 99).toFixed(2)} ms, max ${lat.at(-1).toFixed(2)} ms`;

if (wanted('startup')) {
  const rounds = Number(process.env.BENCH_STARTUP_ROUNDS ?? 9);
  const withSuite = await startJupyter({ disableSuite: false });
  const without = await startJupyter({ disableSuite: true });
  try {
    // Warm both servers (first page load compiles templates, first proxy call starts the backend).
    await timeToReady(browser, withSuite, true);
    await timeToReady(browser, without, false);
    const a = [];
    const b = [];
    let loaded = [];
    // Alternating, so a burst of load elsewhere on the machine falls on both.
    for (let i = 0; i < rounds; i++) {
      const run = await timeToReady(browser, withSuite, true);
      a.push(run.ms);
      loaded = run.ours;
      b.push((await timeToReady(browser, without, false)).ms);
    }
    const ma = median(a);
    const mb = median(b);
    console.log(
      `JupyterLab time-to-ready, median of ${rounds} each, alternating (status item showing figures vs. suite disabled):`
    );
    console.log(
      `  with suite ${ma.toFixed(0)} ms, without ${mb.toFixed(0)} ms, ratio ${(ma / mb).toFixed(3)}` +
        ` (with: ${a.map(x => x.toFixed(0)).join(' ')}; without: ${b.map(x => x.toFixed(0)).join(' ')})`
    );
    const chunks = loaded.filter(e => e.chunk);
    const kib = n => `${(n / 1024).toFixed(1)} KiB`;
    console.log(
      `  our chunks loaded before ready: ${chunks.length}, ${kib(chunks.reduce((n, e) => n + e.bytes, 0))}`
    );
    for (const e of chunks) {
      console.log(`    ${e.chunk.replace('/static/', ': ')} ${kib(e.bytes)}`);
    }
    const calls = loaded.filter(e => e.api).map(e => e.api);
    console.log(`  backend requests before ready: ${calls.length ? calls.join(', ') : 'none'}`);
  } finally {
    await withSuite.stop();
    await without.stop();
  }
}

if (wanted('latency')) {
  if (!existsSync(join(BENCH_DEPS, 'jupyter_resource_usage'))) {
    execFileSync(
      join(root, '.venv', 'bin', 'pip'),
      [
        'install',
        '-q',
        '--disable-pip-version-check',
        '--no-deps',
        '--target',
        BENCH_DEPS,
        'jupyter-resource-usage'
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] }
    );
  }
  const server = await startJupyter({ disableSuite: false, resourceUsage: true });
  try {
    const headers = { Authorization: `token ${server.token}` };
    const ours = await latency(`${server.base}hotstepper/api/v1/usage/now`, headers);
    const theirs = await latency(`${server.base}api/metrics/v1`, headers);
    console.log(
      `Usage snapshot through the Jupyter server, ${REQUESTS} sequential requests each, same server:`
    );
    console.log(
      `  hotstepper GET /hotstepper/api/v1/usage/now (jupyter-server-proxy): ${fmt(ours)}`
    );
    console.log(`  jupyter-resource-usage GET /api/metrics/v1: ${fmt(theirs)}`);
    console.log(
      `  ratio of p50 (hotstepper / jupyter-resource-usage): ${(pct(ours, 50) / pct(theirs, 50)).toFixed(3)}`
    );
  } finally {
    await server.stop();
  }
}

if (wanted('storage')) {
  // One folder of 10,000 files in the Jupyter root, listed whole through the Jupyter server by
  // the storage drive (Home, one page of up to 5,000 entries at a time, as the drive asks) and
  // by JupyterLab's own contents API.
  // A second storage beside Home, on the same disk, for the copy between storages.
  const scratch = mkdtempSync(join(tmpdir(), 'hs-bench-scratch-'));
  const configFile = join(scratch, '..', `${basename(scratch)}.json`);
  writeFileSync(
    configFile,
    JSON.stringify({ storage: { mounts: [{ name: 'scratch', path: scratch, kind: 'other' }] } })
  );
  const server = await startJupyter({
    disableSuite: false,
    env: { HOTSTEPPER_CONFIG: configFile }
  });
  try {
    const folder = join(server.dir, 'many');
    mkdirSync(folder);
    for (let i = 0; i < 10_000; i++) {
      writeFileSync(join(folder, `file-${String(i).padStart(5, '0')}.txt`), `${i}\n`);
    }
    const headers = { Authorization: `token ${server.token}` };
    const rounds = Number(process.env.BENCH_LIST_ROUNDS ?? 50);
    const page = offset =>
      `${server.base}hotstepper/api/v1/storage/home/contents?path=many&offset=${offset}&limit=5000`;
    const ours = [];
    for (let i = 0; i < rounds + 3; i++) {
      const t = performance.now();
      let count = 0;
      for (let offset = 0; offset < 10_000; offset += 5000) {
        const r = await fetch(page(offset), { headers });
        if (!r.ok) {
          throw new Error(`the storage listing answered ${r.status}`);
        }
        count += (await r.json()).content.length;
      }
      if (count !== 10_000) {
        throw new Error(`the storage listing gave ${count} entries`);
      }
      if (i >= 3) {
        ours.push(performance.now() - t);
      }
    }
    ours.sort((x, y) => x - y);
    const theirs = await latency(`${server.base}api/contents/many?content=1`, headers, rounds);
    console.log(
      `Listing a folder of 10,000 files through the Jupyter server, ${rounds} times each:`
    );
    console.log(`  storage drive (2 pages of 5,000): ${fmt(ours)}`);
    console.log(`  JupyterLab contents API: ${fmt(theirs)}`);
    console.log(
      `  ratio of p50 (storage / contents API): ${(pct(ours, 50) / pct(theirs, 50)).toFixed(3)}, of p99: ${(pct(ours, 99) / pct(theirs, 99)).toFixed(3)}`
    );

    // A 200 MiB upload as JupyterLab sends it (1 MiB chunks, base64 in JSON, the last one -1),
    // with the backend's peak RSS (VmHWM) against its RSS before.
    const lab = await fetch(`${server.base}lab?token=${server.token}`);
    const xsrf = /_xsrf=([^;]+)/.exec(lab.headers.get('set-cookie') ?? '')?.[1];
    const backend = execFileSync('pgrep', ['-f', 'hotstepper/backend/main.js'], {
      encoding: 'utf8'
    })
      .trim()
      .split('\n')
      .map(Number)
      .find(pid => {
        try {
          const env = readFileSync(`/proc/${pid}/environ`, 'utf8');
          return env.includes(`HOTSTEPPER_ROOT_DIR=${server.dir}`);
        } catch {
          return false;
        }
      });
    const status = key =>
      Number(
        new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${backend}/status`, 'utf8'))[1]
      ) * 1024;
    // The listing above raised the peak: reset it (clear_refs 5) so it is the upload's own.
    writeFileSync(`/proc/${backend}/clear_refs`, '5');
    const rssBefore = status('VmRSS');
    const chunk = randomBytes(1024 * 1024).toString('base64');
    const t = performance.now();
    for (let n = 1; n <= 200; n++) {
      const r = await fetch(
        `${server.base}hotstepper/api/v1/storage/home/contents?path=upload.bin`,
        {
          method: 'PUT',
          headers: {
            ...headers,
            'content-type': 'application/json',
            cookie: `_xsrf=${xsrf}`,
            'x-xsrftoken': decodeURIComponent(xsrf)
          },
          body: JSON.stringify({
            type: 'file',
            format: 'base64',
            chunk: n === 200 ? -1 : n,
            content: chunk
          })
        }
      );
      if (!r.ok) {
        throw new Error(`chunk ${n} answered ${r.status}: ${await r.text()}`);
      }
    }
    const seconds = (performance.now() - t) / 1000;
    const peak = status('VmHWM');
    const size = readFileSync(join(server.dir, 'upload.bin')).length;
    if (size !== 200 * 2 ** 20) {
      throw new Error(`the upload assembled ${size} bytes, not 200 MiB`);
    }
    console.log(
      `Upload of 200 MiB in 1 MiB chunks through the Jupyter server: ${seconds.toFixed(1)} s (${(200 / seconds).toFixed(1)} MiB/s); backend RSS ${(rssBefore / 2 ** 20).toFixed(0)} MiB before, peak ${(peak / 2 ** 20).toFixed(0)} MiB (growth ${((peak - rssBefore) / 2 ** 20).toFixed(0)} MiB)`
    );

    // A tree of 2,000 files (1,000 MiB): copied from Home to the other storage and within
    // Home, each against cp -r of the same tree to the same place (page cache warm for both).
    const tree = join(server.dir, 'tree');
    const blob = randomBytes(512 * 1024);
    for (let d = 0; d < 20; d++) {
      mkdirSync(join(tree, `d${d}`), { recursive: true });
      for (let f = 0; f < 100; f++) {
        writeFileSync(join(tree, `d${d}`, `f${f}.bin`), blob);
      }
    }
    execFileSync('sync');
    const post = (path, body) =>
      fetch(`${server.base}hotstepper/api/v1/storage/${path}`, {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          cookie: `_xsrf=${xsrf}`,
          'x-xsrftoken': decodeURIComponent(xsrf)
        },
        body: JSON.stringify(body)
      });
    const timeCp = dest => {
      const t0 = performance.now();
      execFileSync('cp', ['-r', tree, dest]);
      const seconds = (performance.now() - t0) / 1000;
      rmSync(dest, { recursive: true });
      return seconds;
    };

    const cpBetween = timeCp(join(scratch, 'tree-cp'));
    let t0 = performance.now();
    const started = await post('transfers', {
      from: { storage: 'home', path: 'tree' },
      to: { storage: 'scratch', path: '' },
      mode: 'copy',
      conflict: 'keep-both'
    });
    if (!started.ok) {
      throw new Error(`the transfer answered ${started.status}: ${await started.text()}`);
    }
    const { id } = await started.json();
    let transfer;
    do {
      await new Promise(r => setTimeout(r, 20));
      transfer = await (
        await fetch(`${server.base}hotstepper/api/v1/storage/transfers/${id}`, { headers })
      ).json();
    } while (transfer.state === 'running');
    if (transfer.state !== 'done') {
      throw new Error(`the transfer ended ${transfer.state}: ${transfer.message}`);
    }
    const between = (performance.now() - t0) / 1000;
    console.log(
      `Copy of a tree of 2,000 files (1,000 MiB) from Home to another storage: ${between.toFixed(2)} s (${(1000 / between).toFixed(0)} MiB/s), cp -r ${cpBetween.toFixed(2)} s; throughput ratio (storage / cp -r) ${(cpBetween / between).toFixed(2)}`
    );

    const cpWithin = timeCp(join(server.dir, 'tree-cp'));
    t0 = performance.now();
    const copied = await post('home/copy', { path: 'tree', to: '' });
    if (!copied.ok) {
      throw new Error(`the copy answered ${copied.status}: ${await copied.text()}`);
    }
    const within = (performance.now() - t0) / 1000;
    console.log(
      `Copy of the same tree within Home: ${within.toFixed(2)} s, cp -r ${cpWithin.toFixed(2)} s; throughput ratio (storage / cp -r) ${(cpWithin / within).toFixed(2)}`
    );
  } finally {
    await server.stop();
    rmSync(scratch, { recursive: true, force: true });
    rmSync(configFile, { force: true });
  }
}

if (wanted('sampler') || wanted('memory')) {
  // The backend alone (local adapter, sampling every 5 s) and on the Kubernetes adapter against
  // the recorded cluster: RSS, PSS and the sampler's CPU over the same window, beside the
  // floor (Node with an empty fastify server and better-sqlite3), and each local job's watcher.
  const { benchMemory, benchJobMemory } = await import(
    join(root, 'packages', 'backend', 'bench', 'light.bench.mjs')
  );
  await benchMemory(MEMORY_SECONDS);
  await benchJobMemory();
}

if (wanted('coldstart')) {
  const { benchColdStart } = await import(
    join(root, 'packages', 'backend', 'bench', 'light.bench.mjs')
  );
  await benchColdStart(startJupyter, Number(process.env.BENCH_COLD_ROUNDS ?? 5));
}

if (wanted('activity')) {
  execFileSync(
    process.execPath,
    [join(root, 'packages', 'backend', 'bench', 'activity.bench.mjs')],
    {
      stdio: 'inherit'
    }
  );
  const { default: WebSocket } = await import('ws');
  const server = await startJupyter({ disableSuite: false });
  const auth = { Authorization: `token ${server.token}` };
  const summary = async () => {
    const res = await fetch(`${server.base}hotstepper/api/v1/activity?since=0`, { headers: auth });
    if (!res.ok) {
      throw new Error(`GET /activity answered ${res.status}`);
    }
    return res.json();
  };
  try {
    const kernels = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${server.base}api/kernels`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'python3' })
      });
      kernels.push((await res.json()).id);
    }
    await summary(); // the watcher follows the kernels from now on
    const backend = readdirSync('/proc')
      .filter(e => /^\d+$/.test(e))
      .find(pid => {
        try {
          const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          return (
            argv.includes('hotstepper/backend/main.js') &&
            Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === server.pid
          );
        } catch {
          return false;
        }
      });
    const ticks = () => {
      const f = readFileSync(`/proc/${backend}/stat`, 'utf8').split(') ')[1].split(' ');
      return Number(f[11]) + Number(f[12]);
    };
    const rss = () =>
      Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${backend}/status`, 'utf8'))[1]) * 1024;
    // 100 lines every 0.1 s: 1,000 lines a second per kernel.
    const code = [
      'import time',
      't0 = time.time(); i = 0',
      `while time.time() - t0 < ${ACTIVITY_SECONDS}:`,
      '    for _ in range(100):',
      '        print(f"line {i} of a chatty training loop", flush=False); i += 1',
      '    time.sleep(0.1)'
    ].join('\n');
    const rss0 = rss();
    const t0 = ticks();
    const start = performance.now();
    const rssSeen = [rss0];
    const sockets = kernels.map(id => {
      const ws = new WebSocket(`${server.base.replace('http', 'ws')}api/kernels/${id}/channels`, {
        headers: auth
      });
      ws.on('open', () =>
        ws.send(
          JSON.stringify({
            channel: 'shell',
            header: {
              msg_id: randomBytes(8).toString('hex'),
              msg_type: 'execute_request',
              session: randomBytes(8).toString('hex'),
              username: 'bench',
              version: '5.3'
            },
            parent_header: {},
            metadata: {},
            content: {
              code,
              silent: false,
              store_history: true,
              user_expressions: {},
              allow_stdin: false
            }
          })
        )
      );
      ws.on('message', () => undefined);
      return ws;
    });
    while (performance.now() - start < ACTIVITY_SECONDS * 1000) {
      await new Promise(r => setTimeout(r, 5000));
      rssSeen.push(rss());
    }
    const cpu = (ticks() - t0) / 100 / ((performance.now() - start) / 1000);
    // The cells end with the loop: wait for them, then check the journal saw their output.
    let journaled = [];
    for (let i = 0; i < 60 && journaled.length < kernels.length; i++) {
      await new Promise(r => setTimeout(r, 1000));
      const { finished } = await summary();
      journaled = finished.filter(c => /^line \d+ of a chatty/.test(c.lastLine ?? ''));
    }
    sockets.forEach(ws => ws.close());
    const mib = b => `${(b / 1024 ** 2).toFixed(1)} MiB`;
    console.log(
      `Kernel watcher: 5 kernels printing 1,000 lines a second each for ${ACTIVITY_SECONDS} s:`
    );
    console.log(
      `  backend CPU ${(cpu * 100).toFixed(1)} % of one core; RSS start ${mib(rss0)}, max ${mib(Math.max(...rssSeen))}, end ${mib(rssSeen.at(-1))}; ${journaled.length} of ${kernels.length} cells journaled with their last line (${journaled.map(c => c.lastLine.split(' ')[1]).join(', ')} lines printed)`
    );
  } finally {
    await server.stop();
  }
}

await browser.close();

if (wanted('wheel')) {
  // Built as `scripts/run.sh wheel` builds it, into a temp dir.
  const dir = mkdtempSync(join(tmpdir(), 'hs-bench-wheel-'));
  const python = join(root, '.venv', 'bin', 'python');
  try {
    execFileSync(
      python,
      [
        '-m',
        'pip',
        'wheel',
        '-q',
        '--disable-pip-version-check',
        '--no-deps',
        '--no-build-isolation',
        '-w',
        dir,
        root
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] }
    );
    const wheel = join(
      dir,
      readdirSync(dir).find(f => f.endsWith('.whl'))
    );
    const files = JSON.parse(
      execFileSync(
        python,
        [
          '-c',
          'import json, sys, zipfile; print(json.dumps([[i.filename, i.file_size] for i in zipfile.ZipFile(sys.argv[1]).infolist()]))',
          wheel
        ],
        { encoding: 'utf8' }
      )
    );
    const mb = n => `${(n / 1e6).toFixed(2)} MB`;
    const map = join(root, 'packages', 'backend', 'dist', 'main.js.map');
    console.log(`The wheel (${wheel.split('/').at(-1)}):`);
    console.log(
      `  ${mb(statSync(wheel).size)}, ${mb(files.reduce((n, [, size]) => n + size, 0))} unpacked, ${files.length} files; source maps in it: ${files.filter(([f]) => f.endsWith('.map')).length}` +
        (existsSync(map)
          ? ` (the backend's, ${mb(statSync(map).size)}, stays in packages/backend/dist)`
          : '')
    );
    for (const [file, size] of files.sort((x, y) => y[1] - x[1]).slice(0, 5)) {
      console.log(`    ${mb(size).padStart(8)}  ${file}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (wanted('history')) {
  const script = ['history.bench.mjs', 'history.bench.js']
    .map(f => join(root, 'packages', 'backend', 'bench', f))
    .find(f => existsSync(f));
  if (script) {
    execFileSync(process.execPath, [script], { stdio: 'inherit' });
  }
}

if (wanted('flare')) {
  // The backend's flare proxy on a free port (8787 may be someone's real one).
  const dir = mkdtempSync(join(tmpdir(), 'hs-bench-flare-'));
  const config = join(dir, 'hotstepper.json');
  writeFileSync(config, JSON.stringify({ flare: { listenPort: await freePort() } }));
  const server = await startJupyter({ disableSuite: false, env: { HOTSTEPPER_CONFIG: config } });
  try {
    const { benchFlare } = await import(
      join(root, 'packages', 'backend', 'bench', 'flare.bench.mjs')
    );
    await benchFlare(server);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (wanted('jobs')) {
  // Needs the bundle (packages/backend: npm run build) and its lib/ for seeding state.db.
  execFileSync(process.execPath, [join(root, 'packages', 'backend', 'bench', 'jobs.bench.mjs')], {
    stdio: 'inherit'
  });
}

if (wanted('fuzz')) {
  // schemathesis goes into the venv on first use (the tests never need it).
  const schemathesis = join(root, '.venv', 'bin', 'schemathesis');
  if (!existsSync(schemathesis)) {
    execFileSync(
      join(root, '.venv', 'bin', 'pip'),
      ['install', '-q', '--disable-pip-version-check', 'schemathesis'],
      { stdio: ['ignore', 'ignore', 'inherit'] }
    );
  }
  const MAX_EXAMPLES = Number(process.env.BENCH_FUZZ_EXAMPLES ?? 50);
  const dir = mkdtempSync(join(tmpdir(), 'hs-bench-fuzz-'));
  const config = join(dir, 'hotstepper.json');
  // Its own flare port (8787 may be someone's real one); fuzzed jobs share one CPU.
  writeFileSync(
    config,
    JSON.stringify({ flare: { listenPort: await freePort() }, jobs: { quota: { cpu: 1 } } })
  );
  const server = await startJupyter({ disableSuite: false, env: { HOTSTEPPER_CONFIG: config } });
  try {
    const auth = { Authorization: `token ${server.token}` };
    // The _xsrf cookie, as Jupyter sets it when JupyterLab's page loads.
    const page = await fetch(`${server.base}lab?token=${server.token}`);
    const xsrf = page.headers
      .getSetCookie()
      .map(c => /^_xsrf=([^;]*)/.exec(c)?.[1])
      .find(Boolean);
    if (!xsrf) {
      throw new Error('Jupyter set no _xsrf cookie');
    }
    const docRes = await fetch(`${server.base}hotstepper/api/v1/openapi.json`, { headers: auth });
    if (!docRes.ok) {
      throw new Error(`the OpenAPI document answered ${docRes.status}`);
    }
    const doc = await docRes.json();
    const operations = Object.values(doc.paths).flatMap(item =>
      Object.keys(item).filter(m => ['get', 'put', 'post', 'delete', 'patch'].includes(m))
    ).length;
    const schemaFile = join(dir, 'openapi.json');
    writeFileSync(schemaFile, JSON.stringify(doc));
    const report = join(dir, 'report.ndjson');
    const run = spawn(
      schemathesis,
      [
        'run',
        schemaFile,
        '--url',
        `${server.base}hotstepper`,
        '-H',
        `Authorization: token ${server.token}`,
        '-H',
        `X-XSRFToken: ${xsrf}`,
        '-H',
        `Cookie: _xsrf=${xsrf}`,
        '--checks',
        'not_a_server_error,response_schema_conformance',
        '--max-examples',
        String(MAX_EXAMPLES),
        // Event streams never end: a positive case of one waits this long.
        '--request-timeout',
        '5',
        '--workers',
        '2',
        '--no-color',
        '--generation-database',
        'none',
        '--report',
        'ndjson',
        '--report-ndjson-path',
        report
      ],
      // In the temp dir: what it keeps between runs stays out of the repo.
      {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, SCHEMATHESIS_HOOKS: '' }
      }
    );
    let out = '';
    run.stdout.on('data', chunk => (out += chunk));
    await new Promise(r => run.on('exit', r));
    if (process.env.BENCH_FUZZ_REPORT) {
      // Every case and response, to see what failed and how to reproduce it.
      writeFileSync(process.env.BENCH_FUZZ_REPORT, readFileSync(report));
    }
    const figures = fuzzFigures(readFileSync(report, 'utf8'));
    console.log(
      `schemathesis ${execFileSync(schemathesis, ['--version'], { encoding: 'utf8' }).trim().split(' ').at(-1)} over the served OpenAPI document (${operations} operations), through Jupyter with the token and the XSRF pair, at most ${MAX_EXAMPLES} examples per operation:`
    );
    console.log(
      `  ${figures.cases} cases on ${figures.operations.size} operations; 5xx found: ${figures.serverErrors.size}; schema violations: ${figures.schemaViolations.size}`
    );
    console.log(
      `  5xx from jupyter-server-proxy itself, for methods the API does not declare: ${figures.proxyErrors.size}; requests without an answer in time (event streams): ${figures.otherErrors.size}`
    );
    for (const [label, set] of [
      ['5xx', figures.serverErrors],
      ['schema violation', figures.schemaViolations],
      ['5xx of jupyter-server-proxy', figures.proxyErrors],
      ['no answer', figures.otherErrors]
    ]) {
      for (const line of set) {
        console.log(`    ${label}: ${line}`);
      }
    }
    if (figures.operations.size < operations) {
      console.log(`  (schemathesis's own summary:)\n${out.split('\n').slice(-40).join('\n')}`);
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Cases, operations and distinct failures from schemathesis's NDJSON event stream. A 5xx in
 * Jupyter's own HTML page comes from jupyter-server-proxy itself, before the backend (tornado's
 * client refuses a PATCH without a body and an OPTIONS with one): counted apart.
 */
function fuzzFigures(ndjson) {
  const figures = {
    cases: 0,
    operations: new Set(),
    serverErrors: new Set(),
    proxyErrors: new Set(),
    schemaViolations: new Set(),
    otherErrors: new Set()
  };
  for (const line of ndjson.split('\n').filter(Boolean)) {
    const event = JSON.parse(line);
    if (event.NonFatalError) {
      const { label, value } = event.NonFatalError;
      figures.otherErrors.add(`${label}: ${value.type}`);
    }
    const recorder = event.ScenarioFinished?.recorder;
    if (!recorder) {
      continue;
    }
    figures.operations.add(recorder.label);
    figures.cases += Object.keys(recorder.cases ?? {}).length;
    for (const [id, checks] of Object.entries(recorder.checks ?? {})) {
      for (const check of checks) {
        if (String(check.status).toLowerCase() !== 'failure') {
          continue;
        }
        const response = recorder.interactions?.[id]?.response;
        const request = recorder.interactions?.[id]?.request;
        const type = String(
          response?.headers?.['content-type'] ?? response?.headers?.['Content-Type'] ?? ''
        );
        const what = `${recorder.label}: ${request?.method ?? ''} → ${response?.status_code ?? '?'}`;
        if (check.name === 'not_a_server_error') {
          // Only for a method the operation does not declare: any other HTML 5xx may be the
          // proxy meeting a backend that broke the connection, and counts as ours.
          const undeclared = request?.method !== recorder.label.split(' ')[0];
          (type.includes('text/html') && undeclared
            ? figures.proxyErrors
            : figures.serverErrors
          ).add(what);
        } else if (check.name === 'response_schema_conformance') {
          figures.schemaViolations.add(`${what} ${check.failure_info?.failure?.title ?? ''}`);
        }
      }
    }
  }
  return figures;
}

if (wanted('apps')) {
  // Open → the app answering, through a real Jupyter server and jupyter-server-proxy: the
  // desktop (the websocket's RFB greeting from TigerVNC) and TensorBoard (its page), cold (not
  // running: the Open starts it) and warm (running); then the Apps panel's state query with 200
  // more processes on the machine.
  const rounds = Number(process.env.BENCH_APPS_ROUNDS ?? 5);
  const { default: WebSocket } = await import('ws');
  const work = mkdtempSync(join(tmpdir(), 'hs-bench-apps-'));
  const python = join(root, '.venv', 'bin', 'python');
  execFileSync(python, [
    '-c',
    `from tensorboard.summary import Writer
w = Writer(${JSON.stringify(join(work, 'runs', 'run1'))})
for step in range(100):
    w.add_scalar('loss', 1.0 / (step + 1), step=step)
w.close()`
  ]);
  const xstartup = join(work, 'xstartup');
  writeFileSync(xstartup, '#!/bin/sh\nexec openbox\n', { mode: 0o755 });
  // An environment installed before the app entry points existed lists only the backend's.
  const listed = execFileSync(python, [
    '-c',
    "from importlib.metadata import entry_points as e; print(*e(group='jupyter_serverproxy_servers').names)"
  ]).toString();
  const shim = join(work, 'site');
  if (!listed.split(/\s+/).includes('tensorboard')) {
    const info = join(shim, 'hotstepper_apps_dev-0.0.0.dist-info');
    mkdirSync(info, { recursive: true });
    writeFileSync(
      join(info, 'METADATA'),
      'Metadata-Version: 2.1\nName: hotstepper-apps-dev\nVersion: 0.0.0\n'
    );
    writeFileSync(
      join(info, 'entry_points.txt'),
      '[jupyter_serverproxy_servers]\ntensorboard = hotstepper.apps:setup_tensorboard\n'
    );
  }
  const server = await startJupyter({
    disableSuite: false,
    env: {
      HOTSTEPPER_TENSORBOARD_LOGDIR: join(work, 'runs'),
      JUPYTER_REMOTE_DESKTOP_PROXY_XSTARTUP: xstartup,
      PYTHONPATH: [process.env.PYTHONPATH, shim].filter(Boolean).join(':')
    }
  });
  const sleepers = [];
  try {
    const auth = { Authorization: `token ${server.token}` };
    const lab = await fetch(`${server.base}lab`, { headers: auth });
    const xsrf = /_xsrf=([^;]+)/.exec(lab.headers.get('set-cookie') ?? '')?.[1] ?? '';
    const post = async (name, verb) => {
      const res = await fetch(`${server.base}hotstepper/api/v1/apps/${name}/${verb}`, {
        method: 'POST',
        headers: {
          ...auth,
          cookie: `_xsrf=${xsrf}`,
          'x-xsrftoken': xsrf,
          'content-type': 'application/json'
        },
        body: '{}'
      });
      if (!res.ok) {
        throw new Error(`${verb} ${name}: ${res.status} ${await res.text()}`);
      }
    };
    const greeting = () =>
      new Promise((ok, fail) => {
        const ws = new WebSocket(`${server.base.replace(/^http/, 'ws')}desktop-websockify/`, {
          headers: auth
        });
        ws.once('message', data => {
          ws.close();
          String(data).startsWith('RFB ') ? ok() : fail(new Error(`not RFB: ${data}`));
        });
        ws.once('error', fail);
      });
    const page = async () => {
      const res = await fetch(`${server.base}tensorboard/`, { headers: auth });
      await res.text();
      if (!res.ok) {
        throw new Error(`tensorboard answered ${res.status}`);
      }
    };
    const time = async fn => {
      const t = performance.now();
      await fn();
      return performance.now() - t;
    };
    console.log(`Apps: Open → answering, median (min–max) of ${rounds}:`);
    for (const [label, name, open] of [
      ['desktop (RFB greeting)', 'desktop-websockify', greeting],
      ['TensorBoard (its page)', 'tensorboard', page]
    ]) {
      const cold = [];
      const warm = [];
      for (let i = 0; i < rounds; i++) {
        cold.push(await time(open));
        warm.push(await time(open));
        await post(name, 'stop');
      }
      const show = xs =>
        `${median(xs).toFixed(0)} ms (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
      console.log(`  ${label}: cold ${show(cold)}, warm ${show(warm)}`);
    }
    // Both apps running, and 200 more processes for the query to walk past.
    await greeting();
    await page();
    for (let i = 0; i < 200; i++) {
      sleepers.push(spawn('sleep', ['600'], { stdio: 'ignore' }));
    }
    const lat = await latency(`${server.base}hotstepper/api/v1/apps`, auth, 300);
    console.log(
      `  GET /apps (state of every app) with 200 more processes, 300 requests: ${fmt(lat)}`
    );
  } finally {
    sleepers.forEach(p => p.kill());
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

if (wanted('cluster')) {
  // Needs the bundle (npm run build): the hub's cluster service runs as its own process.
  const { benchCluster } = await import(
    join(root, 'packages', 'backend', 'bench', 'cluster.bench.mjs')
  );
  await benchCluster();
}

if (wanted('load')) {
  const server = await startJupyter({ disableSuite: false });
  try {
    const { benchLoad } = await import(
      join(root, 'packages', 'backend', 'bench', 'load.bench.mjs')
    );
    await benchLoad(server);
  } finally {
    await server.stop();
  }
}

if (wanted('course')) {
  const { benchCourse } = await import(
    join(root, 'packages', 'backend', 'bench', 'course.bench.mjs')
  );
  await benchCourse({ startJupyter, root });
}
