#!/usr/bin/env node
// Seeds a state.db with a usage history, for the galata tests of the usage panel and for
// trying the panel by hand:
//
//   node packages/backend/scripts/seed-usage.mjs [--db PATH] [--cpu-limit N] [--now MS]
//
// PATH defaults to $XDG_DATA_HOME/hotstepper/state.db (the backend's own default). The store is
// opened with the compiled backend (lib/store, so `tsc -b` first), which applies the migrations.
// The sampling interval and the idle check hour come from $HOTSTEPPER_CONFIG when it names a
// file (as the backend reads them), else the defaults (5 s, 03:00); --sample-seconds and
// --check-hour override them. Raw samples are written at that interval: the backend marks
// samples more than 2.5 intervals apart as a gap.
// What goes in, relative to now (all times local, as the backend's days are):
//   - usage_rollup: 90 days of 5-minute rollups (60 samples each, as at 5 s), busy on working
//     hours, quiet otherwise, with a gap of 3 days (days 40-42 ago: the server was stopped) and
//     an A40 GPU reserved from 09:00 to 17:00 on days 6-4 ago;
//   - usage_sample: the last 24 h of raw samples at the sampling interval, all below 0.1 CPU;
//   - idle_check: four daily CPU checks, two busy, then two idle: 2 idle days of a 4-day countdown.
// The rollups and samples of the last two days before the latest check are all idle, so the
// checks agree with the data they would have been computed from.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    'cpu-limit': { type: 'string' },
    'mem-limit': { type: 'string' },
    'check-hour': { type: 'string' },
    'sample-seconds': { type: 'string' },
    now: { type: 'string' }
  }
});

const xdg = process.env.XDG_DATA_HOME || join(process.env.HOME ?? '/root', '.local', 'share');
const dbPath = values.db ?? join(xdg, 'hotstepper', 'state.db');
const cpuLimit = Number(values['cpu-limit'] ?? process.env.CPU_LIMIT ?? 2) || 2;
const memLimit = Number(values['mem-limit'] ?? process.env.MEM_LIMIT ?? 0) || totalmem();
let config = {};
if (process.env.HOTSTEPPER_CONFIG) {
  try {
    config = JSON.parse(readFileSync(process.env.HOTSTEPPER_CONFIG, 'utf8'));
  } catch (err) {
    process.stderr.write(`seed-usage: ignoring HOTSTEPPER_CONFIG (${err.message})\n`);
  }
}
const checkHour = Number(values['check-hour'] ?? config.idle?.checkHour ?? 3);
const sampleMs = 1000 * Number(values['sample-seconds'] ?? config.usage?.sampleIntervalSeconds ?? 5);
const now = Number(values.now ?? Date.now());

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const BUCKET = 5 * MIN;
const PER_BUCKET = 60; // samples of 5 s
const GiB = 1024 ** 3;

let Store;
try {
  ({ Store } = require(join(here, '..', 'lib', 'store')));
} catch (err) {
  process.stderr.write(
    `seed-usage: cannot load the compiled store (${err.message}); run \`npx tsc -b\` in packages/backend first\n`
  );
  process.exit(1);
}

/** A repeatable wobble in [0, 1): the same history on every run. */
const wobble = t => {
  const x = Math.sin(t / 997_331) * 43758.5453;
  return x - Math.floor(x);
};

/** Local midnight `daysAgo` days before now's day. */
const midnight = daysAgo => {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  d.setDate(d.getDate() - daysAgo);
  return d.getTime();
};

/** The latest daily check at or before now: today at checkHour, else yesterday's. */
const latestCheck = (() => {
  const d = new Date(now);
  d.setHours(checkHour, 0, 0, 0);
  if (d.getTime() > now) {
    d.setDate(d.getDate() - 1);
  }
  return d.getTime();
})();
/** From here on the server has been idle: the 24 h before the last two checks. */
const idleSince = latestCheck - 2 * DAY;

const gapFrom = midnight(42);
const gapTo = midnight(39);
const gpuFrom = midnight(6);
const gpuTo = midnight(3);

const localDay = t => {
  const d = new Date(t);
  const pad = n => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
};

