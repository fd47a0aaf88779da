/**
 * The watcher that stays with each local job, run as `node -e WRAPPER_SOURCE <logDir>`.
 *
 * Node rather than sh: it tells an exit code from a signal exactly (sh's `wait` folds both
 * into 128+n), holds the time limit and the SIGKILL grace with timers instead of sleeper
 * processes sharing the job's group, and writes JSON atomically. process.execPath is
 * always there. It costs one small Node process per running job.
 *
 * It runs in a session of its own (spawned detached), so neither the backend's death nor
 * jupyter-server-proxy killing the backend's process group reaches it, and starts the job
 * detached again: the job's process group is the job alone, and signalling it never kills
 * the watcher that must record the outcome.
 *
 * Files in <logDir>: `launch.json` (claimed as `launch.taken`, read, and deleted once the job has
 * started: it holds the environment), `pid`,
 * `exit`, and the markers `timed-out` (written here) and `cancelled` (by the runner).
 * A SIGTERM to the watcher means "cancel": TERM the job's group, KILL after the grace.
 */
export const WRAPPER_SOURCE = String.raw`'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const dir = process.argv[1];
const file = name => path.join(dir, name);
const writeAtomic = (name, value) => {
  const tmp = file('.' + name + '.' + process.pid + '.tmp');
  fs.writeFileSync(tmp, JSON.stringify(value) + '\n');
  fs.renameSync(tmp, file(name));
};
const startTime = pid => {
  try {
    const stat = fs.readFileSync('/proc/' + pid + '/stat', 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
};
// Claimed by a rename: a backend restarted after a crash voids an unclaimed launch the same
// way (LocalJobRunner.adopt), so exactly one of the two decides whether the job runs.
try {
  fs.renameSync(file('launch.json'), file('launch.taken'));
} catch {
  process.exit(0);
}
const spec = JSON.parse(fs.readFileSync(file('launch.taken'), 'utf8'));
const taken = () => fs.rmSync(file('launch.taken'), { force: true });
process.title = 'hotstepper-job ' + spec.id;
const grace = spec.graceMs;
let child;
let stopping;
const signalGroup = sig => {
  try {
    process.kill(-child.pid, sig);
  } catch {}
};
const stop = () => {
  if (stopping) return;
  stopping = true;
  signalGroup('SIGTERM');
  setTimeout(() => signalGroup('SIGKILL'), grace).unref();
};
const oomKilled = () => {
  if (!spec.cgroup) return false;
  try {
    const m = /^oom_kill (\d+)/m.exec(fs.readFileSync(path.join(spec.cgroup, 'memory.events'), 'utf8'));
    return !!m && Number(m[1]) > 0;
  } catch {
    return false;
  }
};
const removeCgroup = async () => {
  if (!spec.cgroup) return;
  try {
    fs.writeFileSync(path.join(spec.cgroup, 'cgroup.kill'), '1');
  } catch {}
  for (let i = 0; i < 50; i++) {
    try {
      fs.rmdirSync(spec.cgroup);
      return;
    } catch (err) {
      if (err.code === 'ENOENT') return;
      await new Promise(r => setTimeout(r, 100));
    }
  }
};
const groupAlive = () => {
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch {
    return false;
  }
};
process.on('SIGTERM', stop);
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
try {
  child = spawn(spec.argv[0], spec.argv.slice(1), {
    cwd: spec.cwd,
    env: spec.env,
    stdio: 'inherit',
    detached: true
  });
} catch (err) {
  child = undefined;
  writeAtomic('exit', { code: null, signal: null, error: err.message, finishedAt: Date.now() });
  taken();
  process.exit(0);
}
child.on('error', err => {
  writeAtomic('exit', { code: null, signal: null, error: err.message, finishedAt: Date.now() });
  taken();
  process.exit(0);
});
child.on('spawn', () => {
  writeAtomic('pid', {
    pid: child.pid,
    startTime: startTime(child.pid),
    watcherPid: process.pid,
    watcherStartTime: startTime(process.pid),
    startedAt: Date.now(),
    timeLimitSeconds: spec.timeLimitSeconds,
    memoryBytes: spec.memoryBytes,
    enforcement: spec.enforcement
  });
  taken();
  if (spec.timeLimitSeconds) {
    setTimeout(() => {
      writeAtomic('timed-out', { at: Date.now() });
      stop();
    }, spec.timeLimitSeconds * 1000).unref();
  }
});
child.on('exit', async (code, signal) => {
  writeAtomic('exit', { code, signal, oomKilled: oomKilled(), finishedAt: Date.now() });
  // What the job left running in its group goes with it, as a scheduler would do.
  if (groupAlive()) {
    signalGroup('SIGTERM');
    for (let waited = 0; groupAlive() && waited < grace; waited += 100) {
      await new Promise(r => setTimeout(r, 100));
    }
    signalGroup('SIGKILL');
  }
  await removeCgroup();
  process.exit(0);
});
`;
