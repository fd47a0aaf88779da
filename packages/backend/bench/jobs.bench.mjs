// Jobs, measured on the bundled backend (hotstepper/backend/main.js) on a unix socket with the
// local runner and real processes:
//  - submit → running: POST /jobs/ until the `job` event saying "running" arrives on /events;
//  - the list with 10,000 jobs in state.db: GET /jobs/?limit=100 (and a status filter);
//  - a line printed by a job until its arrival in the log's event stream.
//
//   cd packages/backend && npm run build && node bench/jobs.bench.mjs
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { request } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const { Store } = require('../lib/store');
const { JobTable } = require('../lib/features/jobs/table');

const root = resolve(import.meta.dirname, '..', '..', '..');
const SUBMITS = Number(process.env.BENCH_JOB_SUBMITS ?? 20);
const LIST_REQUESTS = Number(process.env.BENCH_JOB_LIST_REQUESTS ?? 200);
const SEEDED = 10_000;
const LINES = Number(process.env.BENCH_JOB_LINES ?? 100);
const XSRF = '2|bench|';
const WRITE = { 'x-xsrftoken': XSRF, cookie: `_xsrf=${XSRF}`, 'content-type': 'application/json' };
const python = existsSync(join(root, '.venv', 'bin', 'python'))
  ? join(root, '.venv', 'bin', 'python')
  : 'python3';

