/**
 * scripts/test.mjs, the runner of every suite, on small suites of its own: what it must
 * count as a failure, and what it must leave behind (nothing).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isRunning } from '../integration/jupyter';

const RUNNER = join(resolve(__dirname, '..', '..', '..'), 'scripts', 'test.mjs');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hotstepper-runner-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface Counts {
  passed?: number;
  failed?: number;
  skipped?: number;
}

/** A suite whose command writes a jest report with these counts (CI=1 seen or not, by `ci`). */
function suite(
  name: string,
  counts: Counts | 'by-ci',
  extra: { cwd?: string; cmd?: string[] } = {}
) {
  const report = join(dir, `${name}.json`);
  const write =
    counts === 'by-ci'
      ? `const ok = process.env.CI === '1'; const c = { passed: ok ? 1 : 0, failed: ok ? 0 : 1 };`
      : `const c = ${JSON.stringify(counts)};`;
  const script =
    `${write} require('fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify({` +
    ` numPassedTests: c.passed ?? 0, numFailedTests: c.failed ?? 0,` +
    ` numRuntimeErrorTestSuites: 0, numPendingTests: c.skipped ?? 0 }));`;
  return {
    name,
    cwd: extra.cwd ?? dir,
    cmd: extra.cmd ?? [process.execPath, '-e', script],
    report
  };
}

