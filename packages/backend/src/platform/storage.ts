/**
 * What the storage feature needs from the machine: the mount table, a file system's capacity,
 * whether a path may be written, and who the user is with their groups.
 */

/** One line of /proc/self/mountinfo, decoded. */
export interface MountEntry {
  /** Absolute, as the process sees it. */
  mountPoint: string;
  /** The folder of the source file system mounted here ("/" unless a bind mount of a subfolder). */
  root: string;
  /** e.g. "nfs4", "fuse.sshfs", "tmpfs". */
  fsType: string;
  /** e.g. "server:/export", "user@host:", "none". */
  source: string;
  /** Mounted read-only (the mount's own flags or its super block's). */
  readOnly: boolean;
}

/** Bytes, as `df` reports them: used = blocks - bfree, free = bavail (what the user may still take). */
export interface SpaceFigures {
  capacity: number;
  used: number;
  free: number;
}

/** The user the notebook belongs to, with the groups access rules are checked against. */
export interface StorageIdentity {
  user: string;
  groups: string[];
  source: 'hub' | 'os';
}

export interface StorageHost {
  /** Every mount this process sees, in mount-table order. */
  mounts(): Promise<MountEntry[]>;
  space(path: string): Promise<SpaceFigures>;
  /** undefined when this process may write to `path`; else why not, for a person. */
  writeDenied(path: string): Promise<string | undefined>;
  identity(): Promise<StorageIdentity>;
}

/** mountinfo escapes space, tab, newline and backslash as octal (\040). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(parseInt(octal, 8))
  );
}

/**
 * Parses /proc/self/mountinfo (proc(5)): `id parent major:minor root mountpoint options
 * [optional fields…] - fstype source superoptions`.
 */
export function parseMountinfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (dash < 6 || fields.length < dash + 3) {
      continue;
    }
    const flags = fields[5].split(',');
    const superFlags = (fields[dash + 3] ?? '').split(',');
    entries.push({
      root: unescape(fields[3]),
      mountPoint: unescape(fields[4]),
      fsType: fields[dash + 1],
      source: unescape(fields[dash + 2]),
      readOnly: flags.includes('ro') || superFlags.includes('ro')
    });
  }
  return entries;
}

/** The mount that holds `path` (absolute, real): the last, longest mount point that contains it. */
export function mountOf(entries: MountEntry[], path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const entry of entries) {
    const point = entry.mountPoint;
    const inside =
      point === '/' || path === point || path.startsWith(point.endsWith('/') ? point : `${point}/`);
    if (inside && (!best || point.length >= best.mountPoint.length)) {
      best = entry;
    }
  }
  return best;
}
