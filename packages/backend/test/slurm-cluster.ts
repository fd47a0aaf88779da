import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fixture, sleep } from './helpers';

/**
 * A one-node Slurm cluster on loopback for tests: its own munged (private socket and key),
 * slurmctld and slurmd, all in one temp dir with free ports, from the Debian packages
 * slurm-wlm and munge. Every daemon is stopped by its pid in stop().
 */
export interface SlurmCluster {
  dir: string;
  /** The environment a Slurm client needs to reach this cluster (SLURM_CONF). */
  env: NodeJS.ProcessEnv;
  /** How long the daemons took until the node was idle, in ms. */
  startupMs: number;
  /** Restarts slurmctld; `forget` clears its saved state, as if every job had aged out. */
  restartController(forget: boolean): Promise<void>;
  /** Slurm's own state of a job ("COMPLETED"), straight from squeue. */
  jobState(id: string): Promise<string>;
  /** Every daemon's log, for a failure message. */
  logs(): string;
  stop(): Promise<void>;
}

const MUNGE_USER = 'munge';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(file, args, { env, timeout: 5000 }, (err, stdout, stderr) =>
      err
        ? reject(new Error(`${file} ${args.join(' ')}: ${stderr || err.message}`))
        : resolve(stdout)
    )
  );
}

/** Waits for a process to exit; SIGKILL after `ms`. */
async function stopProcess(child: ChildProcess, ms = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await exited;
  clearTimeout(timer);
}

/**
 * A slurmstepd outlives slurmd and ignores SIGTERM; ours are the processes that carry this
 * cluster's SLURM_CONF in their environment.
 */
function killStepDaemons(conf: string): void {
  const mark = Buffer.from(`\0SLURM_CONF=${conf}\0`);
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!pid || pid === process.pid) {
      continue;
    }
    try {
      const environ = Buffer.concat([Buffer.from('\0'), readFileSync(`/proc/${pid}/environ`)]);
      if (environ.includes(mark)) {
        process.kill(pid, 'SIGKILL');
      }
    } catch {
      // gone already, or not ours to read
    }
  }
}

export async function startSlurmCluster(): Promise<SlurmCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'hs-slurm-'));
  // munged insists that everyone may reach its socket's folder.
  chmodSync(dir, 0o755);
  for (const sub of ['state', 'spool', 'log']) {
    mkdirSync(join(dir, sub));
  }
  const conf = join(dir, 'slurm.conf');
  const env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: conf };
  const daemons: Record<string, ChildProcess> = {};
  const outputs: Record<string, string> = {};

  const logs = (): string => {
    const parts = Object.entries(outputs).map(([name, file]) => [name, file]);
    const logDir = join(dir, 'log');
    if (existsSync(logDir)) {
      for (const f of readdirSync(logDir)) {
        parts.push([f, join(logDir, f)]);
      }
    }
    return parts
      .map(([name, file]) => {
        const text = existsSync(file) ? readFileSync(file, 'utf8') : '(none)';
        return `--- ${name}\n${text.split('\n').slice(-30).join('\n')}`;
      })
      .join('\n');
  };

  const daemon = (name: string, file: string, args: string[], uid?: number, gid?: number) => {
    outputs[name] = join(dir, `${name}.out`);
    const fd = openSync(outputs[name], 'a');
    const child = spawn(file, args, { env, stdio: ['ignore', fd, fd], uid, gid });
    closeSync(fd);
    child.once('error', err => {
      writeFileSync(outputs[name], `cannot start ${file}: ${err.message}\n`, { flag: 'a' });
    });
    daemons[name] = child;
    return child;
  };

  const ended = (): string | undefined =>
    Object.entries(daemons).find(([, c]) => c.exitCode !== null || c.signalCode !== null)?.[0];

  const waitFor = async (what: string, ready: () => Promise<boolean>, ms = 20_000) => {
    const deadline = Date.now() + ms;
    while (!(await ready().catch(() => false))) {
      const dead = ended();
      if (dead || Date.now() > deadline) {
        throw new Error(
          `the test Slurm cluster did not start (${dead ? `${dead} exited` : `no ${what}`}):\n${logs()}`
        );
      }
      await sleep(100);
    }
  };

  const stop = async () => {
    // Jobs first, so no slurmstepd outlives the cluster.
    if (daemons.slurmctld?.exitCode === null) {
      await run('scancel', [`--user=${userInfo().username}`], env).catch(() => undefined);
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline) {
        const left = await run('squeue', ['--noheader'], env).catch(() => '');
        if (!left.trim()) {
          break;
        }
        await sleep(100);
      }
    }
    for (const name of ['slurmd', 'slurmctld', 'munged']) {
      if (daemons[name]) {
        await stopProcess(daemons[name]);
      }
    }
    killStepDaemons(conf);
    rmSync(dir, { recursive: true, force: true });
  };

  const startController = (forget: boolean) =>
    daemon('slurmctld', 'slurmctld', ['-D', ...(forget ? ['-c'] : []), '-f', conf]);

  const started = Date.now();
  try {
    const [uid, gid] = ['-u', '-g'].map(flag =>
      Number(execFileSync('id', [flag, MUNGE_USER], { encoding: 'utf8' }).trim())
    );
    const munge = join(dir, 'munge');
    mkdirSync(munge, { mode: 0o755 });
    chownSync(munge, uid, gid);
    const key = join(munge, 'munge.key');
    writeFileSync(key, randomBytes(1024), { mode: 0o400 });
    chownSync(key, uid, gid);
    const socket = join(munge, 'munge.socket');
    daemon(
      'munged',
      'munged',
      [
        '--foreground',
        `--socket=${socket}`,
        `--key-file=${key}`,
        `--pid-file=${join(munge, 'munged.pid')}`,
        `--seed-file=${join(munge, 'munged.seed')}`,
        `--log-file=${join(munge, 'munged.log')}`
      ],
      uid,
      gid
    );
    await waitFor('munge socket', async () => existsSync(socket), 5000);

    const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
    const template = readFileSync(join(fixture('slurm'), 'slurm.conf.template'), 'utf8');
    writeFileSync(
      conf,
      template
        .replace(/@DIR@/g, dir)
        .replace(/@CTLD_PORT@/g, String(ctldPort))
        .replace(/@SLURMD_PORT@/g, String(slurmdPort))
    );
    startController(true);
    daemon('slurmd', 'slurmd', ['-D', '-N', 'localhost', '-f', conf]);
    await waitFor('idle node', async () =>
      (await run('sinfo', ['--noheader', '--format=%T'], env)).includes('idle')
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const startupMs = Date.now() - started;

  return {
    dir,
    env,
    startupMs,
    logs,
    stop,
    jobState: async id =>
      (
        await run('squeue', ['--noheader', '--states=all', `--jobs=${id}`, '--format=%T'], env)
      ).trim(),
    async restartController(forget: boolean) {
      await stopProcess(daemons.slurmctld);
      startController(forget);
      await waitFor('controller', async () =>
        (await run('scontrol', ['ping'], env)).includes('is UP')
      );
    }
  };
}
