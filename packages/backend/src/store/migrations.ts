/**
 * Numbered migrations, applied in order inside one transaction each; the
 * database's `user_version` is the number of the last one applied. Never
 * edit a released migration: add the next number.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'usage samples',
    sql: `
      CREATE TABLE usage_sample (
        ts INTEGER NOT NULL PRIMARY KEY,   -- unix ms
        cpu_used REAL NOT NULL,            -- cores
        cpu_limit REAL NOT NULL,
        mem_used INTEGER NOT NULL,         -- bytes
        mem_limit INTEGER NOT NULL
      ) WITHOUT ROWID;
    `
  }
];
