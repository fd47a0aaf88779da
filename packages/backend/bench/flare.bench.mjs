// The flare proxy against the alternatives, in one run, against the same small app (a Node
// http server answering a 1 KiB body, in its own process):
//   - direct loopback: http://127.0.0.1:<app>/
//   - Debian's nginx as a reverse proxy (one worker, keep-alive upstream), run here as a child
//     with its own temporary prefix and config, never the system service
//   - the flare proxy of the bundled backend, started by a real Jupyter server:
//     http://127.0.0.1:<flare>/ with Host bench.flare.localhost:<flare>
//   - jupyter-server-proxy's {base_url}proxy/<app>/ in the same Jupyter server (token auth)
// autocannon, BENCH_FLARE_SECONDS (10) each with BENCH_FLARE_CONNECTIONS (10) connections,
// after a 2 s warm-up. nginx and flare are measured in turn BENCH_FLARE_ROUNDS (3) times and
// each one's best round is compared (goal: flare ≥ 0.8× nginx's req/s, p99 ≤ 1.5× nginx's):
// the machine is shared, and a round slowed by someone else's work says nothing of either.
// Run by `node scripts/bench.mjs flare`, which starts the Jupyter server.
//
// Then the password-guessing attack: BENCH_FLARE_ATTACKERS (20) concurrent loops sending wrong
// passwords to a password-protected exposure for BENCH_FLARE_ATTACK_SECONDS (10), while one
// client polls the API's /usage/now through Jupyter; its p50/p99 are printed beside the same
// poll without the attack (goal: p99 < 50 ms), with how the guesses were answered and how long
// a right password takes from another address meanwhile.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');

const SECONDS = Number(process.env.BENCH_FLARE_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_FLARE_CONNECTIONS ?? 10);
const ATTACKERS = Number(process.env.BENCH_FLARE_ATTACKERS ?? 20);
const ATTACK_SECONDS = Number(process.env.BENCH_FLARE_ATTACK_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_FLARE_ROUNDS ?? 3);

function freePort() {
  return new Promise(resolve => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** nginx's binary, or undefined where it is not installed (scripts/run.sh bench installs it). */
function nginxBinary() {
  for (const candidate of ['/usr/sbin/nginx', '/usr/local/sbin/nginx']) {
    if (existsSync(candidate)) {
      return candidate;
    }
  }
  try {
    return execFileSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * nginx as a reverse proxy to the app, as one would set it up for speed: one worker, HTTP/1.1
 * to the app on kept-alive connections, the X-Forwarded-For a proxy adds. Its own prefix in a
 * temporary folder, in the foreground, stopped by its pid.
 */
async function startNginx(appPort) {
  const binary = nginxBinary();
  if (!binary) {
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'hs-bench-nginx-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream app { server 127.0.0.1:${appPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`
  );
  const proc = spawn(binary, ['-p', dir, '-c', join(dir, 'nginx.conf')], {
    stdio: ['ignore', 'ignore', 'inherit']
  });
  const stop = () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGQUIT');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`http://127.0.0.1:${port}/`).then(
      r => r.arrayBuffer().then(() => r.ok),
      () => false
    );
    if (up) {
      return { port, stop };
    }
    if (proc.exitCode !== null) {
      break;
    }
    await new Promise(r => setTimeout(r, 50));
  }
  stop();
  throw new Error(`nginx did not start (see its errors above)`);
}

/** The app: its own process, so it never shares an event loop with the load generator. */
function startApp() {
  const proc = spawn(
    process.execPath,
    [
      '-e',
      `const body = Buffer.alloc(1024, 'x');
       const s = require('node:http').createServer((req, res) => {
         res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
         res.end(body);
       });
       s.listen(0, '127.0.0.1', () => console.log('port ' + s.address().port));`
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] }
  );
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', d => {
      out += d;
      const m = /port (\d+)/.exec(out);
      if (m) {
        resolve({ port: Number(m[1]), stop: () => proc.kill('SIGKILL') });
      }
    });
    proc.once('exit', code => reject(new Error(`the bench app exited (${code})`)));
  });
}

async function load(url, headers) {
  await autocannon({ url, headers, connections: CONNECTIONS, duration: 2 });
  const r = await autocannon({ url, headers, connections: CONNECTIONS, duration: SECONDS });
  if (r.non2xx || r.errors || r.timeouts) {
    throw new Error(
      `${url}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts out of ${r.requests.total}`
    );
  }
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
}

/** One GET to the flare proxy; resolves with the status (the body is drained). */
function flareGet(flare, headers, agent, localAddress) {
  return new Promise((resolve, reject) => {
    request(
      {
        host: '127.0.0.1',
        port: Number(flare.port),
        path: '/',
        headers: { host: flare.host, ...headers },
        agent,
        ...(localAddress ? { localAddress } : {})
      },
      res => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      }
    )
      .on('error', reject)
      .end();
  });
}

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

/** Polls `url` one request after another for `seconds`; the latencies in ms, sorted. */
async function poll(url, headers, seconds) {
  const times = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t = performance.now();
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    if (res.status !== 200) {
      throw new Error(`${url} answered ${res.status}`);
    }
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b);
}

