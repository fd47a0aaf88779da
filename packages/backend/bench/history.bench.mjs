// Usage history at scale: 90 days of samples at 5 s (≈1.55 M) through the real rollup path,
// then the chart and cost queries on the resulting state.db.
//
//   cd packages/backend && npx tsc -b && node bench/history.bench.mjs
//
// Every sample goes through what the sampler does after a reading: the raw INSERT into
// usage_sample, UsageHistory.record() (the one-statement rollup upsert, with its hourly
// pruning) and the sampler's raw-sample pruning (48 h), but an hour of samples (720) is
// committed as one transaction instead of one commit each, or filling would take many minutes.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { Store } = require('../lib/store');
const { UsageHistory } = require('../lib/features/usage/history');
const { estimateCost } = require('../lib/features/usage/cost');
const { parseConfig } = require('../lib/config');

const INTERVAL_S = 5;
const DAYS = 90;
const RUNS = 20;
const HOUR = 3600_000;
const GiB = 1024 ** 3;

const dir = mkdtempSync(join(tmpdir(), 'hotstepper-bench-history-'));
const dbPath = join(dir, 'state.db');
const store = new Store({ path: dbPath });
const config = parseConfig({});
const history = new UsageHistory(store, {
  sampleIntervalSeconds: INTERVAL_S,
  historyDays: config.usage.historyDays
});
const insertRaw = store.db.prepare(
  `INSERT OR REPLACE INTO usage_sample (ts, cpu_used, cpu_limit, mem_used, mem_limit, gpu_util, gpu_mem)
   VALUES (?, ?, ?, ?, ?, ?, ?)`
);
const pruneRaw = store.db.prepare('DELETE FROM usage_sample WHERE ts < ?');

// A notebook with 4 cores, 16 GiB and one A40, busy in the working hours.
const gpu = {
  index: 0,
  uuid: 'GPU-0',
  model: 'NVIDIA A40',
  utilization: 0,
  memoryUsed: 0,
  memoryTotal: 48 * GiB
};
const snapshot = {
  sampledAt: '',
  source: 'cgroup2',
  cpu: { used: 0, limit: 4, limitSource: 'cgroup' },
  memory: { used: 0, limit: 16 * GiB, limitSource: 'cgroup' },
  intervalSeconds: INTERVAL_S,
  gpus: [gpu]
};

const end = Date.now();
const start = end - DAYS * 24 * HOUR;
const step = INTERVAL_S * 1000;
let samples = 0;
const fillHour = store.db.transaction(hourStart => {
  const hourEnd = Math.min(hourStart + HOUR, end + 1);
  for (let t = hourStart; t < hourEnd; t += step) {
    const busy = Math.max(0, Math.sin(((t % (24 * HOUR)) / (24 * HOUR)) * 2 * Math.PI));
    snapshot.cpu.used = 4 * busy * (0.5 + 0.5 * Math.random());
    snapshot.memory.used = Math.round((2 + 10 * busy) * GiB);
    gpu.utilization = busy * Math.random();
    gpu.memoryUsed = Math.round(busy * 30 * GiB);
    insertRaw.run(
      t,
      snapshot.cpu.used,
      snapshot.cpu.limit,
      snapshot.memory.used,
      snapshot.memory.limit,
      gpu.utilization,
      gpu.memoryUsed
    );
    history.record(snapshot, t);
    samples++;
  }
  pruneRaw.run(hourEnd - config.usage.rawRetentionHours * HOUR);
});

let t0 = performance.now();
for (let h = start; h <= end; h += HOUR) {
  fillHour(h);
}
const fillSeconds = (performance.now() - t0) / 1000;

/** Median and fastest of RUNS timed calls, in ms, after one warm-up call. */
function timed(fn) {
  fn(); // warm the statement and the page cache
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const median = (times[RUNS / 2 - 1] + times[RUNS / 2]) / 2;
  return `${median.toFixed(2)} ms (fastest ${times[0].toFixed(2)} ms)`;
}

const quarter = history.query('quarter', end);
const filled = quarter.points.filter(p => p.cpu !== null).length;
const quarterMs = timed(() => history.query('quarter', end));
const weekMs = timed(() => history.query('week', end));
const dayMs = timed(() => history.query('day', end));
const hourMs = timed(() => history.query('hour', end));
let cost;
const costMs = timed(() => {
  cost = estimateCost(store.db, config.prices, end);
});

store.db.pragma('wal_checkpoint(TRUNCATE)');
const count = table => store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get().n;
const rollups = count('usage_rollup');
const raw = count('usage_sample');
const pageSize = store.db.pragma('page_size', { simple: true });
const freePages = store.db.pragma('freelist_count', { simple: true });
store.close();
const size = statSync(dbPath).size;
let walSize = 0;
try {
  walSize = statSync(`${dbPath}-wal`).size;
} catch {
  // no WAL file left after close
}
rmSync(dir, { recursive: true, force: true });

const mb = bytes => (bytes / 1024 / 1024).toFixed(1);
console.log(`samples written (5 s, ${DAYS} days): ${samples}`);
console.log(
  `fill time: ${fillSeconds.toFixed(1)} s (${Math.round(samples / fillSeconds)} samples/s)`
);
console.log(`rollups kept: ${rollups}; raw samples kept (48 h): ${raw}`);
console.log(
  `quarter (90 days, 6 h buckets) query, median of ${RUNS}: ${quarterMs} (${quarter.points.length} points, ${filled} filled)`
);
console.log(`week (30 min buckets) query, median of ${RUNS}: ${weekMs}`);
console.log(`day (5 min rollups) query, median of ${RUNS}: ${dayMs}`);
console.log(`hour (raw samples) query, median of ${RUNS}: ${hourMs}`);
console.log(
  `cost (90 days, read + compute), median of ${RUNS}: ${costMs} (quarter total ${cost.totals.quarter.toFixed(2)} ${cost.prices.currency})`
);
console.log(
  `state.db size after WAL checkpoint: ${mb(size)} MiB (${size} bytes; ${mb(freePages * pageSize)} MiB free pages; WAL ${walSize} bytes)`
);
