// Runs every suite and ends with one line, "N passed, N failed", summing them all. Suites
// of one `lane` run one after another, the lanes side by side: the unit suites, the ones that
// start a real Jupyter server and Chromium (each needs most of the two cores: one at a time), and
// python (mostly pip installing the wheel into a fresh venv: disk, not CPU). Each suite's output
// is kept in .test-artifacts/<suite>.log and printed when it ends. The ten slowest tests and each
// suite's time close the run.
// A suite fails when it crashes before reporting, when none of its tests passed (all skipped,
// or none found), when it skips more tests than it declares (`expectedSkips`, 0 for every
// built-in suite: a skipped attack or GPU test proves nothing), when a spec file under its `scan`
// directory focuses tests (`.only`: the others would silently not run), or when it outlives its
// timeout (its whole process group is killed).
// HOTSTEPPER_TEST_SUITES names a JSON file of suites to run instead (the runner's own tests;
// a suite there scans its cwd unless it gives `scan`, a directory, or null for none).
import { spawn } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
// The runner's own tests (HOTSTEPPER_TEST_SUITES) keep their suites' logs beside their suites.
const out = process.env.HOTSTEPPER_TEST_SUITES
  ? dirname(resolve(process.env.HOTSTEPPER_TEST_SUITES))
  : join(root, '.test-artifacts');
mkdirSync(out, { recursive: true });

const jestCount = r => ({
  passed: r.numPassedTests,
  failed: r.numFailedTests + r.numRuntimeErrorTestSuites,
  skipped: r.numPendingTests + (r.numTodoTests ?? 0)
});

/** [ms, file › title] of every test in a jest JSON report. */
const jestTimes = r =>
  (r.testResults ?? []).flatMap(file =>
    (file.assertionResults ?? []).map(t => [
      t.duration ?? 0,
      `${relative(root, file.name)} › ${t.fullName ?? t.title}`
    ])
  );

/** The same from Playwright's JSON report (suites nest; a test has one result per retry). */
const playwrightTimes = r => {
  const found = [];
  const walk = suite => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        const ms = (t.results ?? []).reduce((sum, res) => sum + (res.duration ?? 0), 0);
        found.push([ms, `ui-tests/tests/${spec.file} › ${spec.title}`]);
      }
    }
    (suite.suites ?? []).forEach(walk);
  };
  (r.suites ?? []).forEach(walk);
  return found;
};

// `scan`: the directory whose spec files the suite runs, searched for focused tests first.
const jest = (name, dir, config = [], scan = dir) => ({
  name,
  cwd: join(root, dir),
  scan: join(root, scan),
  cmd: ['npx', 'jest', ...config, '--json', `--outputFile=${join(out, `${name}.json`)}`],
  report: join(out, `${name}.json`),
  count: jestCount,
  times: jestTimes,
  lane: 'units'
});

/** The suites that start a real Jupyter server (and Chromium) take one lane, one at a time. */
const servers = suite => ({ ...suite, lane: 'servers' });

// Every suite of the project. A suite without a lane runs in 'units'; one that starts a Jupyter
// server or Chromium goes through servers().
const builtin = [
  jest('backend-unit', 'packages/backend', [], 'packages/backend/test'),
  jest('core-unit', 'packages/core'),
  jest('usage-unit', 'packages/usage'),
  jest('jobs-unit', 'packages/jobs'),
  jest('flare-unit', 'packages/flare'),
  jest('welcome-unit', 'packages/welcome'),
  jest('storage-unit', 'packages/storage'),
  jest('apps-unit', 'packages/apps'),
  jest('course-unit', 'packages/course'),
  servers(
    jest(
      'integration',
      'packages/backend',
      ['-c', 'jest.integration.config.js', '--runInBand'],
      'packages/backend/integration'
    )
  ),
  {
    name: 'python',
    cwd: root,
    // pytest has no focus of its own (no plugin for one is installed): nothing to scan.
    scan: null,
    cmd: [
      join(root, '.venv', 'bin', 'python'),
      '-m',
      'pytest',
      'hotstepper/tests',
      '-q',
      `--counts-json=${join(out, 'python.json')}`
    ],
    report: join(out, 'python.json'),
    count: r => ({ passed: r.passed, failed: r.failed, skipped: r.skipped }),
    times: r => (r.tests ?? []).map(t => [t.duration * 1000, t.name]),
    lane: 'python'
  },
  // A real JupyterHub with two Unix users (root only), each server from the installed wheel: like
  // the python suite's wheel test it waits on pip and server starts more than on the CPU, so it
  // follows it in that lane.
  {
    ...jest(
      'multi-user (hub)',
      'packages/backend',
      ['-c', 'jest.multiuser.config.js', '--runInBand'],
      'packages/backend/multiuser'
    ),
    lane: 'python'
  },
  {
    name: 'ui (galata)',
    lane: 'servers',
    cwd: join(root, 'ui-tests'),
    scan: join(root, 'ui-tests'),
    cmd: ['npx', 'playwright', 'test', '--forbid-only'],
    report: join(root, 'ui-tests', 'test-results', 'results.json'),
    count: r => ({
      passed: r.stats.expected + r.stats.flaky,
      failed: r.stats.unexpected,
      skipped: r.stats.skipped
    }),
    times: playwrightTimes
  }
];