function runRunner(suites: object[], env: Record<string, string> = {}) {
  const file = join(dir, 'suites.json');
  writeFileSync(file, JSON.stringify(suites));
  const res = spawnSync(process.execPath, [RUNNER], {
    env: { ...process.env, HOTSTEPPER_TEST_SUITES: file, ...env },
    encoding: 'utf8',
    timeout: 60_000
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

it('passes a suite whose tests pass', () => {
  const res = runRunner([suite('fine', { passed: 3 })]);
  expect(res.stdout).toContain('fine: 3 passed, 0 failed, 0 skipped\n');
  expect(res.status).toBe(0);
});

it('fails a suite that skips a test nobody declared, and passes one whose skip is declared', () => {
  const res = runRunner([suite('stray', { passed: 3, skipped: 1 })]);
  expect(res.stdout).toContain('stray: 3 passed, 1 failed, 1 skipped (1 skipped, 0 declared');
  expect(res.status).toBe(1);
  const declared = runRunner([{ ...suite('gpu', { passed: 3, skipped: 1 }), expectedSkips: 1 }]);
  expect(declared.stdout).toContain('gpu: 3 passed, 0 failed, 1 skipped\n');
  expect(declared.status).toBe(0);
});

it('fails a suite where every test was skipped', () => {
  const res = runRunner([suite('fine', { passed: 3 }), suite('skipped', { skipped: 4 })]);
  expect(res.stdout).toContain('skipped: 0 passed, 1 failed, 4 skipped (no test passed');
  expect(res.status).toBe(1);
});

// Written with "~" for ".only" and "^it" for jest's focused "it", so this file focuses nothing.
it.each([
  ['it', "it~('runs alone', () => {});"],
  ['describe', "describe~('runs alone', () => {});"],
  ['test.describe', "test.describe~('runs alone', () => {});"],
  ['fit', "^it('runs alone', () => {});"],
  ['it with each', "it~.each([1])('runs alone %p', () => {});"]
])('fails a suite whose spec files focus tests (%s), without running it', (_what, focus) => {
  const line = focus.replace('~', '.only').replace('^', 'f');
  const cwd = join(dir, 'pkg');
  mkdirSync(join(cwd, 'test'), { recursive: true });
  writeFileSync(join(cwd, 'test', 'a.spec.ts'), `it('x', () => {});\n${line}\n`);
  const res = runRunner([suite('focused', { passed: 5 }, { cwd })]);
  expect(res.stderr).toMatch(/focused tests.*\n.*test\/a\.spec\.ts:2: /);
  expect(res.stdout).toContain('focused: 0 passed, 1 failed, 0 skipped (focused tests)');
  expect(res.status).toBe(1);
});

it("scans only the suite's own directory for focused tests", () => {
  const cwd = join(dir, 'pkg');
  mkdirSync(join(cwd, 'other'), { recursive: true });
  mkdirSync(join(cwd, 'mine'), { recursive: true });
  const focus = "it~('elsewhere', () => {});\n".replace('~', '.only');
  writeFileSync(join(cwd, 'other', 'a.spec.ts'), focus);
  writeFileSync(join(cwd, 'mine', 'b.spec.ts'), "it('x', () => {});\n");
  const res = runRunner([
    { ...suite('mine', { passed: 1 }, { cwd }), scan: join(cwd, 'mine') },
    { ...suite('none', { passed: 1 }, { cwd }), scan: null },
    suite('all', { passed: 1 }, { cwd })
  ]);
  expect(res.stdout).toContain('mine: 1 passed, 0 failed, 0 skipped\n');
  expect(res.stdout).toContain('none: 1 passed, 0 failed, 0 skipped\n');
  expect(res.stdout).toContain('all: 0 passed, 1 failed, 0 skipped (focused tests)');
});

it('does not mistake a word ending in "it", a method named fit or an "only" in a string for a focus', () => {
  const cwd = join(dir, 'pkg');
  mkdirSync(cwd, { recursive: true });
  writeFileSync(
    join(cwd, 'a.spec.ts'),
    "submit('x');\nmodel.fit(data);\nit('runs only once', () => {});\n"
  );
  const res = runRunner([suite('plain', { passed: 1 }, { cwd })]);
  expect(res.status).toBe(0);
});

it('kills the whole process group of a suite that outlives its timeout', () => {
  const pids = join(dir, 'pids');
  // A runner (sh) with a child of its own (sleep), both hanging.
  const cmd = ['sh', '-c', `sleep 300 & echo $! > ${pids}; sleep 300`];
  const started = Date.now();
  const res = runRunner([suite('hangs', { passed: 1 }, { cmd })], {
    HOTSTEPPER_SUITE_TIMEOUT_MS: '1500'
  });
  expect(Date.now() - started).toBeLessThan(30_000);
  expect(res.stderr).toContain('hangs: still running after 1500 ms: stopped');
  expect(res.status).toBe(1);
  const child = Number(readFileSync(pids, 'utf8'));
  expect(child).toBeGreaterThan(0);
  expect(isRunning(child)).toBe(false);
});

it.each([
  ['empty', ''],
  ['unset', undefined]
])('runs the suites with CI=1 when CI is %s', (_what, ci) => {
  const env: Record<string, string> = {};
  if (ci !== undefined) {
    env.CI = ci;
  }
  const saved = process.env.CI;
  delete process.env.CI;
  try {
    const res = runRunner([suite('ci', 'by-ci')], env);
    expect(res.stdout).toContain('ci: 1 passed, 0 failed');
    expect(res.status).toBe(0);
  } finally {
    if (saved !== undefined) {
      process.env.CI = saved;
    }
  }
});

/** A suite that waits until `waitFor` exists (if given), then writes `mark`, then its report. */
function handshake(name: string, lane: string, mark: string, waitFor?: string) {
  const report = join(dir, `${name}.json`);
  const script =
    `const fs = require('fs');` +
    `fs.writeFileSync(${JSON.stringify(mark)}, '');` +
    `const ok = () => fs.writeFileSync(${JSON.stringify(report)}, JSON.stringify({` +
    ` numPassedTests: 1, numFailedTests: 0, numRuntimeErrorTestSuites: 0, numPendingTests: 0 }));` +
    (waitFor
      ? `const t = setInterval(() => { if (fs.existsSync(${JSON.stringify(waitFor)})) { clearInterval(t); ok(); } }, 20);`
      : 'ok();');
  return { name, lane, cwd: dir, scan: null, cmd: [process.execPath, '-e', script], report };
}

it('runs the suites of different lanes side by side', () => {
  // Each waits for the other's mark: run one after the other, the first would never end.
  const a = join(dir, 'a-started');
  const b = join(dir, 'b-started');
  const res = runRunner([handshake('a', 'one', a, b), handshake('b', 'two', b, a)], {
    HOTSTEPPER_SUITE_TIMEOUT_MS: '20000'
  });
  expect(res.stdout).toContain('a: 1 passed, 0 failed, 0 skipped\n');
  expect(res.stdout).toContain('b: 1 passed, 0 failed, 0 skipped\n');
  expect(res.stdout).toMatch(/\n2 passed, 0 failed\n$/);
  expect(res.status).toBe(0);
});

it('runs the suites of one lane one after another, in their order', () => {
  const first = handshake('first', 'one', join(dir, 'first-started'));
  const after = handshake('second', 'one', join(dir, 'second-started'));
  // Fails unless the first suite had ended (its report written) before this one started.
  const second = {
    ...after,
    cmd: [
      process.execPath,
      '-e',
      `if (!require('fs').existsSync(${JSON.stringify(first.report)})) process.exit(3); ${after.cmd[2]}`
    ]
  };
  const res = runRunner([first, second]);
  expect(res.stdout).toContain('second: 1 passed, 0 failed, 0 skipped\n');
  expect(res.status).toBe(0);
});

it('keeps each suite output whole and lists the slowest tests at the end', () => {
  const report = join(dir, 'timed.json');
  const results = {
    numPassedTests: 3,
    numFailedTests: 0,
    numRuntimeErrorTestSuites: 0,
    numPendingTests: 0,
    testResults: [
      {
        name: join(dir, 'x.spec.ts'),
        assertionResults: [
          { fullName: 'quick', duration: 5 },
          { fullName: 'slow one', duration: 90_000 },
          { fullName: 'middle', duration: 1_500 }
        ]
      }
    ]
  };
  const script =
    `console.log('line one of timed'); console.error('line two of timed');` +
    `require('fs').writeFileSync(${JSON.stringify(report)}, ${JSON.stringify(JSON.stringify(results))});`;
  const res = runRunner([
    { name: 'timed', cwd: dir, scan: null, cmd: [process.execPath, '-e', script], report }
  ]);
  expect(res.stderr).toMatch(
    /=== timed: ended after [\d.]+ s ===\nline one of timed\nline two of timed\n/
  );
  const slowest = res.stdout.slice(res.stdout.indexOf('The ten slowest tests:'));
  expect(slowest).toMatch(
    /90\.0 s {2}timed: .*x\.spec\.ts › slow one\n +1\.5 s {2}timed: .*x\.spec\.ts › middle\n/
  );
  expect(res.status).toBe(0);
});
