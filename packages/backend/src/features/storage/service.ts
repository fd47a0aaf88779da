/**
 * Which storages the user can reach and what they may do there: the Jupyter root as Home,
 * the admin's list (with `{user}`), and the network mounts the mount table shows; each with
 * its capacity and the mode the admin's rules, the mount and the file system leave the user.
 */
import { realpath } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Storage, StorageList, StorageMode, StorageRule } from '@hotstepper/api';
import type { Config } from '../../config';
import { HttpError } from '../../errors';
import { mountOf, type MountEntry, type StorageHost } from '../../platform/storage';

/** A storage the user may reach, as the file routes need it. */
export interface Place {
  name: string;
  label: string;
  /** Absolute and real (symlinks resolved): every path is confined to it. */
  root: string;
  mode: StorageMode;
  reason?: string;
}

interface Definition {
  name: string;
  label: string;
  kind: Storage['kind'];
  description: string;
  path: string;
  source: Storage['source'];
  rules: StorageRule[];
}

/** The user's mode under the admin's rules: the most a matching rule grants; undefined = no access. */
export function modeByRules(
  rules: StorageRule[],
  groups: string[]
): { mode: StorageMode; rule?: StorageRule } | undefined {
  if (rules.length === 0) {
    return { mode: 'rw' };
  }
  const matching = rules.filter(r => r.group === '*' || groups.includes(r.group));
  const rule = matching.find(r => r.mode === 'rw') ?? matching[0];
  return rule && { mode: rule.mode, rule };
}

function ruleReason(rule: StorageRule): string {
  return rule.group === '*'
    ? 'read-only: everyone may only read'
    : `read-only: members of ${rule.group} may only read`;
}

/** A storage name from a mount point: its last folders, lowercase, e.g. /home/meta/alice → meta-alice. */
function slug(mountPoint: string): string {
  const parts = mountPoint.split('/').filter(Boolean).slice(-2);
  const name = parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 36);
  return name || 'mount';
}

export interface StorageServiceOptions {
  config: Config['storage'];
  host: StorageHost;
  /** The Jupyter root: Home. */
  rootDir: string;
}

export class StorageService {
  constructor(private readonly options: StorageServiceOptions) {}

  /** Every storage the user may see, with capacity and access. */
  async list(): Promise<StorageList> {
    const identity = await this.identity();
    const mounts = await this.options.host.mounts();
    const storages = await Promise.all(
      this.definitions(identity.user, mounts).flatMap(def => {
        const byRules = modeByRules(def.rules, identity.groups);
        return byRules ? [this.describe(def, byRules, mounts)] : [];
      })
    );
    return { ...identity, groupsSource: identity.source, storages } as StorageList;
  }

  /** The storage called `name`, if the user may reach it: 404 otherwise. */
  async place(name: string): Promise<Place> {
    const identity = await this.identity();
    const mounts = await this.options.host.mounts();
    const def = this.definitions(identity.user, mounts).find(d => d.name === name);
    const byRules = def && modeByRules(def.rules, identity.groups);
    if (!def || !byRules) {
      throw new HttpError(404, `No storage "${name}"; the storage list names those you can reach`);
    }
    let root: string;
    try {
      root = await realpath(def.path);
    } catch (err) {
      throw new HttpError(
        503,
        `${def.label} (${def.path}) cannot be reached now (${(err as NodeJS.ErrnoException).code}); ask the platform's admins if it stays so`
      );
    }
    const access = await this.access(root, byRules, mounts);
    return { name: def.name, label: def.label, root, ...access };
  }

  private async identity() {
    try {
      const { user, groups, source } = await this.options.host.identity();
      return { user, groups, source };
    } catch (err) {
      throw new HttpError(
        502,
        `Your groups could not be read from JupyterHub: ${(err as Error).message}`
      );
    }
  }

  private definitions(user: string, mounts: MountEntry[]): Definition[] {
    const { config, rootDir } = this.options;
    const defs: Definition[] = [
      {
        name: 'home',
        label: 'Home',
        kind: 'home',
        description: 'The Jupyter root directory',
        path: rootDir,
        source: 'root',
        rules: []
      }
    ];
    for (const m of config.mounts) {
      defs.push({
        name: m.name,
        label: m.label ?? m.name,
        kind: m.kind,
        description: m.description,
        path: m.path.replace(/\{user\}/g, user),
        source: 'config',
        rules: m.access
      });
    }
    if (config.discover.enabled) {
      const types = new Set(config.discover.types);
      // "transfers" names the transfer routes, not a storage.
      const names = new Set([...defs.map(d => d.name), 'transfers']);
      const paths = new Set(defs.map(d => d.path));
      for (const mount of mounts) {
        if (!types.has(mount.fsType) || paths.has(mount.mountPoint)) {
          continue;
        }
        let name = slug(mount.mountPoint);
        for (let i = 2; names.has(name); i++) {
          name = `${slug(mount.mountPoint).slice(0, 36)}-${i}`;
        }
        names.add(name);
        paths.add(mount.mountPoint);
        defs.push({
          name,
          label: basename(mount.mountPoint) || mount.mountPoint,
          kind: mount.fsType === 'fuse.s3fs' ? 's3' : 'other',
          description: `${mount.fsType} from ${mount.source}`,
          path: mount.mountPoint,
          source: 'discovered',
          rules: []
        });
      }
    }
    return defs;
  }

  private async access(
    root: string,
    byRules: { mode: StorageMode; rule?: StorageRule },
    mounts: MountEntry[]
  ): Promise<{ mode: StorageMode; reason?: string; rule?: StorageRule }> {
    const rule = byRules.rule ? { rule: byRules.rule } : {};
    if (byRules.mode === 'ro') {
      return { mode: 'ro', reason: ruleReason(byRules.rule!), ...rule };
    }
    if (mountOf(mounts, root)?.readOnly) {
      return { mode: 'ro', reason: 'read-only: the file system is mounted read-only', ...rule };
    }
    const denied = await this.options.host.writeDenied(root);
    return denied
      ? { mode: 'ro', reason: `read-only: ${denied}`, ...rule }
      : { mode: 'rw', ...rule };
  }

  private async describe(
    def: Definition,
    byRules: { mode: StorageMode; rule?: StorageRule },
    mounts: MountEntry[]
  ): Promise<Storage> {
    const base = {
      name: def.name,
      label: def.label,
      kind: def.kind,
      description: def.description,
      path: def.path,
      source: def.source
    };
    let root: string;
    try {
      root = await realpath(def.path);
    } catch (err) {
      return {
        ...base,
        fsType: '',
        available: false,
        problem: `${def.path} cannot be reached (${(err as NodeJS.ErrnoException).code})`,
        mode: 'ro',
        reason: 'read-only: the storage cannot be reached'
      };
    }
    const fsType = mountOf(mounts, root)?.fsType ?? '';
    try {
      const space = await this.options.host.space(root);
      return {
        ...base,
        fsType,
        available: true,
        ...space,
        ...(await this.access(root, byRules, mounts))
      };
    } catch (err) {
      return {
        ...base,
        fsType,
        available: false,
        problem: `${def.path}: ${(err as Error).message}`,
        ...(await this.access(root, byRules, mounts))
      };
    }
  }
}
