// Runs every suite in turn and ends with one line, "N passed, N failed",
// summing them all. A suite fails when it crashes before reporting, when none of its tests
// passed (all skipped, or none found), when it skips more tests than it declares
// (`expectedSkips`, 0 for every built-in suite: a skipped attack or GPU test proves nothing),
// when a spec file under its `scan` directory focuses tests (`.only`: the others
// would silently not run), or when it outlives its timeout (its whole process group is killed).
// HOTSTEPPER_TEST_SUITES names a JSON file of suites to run instead (the runner's own tests;
// a suite there scans its cwd unless it gives `scan`, a directory, or null for none).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const out = join(root, '.test-artifacts');
mkdirSync(out, { recursive: true });

const jestCount = r => ({
  passed: r.numPassedTests,
  failed: r.numFailedTests + r.numRuntimeErrorTestSuites,
  skipped: r.numPendingTests + (r.numTodoTests ?? 0)
});

// `scan`: the directory whose spec files the suite runs, searched for focused tests first.
const jest = (name, dir, config = [], scan = dir) => ({
  name,
  cwd: join(root, dir),
  scan: join(root, scan),
  cmd: ['npx', 'jest', ...config, '--json', `--outputFile=${join(out, `${name}.json`)}`],
  report: join(out, `${name}.json`),
  count: jestCount
});

const builtin = [
  jest('backend-unit', 'packages/backend', [], 'packages/backend/test'),
  jest('core-unit', 'packages/core'),
  jest('usage-unit', 'packages/usage'),
  jest('jobs-unit', 'packages/jobs'),
  jest('flare-unit', 'packages/flare'),
  jest('storage-unit', 'packages/storage'),
  jest(
    'integration',
    'packages/backend',
    ['-c', 'jest.integration.config.js', '--runInBand'],
    'packages/backend/integration'
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
    count: r => ({ passed: r.passed, failed: r.failed, skipped: r.skipped })
  },
  {
    name: 'ui (galata)',
    cwd: join(root, 'ui-tests'),
    scan: join(root, 'ui-tests'),
    cmd: ['npx', 'playwright', 'test', '--forbid-only'],
    report: join(root, 'ui-tests', 'test-results', 'results.json'),
    count: r => ({
      passed: r.stats.expected + r.stats.flaky,
      failed: r.stats.unexpected,
      skipped: r.stats.skipped
    })
  }
];

const suites = process.env.HOTSTEPPER_TEST_SUITES
  ? JSON.parse(readFileSync(process.env.HOTSTEPPER_TEST_SUITES, 'utf8')).map(s => ({
      ...s,
      scan: s.scan === undefined ? s.cwd : s.scan,
      count: jestCount
    }))
  : builtin;

const SUITE_TIMEOUT_MS = Number(process.env.HOTSTEPPER_SUITE_TIMEOUT_MS || 25 * 60_000);

const SKIP_DIRS = new Set(['node_modules', 'lib', 'labextension', 'test-results', '.venv']);
const SPEC = /\.(spec|test)\.[cm]?[jt]sx?$/;
// it.only, test.only, describe.only, test.describe.only, and jest's fit / fdescribe.
const FOCUS = /\b(?:(?:it|test|describe)(?:\.describe)?\.only|fit|fdescribe)\s*(?:\(|\.each)/;

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

/** The process group of the suite running now: it is not in our terminal's group. */
let running;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    try {
      process.kill(-running, 'SIGKILL');
    } catch {
      // None running.
    }
    process.exit(130);
  });
}

/** Runs the suite in its own process group; on timeout the whole group is killed. */
function run(suite) {
  return new Promise(resolvePromise => {
    const child = spawn(suite.cmd[0], suite.cmd.slice(1), {
      cwd: suite.cwd,
      stdio: 'inherit',
      // An empty CI= would let Playwright reuse a server someone else runs on its port.
      env: { ...process.env, CI: process.env.CI || '1', FORCE_COLOR: '0' },
      detached: true
    });
    running = child.pid;
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
    child.on('error', () => {
      clearTimeout(timer);
      resolvePromise({ status: 127, timedOut });
    });
    child.on('exit', code => {
      clearTimeout(timer);
      // Whatever the runner left behind (workers, servers) goes with it.
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Nothing left.
      }
      resolvePromise({ status: code ?? 1, timedOut });
    });
  });
}

const SUITE_TIMEOUT_TEXT =
  SUITE_TIMEOUT_MS >= 60_000 ? `${SUITE_TIMEOUT_MS / 60_000} min` : `${SUITE_TIMEOUT_MS} ms`;
const only = process.argv.slice(2);
const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
for (const suite of suites.filter(s => !only.length || only.some(o => s.name.startsWith(o)))) {
  process.stderr.write(`\n=== ${suite.name} ===\n`);
  let counts;
  let why = '';
  const focused = suite.scan ? focusedTests(suite.scan) : [];
  if (focused.length) {
    process.stderr.write(`focused tests (remove .only):\n  ${focused.join('\n  ')}\n`);
    counts = { passed: 0, failed: focused.length, skipped: 0 };
    why = ' (focused tests)';
  } else {
    rmSync(suite.report, { force: true });
    const { status, timedOut } = await run(suite);
    if (timedOut) {
      process.stderr.write(`\n${suite.name}: still running after ${SUITE_TIMEOUT_TEXT}: stopped\n`);
      why = ' (timed out)';
    }
    if (existsSync(suite.report)) {
      counts = suite.count(JSON.parse(readFileSync(suite.report, 'utf8')));
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
  for (const key of Object.keys(totals)) {
    totals[key] += counts[key];
  }
  lines.push(
    `${suite.name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped${why}`
  );
}
process.stdout.write(`\n${lines.join('\n')}\n`);
process.stdout.write(
  `${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}\n`
);
process.exit(totals.failed > 0 || totals.passed === 0 ? 1 : 0);
