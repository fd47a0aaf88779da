import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { Store, type Migration } from '../src/store';
import { migrations } from '../src/store/migrations';

/** Files this process has open, by path (what lsof would show). */
function openFiles(): string[] {
  return readdirSync('/proc/self/fd').flatMap(fd => {
    try {
      return [readlinkSync(join('/proc/self/fd', fd))];
    } catch {
      return [];
    }
  });
}

const tableNames = (db: Database.Database) =>
  (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{
      name: string;
    }>
  ).map(r => r.name);

describe('Store', () => {
  let dir: string;
  let path: string;
  /** Every connection a test opens, closed after it. */
  let open: Database.Database[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hotstepper-store-'));
    // A directory that does not exist yet, as on a first start.
    path = join(dir, 'data', 'hotstepper', 'state.db');
  });
  afterEach(() => {
    for (const db of open.filter(db => db.open)) {
      db.close();
    }
    open = [];
    rmSync(dir, { recursive: true, force: true });
  });
  const store = (options: { migrations?: Migration[] } = {}) => {
    const s = new Store({ path, ...options });
    open.push(s.db);
    return s;
  };
  const raw = () => {
    const db = new Database(path);
    open.push(db);
    return db;
  };

  it('creates a fresh database in a private directory, migrated to the last version, in WAL mode', () => {
    const s = store();
    expect(existsSync(path)).toBe(true);
    expect(statSync(join(dir, 'data', 'hotstepper')).mode & 0o777).toBe(0o700);
    expect(s.version).toBe(migrations.length);
    expect(s.db.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(tableNames(s.db)).toContain('usage_sample');
  });

  it('lets only its user read the database and its write-ahead log', () => {
    store().db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    for (const file of [path, `${path}-wal`]) {
      expect(`${file} ${(statSync(file).mode & 0o777).toString(8)}`).toBe(`${file} 600`);
    }
  });

  it('keeps its data and does not migrate again when reopened', () => {
    const first = store();
    first.db
      .prepare(
        'INSERT INTO usage_sample (ts, cpu_used, cpu_limit, mem_used, mem_limit) VALUES (?, ?, ?, ?, ?)'
      )
      .run(1700000000000, 0.25, 2, 123456, 4294967296);
    first.close();

    const second = store();
    expect(second.version).toBe(migrations.length);
    expect(second.db.prepare('SELECT * FROM usage_sample').all()).toEqual([
      {
        ts: 1700000000000,
        cpu_used: 0.25,
        cpu_limit: 2,
        mem_used: 123456,
        mem_limit: 4294967296,
        gpu_util: null,
        gpu_mem: null
      }
    ]);
  });

  it('applies only the migrations it has not applied yet', () => {
    const one: Migration[] = [{ version: 1, name: 'a', sql: 'CREATE TABLE a (x INTEGER)' }];
    store({ migrations: one }).close();
    const two = store({
      migrations: [...one, { version: 2, name: 'b', sql: 'CREATE TABLE b (y TEXT)' }]
    });
    expect(two.version).toBe(2);
    expect(tableNames(two.db)).toEqual(['a', 'b']);
  });

  it('applies migrations in version order whatever order they are listed in', () => {
    const s = store({
      migrations: [
        { version: 2, name: 'index', sql: 'CREATE INDEX a_x ON a (x)' },
        { version: 1, name: 'table', sql: 'CREATE TABLE a (x INTEGER)' }
      ]
    });
    expect(s.version).toBe(2);
  });

  describe('a failing migration', () => {
    const good: Migration = {
      version: 1,
      name: 'good',
      sql: 'CREATE TABLE good (x INTEGER); INSERT INTO good VALUES (1);'
    };
    const bad: Migration = {
      version: 2,
      name: 'bad',
      // The first statement works, the second does not: neither may remain.
      sql: 'CREATE TABLE half (y INTEGER); INSERT INTO no_such_table VALUES (1);'
    };

    it('throws, and leaves the database at the version before it with nothing of it applied', () => {
      expect(() => new Store({ path, migrations: [good, bad] })).toThrow(
        /no such table: no_such_table/
      );
      const db = raw();
      expect(db.pragma('user_version', { simple: true })).toBe(1);
      expect(tableNames(db)).toEqual(['good']);
      expect(db.prepare('SELECT x FROM good').all()).toEqual([{ x: 1 }]);
    });

    it('does not leave the database file open', () => {
      expect(() => new Store({ path, migrations: [good, bad] })).toThrow();
      expect(openFiles().filter(f => f.startsWith(path))).toEqual([]);
    });

    it('is applied once fixed', () => {
      expect(() => new Store({ path, migrations: [good, bad] })).toThrow();
      const fixed = store({
        migrations: [good, { ...bad, sql: 'CREATE TABLE half (y INTEGER);' }]
      });
      expect(fixed.version).toBe(2);
      expect(tableNames(fixed.db)).toEqual(['good', 'half']);
    });
  });

  it('refuses a database from a newer Hotstepper, saying to upgrade, and leaves it alone', () => {
    mkdirSync(dirname(path), { recursive: true });
    const db = raw();
    db.exec('CREATE TABLE future (z INTEGER)');
    db.pragma('user_version = 7');
    db.close();

    expect(() => new Store({ path })).toThrow(
      `state.db is at schema version 7, newer than this Hotstepper knows (${migrations.length}); upgrade Hotstepper`
    );
    const after = raw();
    expect(after.pragma('user_version', { simple: true })).toBe(7);
    expect(tableNames(after)).toEqual(['future']);
  });

  it.each([
    [[1, 3], 'found 3 at position 2'],
    [[1, 1], 'found 1 at position 2'],
    [[0, 1], 'found 0 at position 1'],
    [[2], 'found 2 at position 1']
  ])('refuses migrations numbered %p before touching the database', (versions, found) => {
    const list = versions.map((version, i) => ({
      version,
      name: `m${i}`,
      sql: `CREATE TABLE t${i} (x INTEGER)`
    }));
    expect(() => new Store({ path, migrations: list })).toThrow(
      `migrations must be numbered 1, 2, 3…; ${found}`
    );
    const db = raw();
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    expect(tableNames(db)).toEqual([]);
  });

  it('works in memory', () => {
    const s = new Store({ path: ':memory:' });
    open.push(s.db);
    expect(s.version).toBe(migrations.length);
  });

  it('numbers the shipped migrations 1, 2, 3…', () => {
    expect(migrations.map(m => m.version)).toEqual(migrations.map((_, i) => i + 1));
  });
});
