// The welcome-back summary over a busy journal: 100,000 entries in 30 days (cells that ran,
// with last lines and errors, and kernel, document and job events), then the summary of the
// last 8 hours, of a week and of all 30 days, as GET /activity computes it.
//
//   cd packages/backend && npx tsc -b && node bench/activity.bench.mjs
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { Store } = require('../lib/store');
const { ActivityJournal } = require('../lib/features/activity/journal');

const ENTRIES = Number(process.env.BENCH_ACTIVITY_ENTRIES ?? 100_000);
const RUNS = 50;
const DAY = 24 * 3600_000;
const NOW = Date.now();
const KINDS = [
  'kernel-started',
  'kernel-stopped',
  'document-opened',
  'document-saved',
  'job-finished'
];

const dir = mkdtempSync(join(tmpdir(), 'hotstepper-bench-activity-'));
const store = new Store({ path: join(dir, 'state.db') });
let now = NOW - 30 * DAY;
const journal = new ActivityJournal(store, {
  retentionDays: 30,
  streamLines: true,
  clock: () => now
});

const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const step = (30 * DAY) / ENTRIES;
const fillStart = performance.now();
store.db.transaction(() => {
  for (let i = 0; i < ENTRIES; i++) {
    now = NOW - 30 * DAY + Math.floor(i * step);
    if (i % 2 === 0) {
      // Half the entries are cells, each in one of 20 notebooks on 5 kernels.
      const kernelId = `k${i % 5}`;
      const msgId = `m${i}`;
      journal.cellStarted({ kernelId, msgId, path: `project/notebook-${i % 20}.ipynb`, count: i });
      journal.cellOutput(kernelId, msgId, `epoch ${i} accuracy 0.93\n`);
      if (i % 10 === 0) {
        journal.cellError(kernelId, msgId, 'ValueError');
      }
      now += Math.floor(step / 2);
      journal.cellEnded(kernelId, msgId, now);
    } else {
      journal.record({
        kind: KINDS[i % KINDS.length],
        name: `project/notebook-${i % 20}.ipynb`,
        ref: `r${i}`
      });
    }
  }
})();
const fillMs = performance.now() - fillStart;
now = NOW;

function measure(label, since) {
  const times = [];
  let summary;
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    summary = journal.summary({ since, until: NOW, watching: true });
    JSON.stringify(summary); // what the route sends
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const listed =
    summary.finished.length +
    summary.failed.length +
    summary.kernels.length +
    summary.documents.length +
    summary.jobs.length;
  console.log(
    `  ${label}: p50 ${pct(times, 50).toFixed(2)} ms, p99 ${pct(times, 99).toFixed(2)} ms (${listed} entries listed${summary.truncated ? ', lists cut at 200' : ''})`
  );
}

console.log(
  `Activity journal: ${ENTRIES} entries over 30 days written in ${(fillMs / 1000).toFixed(1)} s; state.db ${(statSync(join(dir, 'state.db')).size / 1024 ** 2).toFixed(1)} MiB; summary (${RUNS} runs each):`
);
measure('last 8 hours', NOW - 8 * 3600_000);
measure('last 7 days', NOW - 7 * DAY);
measure('all 30 days', NOW - 30 * DAY);
const pruneStart = performance.now();
now = NOW + DAY;
const pruned = journal.prune();
console.log(
  `  pruning a day past the retention: ${pruned} rows in ${(performance.now() - pruneStart).toFixed(1)} ms`
);
store.close();
rmSync(dir, { recursive: true, force: true });
