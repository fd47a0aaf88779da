import { constants } from 'node:fs';
import { access, readFile, statfs } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { hubAccess, hubUser } from '../hub';
import {
  parseMountinfo,
  type MountEntry,
  type SpaceFigures,
  type StorageHost,
  type StorageIdentity
} from '../storage';

export interface LocalStorageHostOptions {
  env?: NodeJS.ProcessEnv;
  /** How long the hub's answer is kept, in seconds. */
  groupsCacheSeconds?: number;
  /** Tests: other files than the real ones. */
  mountinfoFile?: string;
  groupFile?: string;
  fetchImpl?: typeof fetch;
}

/** Group names of these gids from an /etc/group-format text; a gid with no name keeps its number. */
export function groupNames(text: string, gids: number[], user?: string): string[] {
  const byGid = new Map<number, string>();
  const members = new Set<string>();
  for (const line of text.split('\n')) {
    const [name, , gid, list] = line.split(':');
    if (!name || gid === undefined) {
      continue;
    }
    byGid.set(Number(gid), name);
    if (user && (list ?? '').split(',').includes(user)) {
      members.add(name);
    }
  }
  const names = gids.map(gid => byGid.get(gid) ?? String(gid));
  return [...new Set([...names, ...members])];
}

/**
 * The machine's own mount table and file systems; the user and groups from JupyterHub under
 * a hub (the server's own token reads them), else this process's OS groups.
 */
export class LocalStorageHost implements StorageHost {
  private readonly env: NodeJS.ProcessEnv;
  private cached?: { at: number; identity: Promise<StorageIdentity> };

  constructor(private readonly options: LocalStorageHostOptions = {}) {
    this.env = options.env ?? process.env;
  }

  async mounts(): Promise<MountEntry[]> {
    return parseMountinfo(
      await readFile(this.options.mountinfoFile ?? '/proc/self/mountinfo', 'utf8')
    );
  }

  async space(path: string): Promise<SpaceFigures> {
    const s = await statfs(path);
    return {
      capacity: s.blocks * s.bsize,
      used: (s.blocks - s.bfree) * s.bsize,
      free: s.bavail * s.bsize
    };
  }

  async writeDenied(path: string): Promise<string | undefined> {
    try {
      await access(path, constants.W_OK);
      return undefined;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return code === 'EROFS'
        ? 'the file system is mounted read-only'
        : `this server's user (${userInfo().username}) may not write to ${path} (${code})`;
    }
  }

  identity(): Promise<StorageIdentity> {
    const ttl = (this.options.groupsCacheSeconds ?? 300) * 1000;
    const now = Date.now();
    if (!this.cached || now - this.cached.at >= ttl) {
      const identity = this.lookUp();
      this.cached = { at: now, identity };
      // A failed look-up is not kept: the next call asks again.
      identity.catch(() => {
        if (this.cached?.identity === identity) {
          this.cached = undefined;
        }
      });
    }
    return this.cached.identity;
  }

  private async lookUp(): Promise<StorageIdentity> {
    const hub = hubAccess(this.env);
    if (!('missing' in hub)) {
      const user = await hubUser(hub, this.options.fetchImpl);
      return { user: user.name, groups: user.groups, source: 'hub' };
    }
    const user = userInfo().username;
    let text = '';
    try {
      text = await readFile(this.options.groupFile ?? '/etc/group', 'utf8');
    } catch {
      // No group file (a minimal container): the gids stand for themselves.
    }
    const gids = [...new Set([process.getgid?.() ?? 0, ...(process.getgroups?.() ?? [])])];
    return { user, groups: groupNames(text, gids, user), source: 'os' };
  }
}
