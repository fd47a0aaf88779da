import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrations as defaultMigrations, type Migration } from './migrations';

export type { Migration };

export interface StoreOptions {
  /** Path of state.db, or ':memory:'. */
  path: string;
  /** The compiled better_sqlite3.node when bundled (see scripts/bundle.mjs). */
  nativeBinding?: string;
  migrations?: Migration[];
}

/** The SQLite state database: WAL, numbered migrations, one connection. */
export class Store {
  readonly db: Database.Database;
  /** The addon it was opened with: other read-only SQLite handles (gradebooks) use the same. */
  readonly nativeBinding?: string;

  constructor(options: StoreOptions) {
    this.nativeBinding = options.nativeBinding;
    if (options.path !== ':memory:') {
      mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
    }
    this.db = new Database(options.path, { nativeBinding: options.nativeBinding });
    if (options.path !== ':memory:') {
      // Only its user reads it (SQLite gives the -wal and -shm files the same mode).
      chmodSync(options.path, 0o600);
    }
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    try {
      this.migrate(options.migrations ?? defaultMigrations);
    } catch (err) {
      // Nobody gets a handle to a half-opened store: do not leave the file open.
      this.db.close();
      throw err;
    }
  }

  get version(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private migrate(migrations: Migration[]): void {
    const sorted = [...migrations].sort((a, b) => a.version - b.version);
    sorted.forEach((m, i) => {
      if (m.version !== i + 1) {
        throw new Error(
          `migrations must be numbered 1, 2, 3…; found ${m.version} at position ${i + 1}`
        );
      }
    });
    const current = this.version;
    if (current > sorted.length) {
      throw new Error(
        `state.db is at schema version ${current}, newer than this Hotstepper knows (${sorted.length}); upgrade Hotstepper`
      );
    }
    for (const m of sorted.slice(current)) {
      // One transaction per migration: a failure leaves the previous version intact.
      this.db.transaction(() => {
        this.db.exec(m.sql);
        this.db.pragma(`user_version = ${m.version}`);
      })();
    }
  }

  close(): void {
    this.db.close();
  }
}
