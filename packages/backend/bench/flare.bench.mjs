// The flare proxy against the alternatives, in one run, against the same small app (a Node
// http server answering a 1 KiB body, in its own process):
//   - direct loopback: http://127.0.0.1:<app>/
//   - the flare proxy of the bundled backend, started by a real Jupyter server:
//     http://127.0.0.1:<flare>/ with Host bench.flare.localhost:<flare>
//   - jupyter-server-proxy's {base_url}proxy/<app>/ in the same Jupyter server (token auth)
// autocannon, BENCH_FLARE_SECONDS (10) each with BENCH_FLARE_CONNECTIONS (10) connections,
// after a 2 s warm-up. Run by `node scripts/bench.mjs flare`, which starts the Jupyter server.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');

const SECONDS = Number(process.env.BENCH_FLARE_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_FLARE_CONNECTIONS ?? 10);

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

/**
 * `jupyter`: { base, token } of a running Jupyter server with the Hotstepper suite (its
 * backend's flare proxy must be able to listen: see scripts/bench.mjs).
 */
export async function benchFlare(jupyter) {
  const auth = { Authorization: `token ${jupyter.token}` };
  const app = await startApp();
  try {
    // An XSRF pair, as JupyterLab sends it: the backend wants the header to match the cookie.
    const xsrf = 'bench-xsrf';
    const res = await fetch(`${jupyter.base}hotstepper/api/v1/flare/exposures`, {
      method: 'POST',
      headers: {
        ...auth,
        'Content-Type': 'application/json',
        Cookie: `_xsrf=${xsrf}`,
        'X-XSRFToken': xsrf
      },
      body: JSON.stringify({ port: app.port, name: 'bench', protection: 'none' })
    });
    if (res.status !== 201) {
      throw new Error(`exposing the bench app answered ${res.status}: ${await res.text()}`);
    }
    const flare = new URL((await res.json()).url);

    const rows = [
      ['direct loopback', await load(`http://127.0.0.1:${app.port}/`, {})],
      [
        'flare proxy (host-routed)',
        await load(`http://127.0.0.1:${flare.port}/`, { host: flare.host })
      ],
      ['jupyter-server-proxy /proxy/<port>/', await load(`${jupyter.base}proxy/${app.port}/`, auth)]
    ];
    console.log(
      `Flare proxy vs. direct vs. jupyter-server-proxy, 1 KiB responses, ${CONNECTIONS} connections, ${SECONDS} s each:`
    );
    for (const [name, r] of rows) {
      console.log(
        `  ${name.padEnd(38)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50} ms   p99 ${r.p99} ms`
      );
    }
    return rows;
  } finally {
    app.stop();
  }
}