/** Mean CPU (cores) of the 5 minutes starting at t. */
function cpuAt(t) {
  if (t >= idleSince) {
    return 0.01 + 0.03 * wobble(t); // below the 0.1 CPU threshold everywhere
  }
  const hour = new Date(t).getHours();
  const working = hour >= 9 && hour < 18;
  return working ? cpuLimit * (0.35 + 0.5 * wobble(t)) : 0.02 + 0.06 * wobble(t);
}

function memAt(t) {
  return Math.round((0.8 + 0.6 * wobble(t + 7)) * GiB);
}

const store = new Store({ path: dbPath });
const db = store.db;

const insertRollup = db.prepare(`
  INSERT OR REPLACE INTO usage_rollup (bucket, n, cpu_sum, cpu_max, cpu_limit, mem_sum, mem_max,
    mem_limit, gpu_n, gpu_sum, gpu_max, gpumem_sum, gpumem_total, gpu_count, gpu_model)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
const insertSample = db.prepare(`
  INSERT OR REPLACE INTO usage_sample (ts, cpu_used, cpu_limit, mem_used, mem_limit, gpu_util, gpu_mem)
  VALUES (?, ?, ?, ?, ?, NULL, NULL)`);
const insertCheck = db.prepare(`
  INSERT OR REPLACE INTO idle_check (day, checked_at, resource, busiest, idle, idle_days)
  VALUES (?, ?, 'cpu', ?, ?, ?)`);

const counts = { rollups: 0, samples: 0, checks: 0 };
db.transaction(() => {
  const first = midnight(89);
  // The current bucket is the sampler's: stop before it.
  const last = now - (now % BUCKET) - BUCKET;
  for (let t = first; t <= last; t += BUCKET) {
    if (t >= gapFrom && t < gapTo) {
      continue; // the server was stopped: no rows is a gap
    }
    const cpu = cpuAt(t);
    const mem = memAt(t);
    const hour = new Date(t).getHours();
    const gpu = t >= gpuFrom && t < gpuTo && hour >= 9 && hour < 17;
    const util = gpu ? 0.3 + 0.5 * wobble(t + 3) : 0;
    insertRollup.run(
      t,
      PER_BUCKET,
      cpu * PER_BUCKET,
      Math.min(cpuLimit * 1.2, cpu * 1.6),
      cpuLimit,
      mem * PER_BUCKET,
      Math.round(mem * 1.1),
      memLimit,
      gpu ? PER_BUCKET : 0,
      util * PER_BUCKET,
      gpu ? Math.min(1, util * 1.4) : 0,
      gpu ? (14 + 12 * wobble(t + 5)) * GiB * PER_BUCKET : 0,
      gpu ? 48 * GiB : 0,
      gpu ? 1 : 0,
      gpu ? 'NVIDIA A40' : null
    );
    counts.rollups++;
  }

  for (let t = now - DAY - (now % sampleMs); t < now - sampleMs; t += sampleMs) {
    insertSample.run(t, cpuAt(t - (t % BUCKET)), cpuLimit, memAt(t - (t % BUCKET)), memLimit);
    counts.samples++;
  }

  // Two busy days, then two idle ones: the counter stands at 2 of 4.
  const checks = [
    { at: latestCheck - 3 * DAY, busiest: cpuLimit * 0.85, idle: 0, days: 0 },
    { at: latestCheck - 2 * DAY, busiest: cpuLimit * 0.8, idle: 0, days: 0 },
    { at: latestCheck - DAY, busiest: 0.04, idle: 1, days: 1 },
    { at: latestCheck, busiest: 0.04, idle: 1, days: 2 }
  ];
  for (const c of checks) {
    insertCheck.run(localDay(c.at), c.at, c.busiest, c.idle, c.days);
    counts.checks++;
  }
})();
store.close();

process.stdout.write(
  `seed-usage: ${dbPath}: ${counts.rollups} rollups (90 days, gap ${localDay(gapFrom)} to ${localDay(gapTo - DAY)}), ` +
    `${counts.samples} samples (24 h every ${sampleMs / 1000} s), ${counts.checks} idle checks (2 of 4 idle days at ${new Date(latestCheck).toISOString()})\n`
);