const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const fmt = (xs, high = 95) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${pct(s, 50).toFixed(1)} ms, p${high} ${pct(s, high).toFixed(1)} ms, max ${s.at(-1).toFixed(1)} ms (n=${s.length})`;
};

const dir = mkdtempSync(join(tmpdir(), 'hotstepper-bench-jobs-'));
const data = join(dir, 'xdg');
const rootDir = join(dir, 'root');
mkdirSync(rootDir);
const configFile = join(dir, 'hotstepper.json');
writeFileSync(configFile, JSON.stringify({ jobs: { quota: { cpu: 64, memoryGiB: 256 } } }));
const socket = join(dir, 'backend.sock');

// 10,000 finished jobs through the store, as they would be after months of use.
{
  const store = new Store({ path: join(data, 'hotstepper', 'state.db') });
  const table = new JobTable(store.db);
  const statuses = ['succeeded', 'succeeded', 'succeeded', 'failed', 'cancelled', 'timed-out'];
  const now = Date.now();
  store.db.transaction(() => {
    for (let i = 0; i < SEEDED; i++) {
      const id = `jseed${i.toString(36)}`;
      table.insert({
        id,
        name: `job ${i}`,
        kind: 'command',
        runner: 'local',
        status: statuses[i % statuses.length],
        reason: null,
        spec: {
          argv: ['python3', '-c', `print(${i})`],
          cwd: '',
          env: {},
          resources: { cpu: 1, memory: 2 * 1024 ** 3 },
          timeLimitSeconds: 3600,
          submit: { name: `job ${i}`, kind: 'command', command: ['python3', '-c', `print(${i})`] }
        },
        idempotencyKey: null,
        createdAt: now - (SEEDED - i) * 60_000,
        extra: { enforcement: 'rlimit' }
      });
      table.update(id, {
        exitCode: 0,
        startedAt: now - (SEEDED - i) * 60_000 + 1000,
        finishedAt: now - (SEEDED - i) * 60_000 + 30_000
      });
    }
  })();
  store.close();
}

const backend = spawn(
  process.execPath,
  [join(root, 'hotstepper', 'backend', 'main.js'), '--socket', socket],
  {
    env: {
      ...process.env,
      XDG_DATA_HOME: data,
      HOTSTEPPER_CONFIG: configFile,
      HOTSTEPPER_ROOT_DIR: rootDir,
      HOTSTEPPER_ROOT_PID: String(process.pid),
      HOTSTEPPER_PYTHON: python
    },
    stdio: ['ignore', 'ignore', 'pipe']
  }
);
let stderr = '';
backend.stderr.on('data', chunk => (stderr += chunk));

function http(method, path, body) {
  return new Promise((ok, fail) => {
    const req = request(
      { socketPath: socket, method, path, headers: body ? WRITE : {}, agent: false },
      res => {
        let text = '';
        res.on('data', c => (text += c));
        res.on('end', () => ok({ status: res.statusCode, body: text }));
      }
    );
    req.on('error', fail);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** An event stream: calls `onEvent(event, data, receivedAt)` until `close()`. */
function events(path, onEvent) {
  let buffer = '';
  const req = request(
    { socketPath: socket, path, headers: { accept: 'text/event-stream' }, agent: false },
    res => {
      res.setEncoding('utf8');
      res.on('data', text => {
        const at = performance.now();
        buffer += text;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) {
            onEvent(event, JSON.parse(data), at);
          }
        }
      });
    }
  );
  req.on('error', () => undefined);
  req.end();
  return { close: () => req.destroy() };
}

try {
  for (let i = 0; ; i++) {
    try {
      if ((await http('GET', '/')).status === 200) break;
    } catch {
      // not listening yet
    }
    if (backend.exitCode !== null || i > 300) {
      throw new Error(`the backend did not start:\n${stderr}`);
    }
    await new Promise(r => setTimeout(r, 100));
  }

  // Submit → running, one job at a time, seen as a live list sees it.
  // The event may come before the POST's answer: keep every arrival, wait for the missing.
  const arrived = new Map();
  const waiting = new Map();
  const stream = events('/api/v1/jobs/events', (event, job, at) => {
    // A job the list saw only once it had ended (a loaded machine) counts when that is seen.
    const started = job.status === 'running' || (job.startedAt && job.status !== 'starting');
    if (event === 'job' && started && !arrived.has(job.id)) {
      arrived.set(job.id, at);
      waiting.get(job.id)?.(at);
    }
  });
  await new Promise(r => setTimeout(r, 300));
  const latencies = [];
  for (let i = 0; i < SUBMITS; i++) {
    const t0 = performance.now();
    const res = await http('POST', '/api/v1/jobs/', {
      name: `bench ${i}`,
      kind: 'command',
      command: ['sleep', '2']
    });
    if (res.status !== 201) throw new Error(`submit answered ${res.status}: ${res.body}`);
    const { id } = JSON.parse(res.body);
    const at = arrived.get(id) ?? (await new Promise(ok => waiting.set(id, ok)));
    latencies.push(at - t0);
  }
  stream.close();
  console.log(`Jobs: submit → running (local runner, seen on /jobs/events): ${fmt(latencies)}`);

  // The list with 10,000 (and a few) jobs.
  for (const [label, path] of [
    ['GET /jobs/?limit=100', '/api/v1/jobs/?limit=100'],
    ['GET /jobs/?status=failed&limit=100', '/api/v1/jobs/?status=failed&limit=100'],
    ['GET /jobs/?limit=100&offset=9000', '/api/v1/jobs/?limit=100&offset=9000']
  ]) {
    for (let i = 0; i < 10; i++) await http('GET', path);
    const times = [];
    let total = 0;
    for (let i = 0; i < LIST_REQUESTS; i++) {
      const t0 = performance.now();
      const res = await http('GET', path);
      times.push(performance.now() - t0);
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
      total = JSON.parse(res.body).total;
    }
    console.log(
      `Jobs: ${label} over ${total} matching of ${SEEDED}+ jobs, with counts: ${fmt(times, 99)}`
    );
  }

  // A line printed by a job → its arrival on the log's event stream.
  const program = [
    'import time',
    `for i in range(${LINES}):`,
    '    print(f"{time.time() * 1000:.3f}", flush=True)',
    '    time.sleep(0.1)'
  ].join('\n');
  const res = await http('POST', '/api/v1/jobs/', {
    name: 'timestamps',
    kind: 'command',
    command: [python, '-c', program]
  });
  const { id } = JSON.parse(res.body);
  const delays = [];
  await new Promise(done => {
    const log = events(`/api/v1/jobs/${id}/log`, (event, data) => {
      if (event === 'log' && data.stream === 'stdout') {
        const now = Date.now(); // the wall clock, as the job's time.time()
        for (const line of data.text.split('\n').filter(Boolean)) {
          delays.push(now - Number(line));
        }
      } else if (event === 'end') {
        log.close();
        done();
      }
    });
  });
  console.log(
    `Jobs: line printed → arrival on the log event stream (${LINES} lines, one per 100 ms): ${fmt(delays, 99)}`
  );
} finally {
  backend.kill('SIGTERM');
  await new Promise(r => setTimeout(r, 500));
  rmSync(dir, { recursive: true, force: true });
}