const suites = process.env.HOTSTEPPER_TEST_SUITES
  ? JSON.parse(readFileSync(process.env.HOTSTEPPER_TEST_SUITES, 'utf8')).map(s => ({
      ...s,
      scan: s.scan === undefined ? s.cwd : s.scan,
      count: jestCount,
      times: jestTimes
    }))
  : builtin.map(suite => ({ lane: 'units', ...suite }));

const SUITE_TIMEOUT_MS = Number(process.env.HOTSTEPPER_SUITE_TIMEOUT_MS || 25 * 60_000);

const SKIP_DIRS = new Set(['node_modules', 'lib', 'labextension', 'test-results', '.venv']);
const SPEC = /\.(spec|test)\.[cm]?[jt]sx?$/;
// it.only, test.only, describe.only, test.describe.only, and jest's fit / fdescribe.
// A method of that name (`model.fit(`) is not jest's fit.
const FOCUS =
  /(?<![.\w])(?:(?:it|test|describe)(?:\.describe)?\.only|fit|fdescribe)\s*(?:\(|\.each)/;

/** `file:line: text` for every focused test in the spec files under `dir`. */
function focusedTests(dir) {
  const found = [];
  const walk = d => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.isDirectory() && !SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.')) {
        walk(join(d, entry.name));
      } else if (entry.isFile() && SPEC.test(entry.name)) {
        const file = join(d, entry.name);
        readFileSync(file, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (FOCUS.test(line)) {
              found.push(`${relative(root, file)}:${i + 1}: ${line.trim()}`);
            }
          });
      }
    }
  };
  walk(dir);
  return found;
}

/** The process groups of the suites running now: they are not in our terminal's group. */
const running = new Set();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const pid of running) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    process.exit(130);
  });
}

/**
 * Runs the suite in its own process group, its output into `log`; on timeout the whole group is
 * killed.
 */
function run(suite, log) {
  return new Promise(resolvePromise => {
    const output = createWriteStream(log);
    const child = spawn(suite.cmd[0], suite.cmd.slice(1), {
      cwd: suite.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      // An empty CI= would let Playwright reuse a server someone else runs on its port.
      env: { ...process.env, CI: process.env.CI || '1', FORCE_COLOR: '0' },
      detached: true
    });
    child.stdout.pipe(output, { end: false });
    child.stderr.pipe(output, { end: false });
    running.add(child.pid);
    let timedOut = false;
    // A runner kept alive by a leaked handle must fail the run, not hang it.
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, SUITE_TIMEOUT_MS);
    const done = status => {
      clearTimeout(timer);
      running.delete(child.pid);
      output.end(() => resolvePromise({ status, timedOut }));
    };
    child.on('error', () => done(127));
    // 'close': the suite's output is all in the log (its pipes are closed).
    child.on('close', code => {
      // Whatever the runner left behind (workers, servers) goes with it.
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Nothing left.
      }
      done(code ?? 1);
    });
  });
}

const SUITE_TIMEOUT_TEXT =
  SUITE_TIMEOUT_MS >= 60_000 ? `${SUITE_TIMEOUT_MS / 60_000} min` : `${SUITE_TIMEOUT_MS} ms`;
