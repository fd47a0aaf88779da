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
  },
  {
    version: 4,
    name: 'jobs',
    sql: `
      -- One row per job; the spec as submitted and resolved is JSON, the rest is columns
      -- the list filters and sorts on.
      CREATE TABLE job (
        id TEXT NOT NULL PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE,          -- submission order: the local queue's order
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        runner TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN
          ('queued', 'starting', 'running', 'succeeded', 'failed', 'cancelled', 'timed-out')),
        reason TEXT,
        exit_code INTEGER,
        spec TEXT NOT NULL,                   -- JSON: argv, cwd, env, resources, time limit, …
        external_id TEXT,
        idempotency_key TEXT UNIQUE,
        created_at INTEGER NOT NULL,          -- unix ms
        started_at INTEGER,
        finished_at INTEGER,
        extra TEXT                            -- JSON: output, failure, enforcement, …
      );
      CREATE INDEX job_status ON job (status, seq);
    `
  },
  {
    version: 5,
    name: 'flare exposures',
    sql: `
      CREATE TABLE flare_exposure (
        name TEXT NOT NULL PRIMARY KEY,
        port INTEGER NOT NULL,
        protection TEXT NOT NULL CHECK (protection IN ('none', 'password', 'secret-link')),
        secret TEXT,                          -- password hash (bcrypt) or the link's secret
        created_at INTEGER NOT NULL,          -- unix ms
        expires_at INTEGER,
        requests INTEGER NOT NULL DEFAULT 0,
        last_request_at INTEGER
      ) WITHOUT ROWID;
      -- Recently expired exposures, for the notification.
      CREATE TABLE flare_expired (
        name TEXT NOT NULL,
        port INTEGER NOT NULL,
        expired_at INTEGER NOT NULL
      );
    `
  },
  {
    version: 6,
    name: 'activity journal',
    sql: `
      -- One row per cell execution a kernel announced: metadata only, never the source.
      CREATE TABLE activity_cell (
        id INTEGER PRIMARY KEY,
        kernel_id TEXT NOT NULL,
        msg_id TEXT NOT NULL,                 -- the execute_request's id
        path TEXT,                            -- the session's document
        count INTEGER,                        -- execution count
        started_at INTEGER NOT NULL,          -- unix ms
        ended_at INTEGER,
        status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'error', 'interrupted')),
        ename TEXT,
        last_line TEXT,
        UNIQUE (kernel_id, msg_id)
      );
      CREATE INDEX activity_cell_ended ON activity_cell (ended_at);
      CREATE INDEX activity_cell_running ON activity_cell (kernel_id) WHERE status = 'running';
      -- Everything else the journal records: kernels, documents, jobs, exposures.
      CREATE TABLE activity_event (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,                  -- unix ms
        kind TEXT NOT NULL,
        name TEXT,
        ref TEXT,
        detail TEXT
      );
      CREATE INDEX activity_event_at ON activity_event (at);
      CREATE INDEX activity_event_kind ON activity_event (kind, at);
      -- The last time a page of this user was open.
      CREATE TABLE activity_seen (
        id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
        at INTEGER NOT NULL
      );
    `
  }
];