/** 20 loops of wrong passwords against a password exposure, while the API is polled. */
async function benchPasswordGuesses(jupyter, expose) {
  const password = 'the right password';
  const flare = new URL((await expose({ name: 'guarded', protection: 'password', password })).url);
  const usage = `${jupyter.base}hotstepper/api/v1/usage/now`;
  const auth = { Authorization: `token ${jupyter.token}` };
  const before = await poll(usage, auth, Math.min(5, ATTACK_SECONDS));

  const agent = new Agent({ keepAlive: true, maxSockets: ATTACKERS });
  const answers = new Map();
  let stopped = false;
  const loops = Array.from({ length: ATTACKERS }, async (_, i) => {
    for (let n = 0; !stopped; n++) {
      const wrong = `Basic ${Buffer.from(`flare:guess-${i}-${n}`).toString('base64')}`;
      const status = await flareGet(flare, { authorization: wrong }, agent).catch(() => 'error');
      answers.set(status, (answers.get(status) ?? 0) + 1);
    }
  });
  await new Promise(r => setTimeout(r, 1000)); // the attack under way
  // A visitor with the right password, from another address, during the attack.
  const right = `Basic ${Buffer.from(`flare:${password}`).toString('base64')}`;
  const t = performance.now();
  const visitor = await flareGet(flare, { authorization: right }, false, '127.0.0.2');
  const visitorMs = performance.now() - t;
  const during = await poll(usage, auth, ATTACK_SECONDS);
  stopped = true;
  await Promise.all(loops);
  agent.destroy();

  const fmt = times =>
    `p50 ${percentile(times, 0.5).toFixed(1)} ms   p99 ${percentile(times, 0.99).toFixed(1)} ms   (${times.length} requests)`;
  console.log(
    `\nThe API's /usage/now through Jupyter while ${ATTACKERS} loops guess the password of an exposure (goal: p99 < 50 ms):`
  );
  console.log(`  without the attack   ${fmt(before)}`);
  console.log(`  during the attack    ${fmt(during)}`);
  console.log(
    `  the guesses were answered: ${[...answers].map(([s, n]) => `${s}: ${n}`).join(', ')}`
  );
  console.log(
    `  the right password from another address during the attack: ${visitor} in ${visitorMs.toFixed(0)} ms`
  );
  return {
    before: { p50: percentile(before, 0.5), p99: percentile(before, 0.99) },
    during: { p50: percentile(during, 0.5), p99: percentile(during, 0.99) },
    visitor: { status: visitor, ms: visitorMs }
  };
}

/**
 * `jupyter`: { base, token } of a running Jupyter server with the Hotstepper suite (its
 * backend's flare proxy must be able to listen: see scripts/bench.mjs).
 */
export async function benchFlare(jupyter) {
  const auth = { Authorization: `token ${jupyter.token}` };
  const app = await startApp();
  let nginx;
  try {
    // An XSRF pair, as JupyterLab sends it: the backend wants the header to match the cookie.
    const xsrf = 'bench-xsrf';
    const expose = async body => {
      const res = await fetch(`${jupyter.base}hotstepper/api/v1/flare/exposures`, {
        method: 'POST',
        headers: {
          ...auth,
          'Content-Type': 'application/json',
          Cookie: `_xsrf=${xsrf}`,
          'X-XSRFToken': xsrf
        },
        body: JSON.stringify({ port: app.port, ...body })
      });
      if (res.status !== 201) {
        throw new Error(`exposing the bench app answered ${res.status}: ${await res.text()}`);
      }
      return res.json();
    };
    const flare = new URL((await expose({ name: 'bench', protection: 'none' })).url);
    nginx = await startNginx(app.port);
    if (!nginx) {
      console.log('nginx is not installed (scripts/run.sh bench installs it): no comparison');
    }

    const line = (name, r) =>
      `  ${name.padEnd(38)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50} ms   p99 ${r.p99} ms`;
    console.log(
      `Flare proxy vs. nginx vs. direct vs. jupyter-server-proxy, 1 KiB responses, ${CONNECTIONS} connections, ${SECONDS} s each:`
    );
    const direct = await load(`http://127.0.0.1:${app.port}/`, {});
    console.log(line('direct loopback', direct));
    // nginx and flare in turn, so a busy moment of the machine falls on both alike.
    const rounds = { nginx: [], flare: [] };
    for (let i = 0; i < ROUNDS; i++) {
      if (nginx) {
        const r = await load(`http://127.0.0.1:${nginx.port}/`, { host: flare.host });
        rounds.nginx.push(r);
        console.log(line(`nginx, 1 worker (round ${i + 1})`, r));
      }
      const r = await load(`http://127.0.0.1:${flare.port}/`, { host: flare.host });
      rounds.flare.push(r);
      console.log(line(`flare proxy (round ${i + 1})`, r));
    }
    const best = list => list.reduce((a, b) => (b.rps > a.rps ? b : a));
    const jsp = await load(`${jupyter.base}proxy/${app.port}/`, auth);
    console.log(line('jupyter-server-proxy /proxy/<port>/', jsp));
    const rows = [
      ['direct loopback', direct],
      ...(nginx ? [['nginx (best round)', best(rounds.nginx)]] : []),
      ['flare proxy (best round)', best(rounds.flare)],
      ['jupyter-server-proxy /proxy/<port>/', jsp]
    ];
    let versus;
    if (nginx) {
      const [n, f] = [best(rounds.nginx), best(rounds.flare)];
      versus = { rps: f.rps / n.rps, p99: f.p99 / Math.max(n.p99, 1) };
      console.log(
        `  flare / nginx (best rounds): ${versus.rps.toFixed(2)}× the req/s (goal ≥ 0.8), ` +
          `p99 ${f.p99} vs ${n.p99} ms = ${versus.p99.toFixed(2)}× (goal ≤ 1.5)`
      );
    }
    const attack = await benchPasswordGuesses(jupyter, expose);
    return { rows, versus, attack };
  } finally {
    nginx?.stop();
    app.stop();
  }
}
