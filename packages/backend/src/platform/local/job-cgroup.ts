import { execFile } from 'node:child_process';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';

/** Where per-job cgroups go: `<parent>/<id>`, with these controllers enabled for them. */
export interface JobCgroupParent {
  dir: string;
  cpu: boolean;
}

/** The cgroup v2 decision: a parent for job cgroups, or why there is none (for logs). */
export type CgroupDecision = { parent: JobCgroupParent } | { reason: string };

const GROUP = 'hotstepper-jobs';

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

const words = (text: string | undefined) => (text ?? '').trim().split(/\s+/).filter(Boolean);

/** The cgroup2 mount point and this process's path in it, from /proc/self/{mountinfo,cgroup}. */
async function ownCgroup(rootfs: string): Promise<{ mount: string; dir: string } | undefined> {
  const [cgroup, mountinfo] = await Promise.all([
    readText(join(rootfs, '/proc/self/cgroup')),
    readText(join(rootfs, '/proc/self/mountinfo'))
  ]);
  const path = /^0::(.*)$/m.exec(cgroup ?? '')?.[1];
  if (path === undefined || !mountinfo) {
    return undefined;
  }
  for (const line of mountinfo.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (post?.split(' ')[0] !== 'cgroup2') {
      continue;
    }
    const [, , , root, mountPoint] = pre.split(' ');
    const rel = posix.relative(root, path);
    // Inside a container without a cgroup namespace the path may lie outside the mount.
    const mount = join(rootfs, mountPoint);
    return { mount, dir: rel.startsWith('..') ? mount : join(mount, rel) };
  }
  return undefined;
}

/**
 * Tries to make `<candidate>/hotstepper-jobs` a parent for job cgroups: the candidate must
 * already delegate memory to its children (cgroup v2 forbids enabling controllers in a
 * cgroup that holds processes, and we never move the backend), the group must take
 * memory (and cpu when offered) for its own children, and a probe child must accept
 * `memory.max`. Only cgroups we create are written to.
 */
async function tryParent(candidate: string): Promise<JobCgroupParent | string> {
  const offered = words(await readText(join(candidate, 'cgroup.subtree_control')));
  if (!offered.includes('memory')) {
    return `${candidate} does not delegate the memory controller to its children`;
  }
  const cpu = offered.includes('cpu');
  const dir = join(candidate, GROUP);
  const probe = join(dir, `probe-${process.pid}`);
  try {
    await mkdir(dir, { recursive: true });
    const enabled = words(await readText(join(dir, 'cgroup.subtree_control')));
    const wanted = cpu ? ['memory', 'cpu'] : ['memory'];
    const missing = wanted.filter(c => !enabled.includes(c));
    if (missing.length) {
      await writeFile(join(dir, 'cgroup.subtree_control'), missing.map(c => `+${c}`).join(' '));
    }
    await mkdir(probe, { recursive: true });
    await writeFile(join(probe, 'memory.max'), 'max');
    if (cpu) {
      await writeFile(join(probe, 'cpu.max'), 'max 100000');
    }
    // Moving a process in needs write access up to the common ancestor: try it as a job would.
    await enterFromShell(probe);
    return { dir, cpu };
  } catch (err) {
    return `${dir} is not usable: ${(err as Error).message}`;
  } finally {
    await removeWhenEmpty(probe);
  }
}

/** A short-lived shell enters the cgroup, as each job's first step does. */
function enterFromShell(dir: string): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile('/bin/sh', ['-c', 'echo $$ > "$1/cgroup.procs"', 'probe', dir], (err, _out, stderr) =>
      err ? reject(new Error(stderr.trim() || err.message)) : resolve()
    )
  );
}

/** rmdir, retried briefly: an exited process may leave its cgroup a moment later. */
async function removeWhenEmpty(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      await rmdir(dir);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EBUSY') {
        return;
      }
      await new Promise(resolve => setTimeout(resolve, 50));
    }
  }
}

/**
 * Finds a writable, delegated cgroup v2 for per-job limits: under this process's own cgroup
 * (when it is the root, or delegates memory), else under its parent (systemd's
 * `app.slice` beside the notebook's scope). `rootfs` lets tests point at a fixture tree.
 */
export async function findJobCgroupParent(rootfs = ''): Promise<CgroupDecision> {
  const own = await ownCgroup(rootfs);
  if (!own) {
    return { reason: 'no cgroup v2 hierarchy' };
  }
  if (!words(await readText(join(own.mount, 'cgroup.controllers'))).includes('memory')) {
    return { reason: 'the cgroup v2 hierarchy has no memory controller (a v1 or hybrid setup)' };
  }
  const candidates = [own.dir];
  if (own.dir !== own.mount) {
    candidates.push(dirname(own.dir));
  }
  const reasons: string[] = [];
  for (const candidate of candidates) {
    const result = await tryParent(candidate);
    if (typeof result !== 'string') {
      return { parent: result };
    }
    reasons.push(result);
  }
  return { reason: reasons.join('; ') };
}

/** Creates the job's own cgroup with its limits; the job's shell enters it before exec. */
export async function createJobCgroup(
  parent: JobCgroupParent,
  id: string,
  limits: { cpu: number; memory: number }
): Promise<string> {
  const dir = join(parent.dir, id);
  // Left over from a start that failed half-way: an empty cgroup is removed like a directory.
  await removeWhenEmpty(dir);
  await mkdir(dir);
  try {
    await writeFile(join(dir, 'memory.max'), String(limits.memory));
    // Without this, a job over its limit swaps instead of being stopped.
    await writeFile(join(dir, 'memory.swap.max'), '0').catch(() => undefined);
    if (parent.cpu) {
      const period = 100_000;
      await writeFile(
        join(dir, 'cpu.max'),
        `${Math.max(1000, Math.round(limits.cpu * period))} ${period}`
      );
    }
    return dir;
  } catch (err) {
    await rmdir(dir).catch(() => undefined);
    throw err;
  }
}

/** Removes a job's cgroup if the watcher could not (it is empty once the job is gone). */
export async function removeJobCgroup(parent: JobCgroupParent, id: string): Promise<void> {
  await removeWhenEmpty(join(parent.dir, id));
}
