import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Real mounts for the storage specs (they run as root, as CI does): a sized tmpfs and a
 * read-only bind mount of a folder, each unmounted by `teardown` however the spec ends.
 */
export function makeMounts(sizeMiB = 64) {
  const base = mkdtempSync(join(tmpdir(), 'hs-storage-'));
  const tmpfs = join(base, 'scratch');
  const source = join(base, 'shared-src');
  const readOnly = join(base, 'shared');
  mkdirSync(tmpfs);
  mkdirSync(source);
  mkdirSync(readOnly);
  const mounted: string[] = [];
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'hs-test', tmpfs]);
  mounted.push(tmpfs);
  execFileSync('mount', ['--bind', '-o', 'ro', source, readOnly]);
  mounted.push(readOnly);
  return {
    base,
    tmpfs,
    source,
    readOnly,
    teardown() {
      for (const dir of mounted.reverse()) {
        execFileSync('umount', ['-l', dir]);
      }
      rmSync(base, { recursive: true, force: true });
    }
  };
}

/** `df -B1` for one path: what statfs figures are checked against. */
export function df(path: string): { size: number; used: number; avail: number } {
  const out = execFileSync('df', ['-B1', '--output=size,used,avail', path], { encoding: 'utf8' });
  const [size, used, avail] = out.trim().split('\n')[1].trim().split(/\s+/).map(Number);
  return { size, used, avail };
}