const only = process.argv.slice(2);
const chosen = suites.filter(s => !only.length || only.some(o => s.name.startsWith(o)));
const started = performance.now();
const seconds = ms => `${(ms / 1000).toFixed(1)} s`;

/** Runs one suite and says what it counts: { counts, why, ms, times }. */
async function runSuite(suite) {
  const t0 = performance.now();
  let counts;
  let why = '';
  let times = [];
  const focused = suite.scan ? focusedTests(suite.scan) : [];
  const log = join(out, `${suite.name.replace(/[^\w.-]+/g, '-')}.log`);
  process.stderr.write(`=== ${suite.name}: started ===\n`);
  if (focused.length) {
    process.stderr.write(`focused tests (remove .only):\n  ${focused.join('\n  ')}\n`);
    counts = { passed: 0, failed: focused.length, skipped: 0 };
    why = ' (focused tests)';
  } else {
    rmSync(suite.report, { force: true });
    const { status, timedOut } = await run(suite, log);
    // The whole output at once, not interleaved with the suite beside it.
    process.stderr.write(
      `\n=== ${suite.name}: ended after ${seconds(performance.now() - t0)} ===\n` +
        `${readFileSync(log, 'utf8')}\n`
    );
    if (timedOut) {
      process.stderr.write(`\n${suite.name}: still running after ${SUITE_TIMEOUT_TEXT}: stopped\n`);
      why = ' (timed out)';
    }
    if (existsSync(suite.report)) {
      const report = JSON.parse(readFileSync(suite.report, 'utf8'));
      counts = suite.count(report);
      times = suite.times?.(report) ?? [];
      // A runner that exits non-zero with no failed test still failed (e.g. a crashed global setup).
      if ((status !== 0 || timedOut) && counts.failed === 0) {
        counts.failed = 1;
      }
      // A suite where nothing ran proves nothing: every test skipped, or none found.
      if (counts.passed === 0 && counts.failed === 0) {
        counts.failed = 1;
        why = ' (no test passed: all skipped or none found)';
      } else if (counts.skipped > (suite.expectedSkips ?? 0)) {
        // A skip nobody declared hides what did not run (e.g. the second-user attacks when not root).
        counts.failed += 1;
        why = ` (${counts.skipped} skipped, ${suite.expectedSkips ?? 0} declared as expected)`;
      }
    } else {
      counts = { passed: 0, failed: 1, skipped: 0 };
      why ||= ' (no report)';
    }
  }
  return {
    counts,
    why,
    ms: performance.now() - t0,
    times: times.map(([ms, what]) => [ms, suite.name, what])
  };
}

// One chain per lane; the lanes side by side.
const results = new Map();
const lanes = new Map();
for (const suite of chosen) {
  lanes.set(suite.lane ?? 'main', [...(lanes.get(suite.lane ?? 'main') ?? []), suite]);
}
await Promise.all(
  [...lanes.values()].map(async lane => {
    for (const suite of lane) {
      results.set(suite, await runSuite(suite));
    }
  })
);

const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
for (const suite of chosen) {
  const { counts, why } = results.get(suite);
  for (const key of Object.keys(totals)) {
    totals[key] += counts[key];
  }
  lines.push(
    `${suite.name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped${why}`
  );
}
const slowest = chosen
  .flatMap(s => results.get(s).times)
  .sort((a, b) => b[0] - a[0])
  .slice(0, 10);
if (slowest.length) {
  process.stdout.write(
    `\nThe ten slowest tests:\n${slowest.map(([ms, name, what]) => `  ${seconds(ms).padStart(8)}  ${name}: ${what}`).join('\n')}\n`
  );
}
process.stdout.write(
  `\nTime per suite (lanes side by side, ${seconds(performance.now() - started)} in all): ` +
    `${chosen.map(s => `${s.name} ${seconds(results.get(s).ms)} [${s.lane ?? 'main'}]`).join(', ')}\n`
);
process.stdout.write(`\n${lines.join('\n')}\n`);
process.stdout.write(
  `${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}\n`
);
process.exit(totals.failed > 0 || totals.passed === 0 ? 1 : 0);
