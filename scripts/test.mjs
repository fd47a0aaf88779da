// Runs every suite in turn and ends with one line, "N passed, N failed",
// summing them all. A suite that crashes before reporting counts as a failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const out = join(root, '.test-artifacts');
mkdirSync(out, { recursive: true });

const jest = (name, dir, config = []) => ({
  name,
  cwd: join(root, dir),
  cmd: ['npx', 'jest', ...config, '--json', `--outputFile=${join(out, `${name}.json`)}`],
  report: join(out, `${name}.json`),
  count: r => ({
    passed: r.numPassedTests,
    failed: r.numFailedTests + r.numRuntimeErrorTestSuites,
    skipped: r.numPendingTests
  })
});

const suites = [
  jest('backend-unit', 'packages/backend'),
  jest('core-unit', 'packages/core'),
  jest('usage-unit', 'packages/usage'),
  jest('jobs-unit', 'packages/jobs'),
  jest('flare-unit', 'packages/flare'),
  jest('integration', 'packages/backend', ['-c', 'jest.integration.config.js', '--runInBand']),
  {
    name: 'python',
    cwd: root,
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
    cmd: ['npx', 'playwright', 'test'],
    report: join(root, 'ui-tests', 'test-results', 'results.json'),
    count: r => ({
      passed: r.stats.expected + r.stats.flaky,
      failed: r.stats.unexpected,
      skipped: r.stats.skipped
    })
  }
];

const SUITE_TIMEOUT_MS = 25 * 60_000;
const only = process.argv.slice(2);
const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
for (const suite of suites.filter(s => !only.length || only.some(o => s.name.startsWith(o)))) {
  rmSync(suite.report, { force: true });
  process.stderr.write(`\n=== ${suite.name} ===\n`);
  const run = spawnSync(suite.cmd[0], suite.cmd.slice(1), {
    cwd: suite.cwd,
    stdio: 'inherit',
    env: { ...process.env, CI: process.env.CI ?? '1', FORCE_COLOR: '0' },
    // A runner kept alive by a leaked handle must fail the run, not hang it.
    timeout: SUITE_TIMEOUT_MS,
    killSignal: 'SIGKILL'
  });
  if (run.error?.code === 'ETIMEDOUT') {
    process.stderr.write(
      `\n${suite.name}: still running after ${SUITE_TIMEOUT_MS / 60_000} min: stopped\n`
    );
  }
  let counts;
  if (existsSync(suite.report)) {
    counts = suite.count(JSON.parse(readFileSync(suite.report, 'utf8')));
    // A runner that exits non-zero with no failed test still failed (e.g. a crashed global setup).
    if (run.status !== 0 && counts.failed === 0) {
      counts.failed = 1;
    }
  } else {
    counts = { passed: 0, failed: 1, skipped: 0 };
  }
  for (const key of Object.keys(totals)) {
    totals[key] += counts[key];
  }
  lines.push(
    `${suite.name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`
  );
}
process.stdout.write(`\n${lines.join('\n')}\n`);
process.stdout.write(
  `${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}\n`
);
process.exit(totals.failed > 0 || totals.passed === 0 ? 1 : 0);
