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
  },
  {
    version: 2,
    name: 'usage rollups',
    sql: `
      -- One row per 5-minute bucket the server ran in: a missing row is a gap.
      CREATE TABLE usage_rollup (
        bucket INTEGER NOT NULL PRIMARY KEY,  -- unix ms, start of the 5 minutes
        n INTEGER NOT NULL,                   -- samples in the bucket
        cpu_sum REAL NOT NULL, cpu_max REAL NOT NULL, cpu_limit REAL NOT NULL,
        mem_sum REAL NOT NULL, mem_max REAL NOT NULL, mem_limit REAL NOT NULL,
        gpu_n INTEGER NOT NULL DEFAULT 0,     -- samples with a GPU reading
        gpu_sum REAL NOT NULL DEFAULT 0, gpu_max REAL NOT NULL DEFAULT 0,
        gpumem_sum REAL NOT NULL DEFAULT 0, gpumem_total REAL NOT NULL DEFAULT 0,
        gpu_count INTEGER NOT NULL DEFAULT 0, -- GPUs reserved
        gpu_model TEXT                        -- model or MIG profile, for prices
      ) WITHOUT ROWID;
      ALTER TABLE usage_sample ADD COLUMN gpu_util REAL;
      ALTER TABLE usage_sample ADD COLUMN gpu_mem INTEGER;
    `
  },
  {
    version: 3,
    name: 'idle days',
    sql: `
      -- One row per daily idle check.
      CREATE TABLE idle_check (
        day TEXT NOT NULL PRIMARY KEY,        -- YYYY-MM-DD of the check
        checked_at INTEGER NOT NULL,          -- unix ms
        resource TEXT NOT NULL CHECK (resource IN ('cpu', 'gpu')),
        busiest REAL,                         -- null: nothing sampled in the 24 h
        idle INTEGER NOT NULL,                -- 1 when the day counted as idle
        idle_days INTEGER NOT NULL            -- the counter after this check
      ) WITHOUT ROWID;
    `
  }
];
