import type {
  JobKind,
  JobResources,
  JobRunnerName,
  JobStatus,
  JobSubmit,
  LimitEnforcement
} from '@hotstepper/api';
import type Database from 'better-sqlite3';

/** What a job runs, resolved at submit: the JSON `spec` column. */
export interface JobSpec {
  argv: string[];
  /** Relative to the root directory ("" is the root). */
  cwd: string;
  file?: string;
  env: Record<string, string>;
  parameters?: Record<string, unknown>;
  preset?: string;
  resources: JobResources;
  timeLimitSeconds?: number;
  image?: string;
  /** kind "notebook": the executed notebook, relative to the root. */
  output?: string;
  /** kind "notebook": where it is written while the job runs, renamed to `output` at the end. */
  outputTemp?: string;
  /** The request as sent (without its idempotency key): a rerun submits it again. */
  submit: JobSubmit;
}

/** What is learnt while a job runs: the JSON `extra` column. */
export interface JobExtra {
  enforcement: LimitEnforcement;
  failure?: { cell?: number; error: string };
}

/** One row of the `job` table, decoded. */
export interface JobRow {
  id: string;
  seq: number;
  name: string;
  kind: JobKind;
  runner: JobRunnerName;
  status: JobStatus;
  reason: string | null;
  exitCode: number | null;
  spec: JobSpec;
  externalId: string | null;
  idempotencyKey: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  extra: JobExtra;
}

/** The fields a state change may set. */
export type JobUpdate = Partial<
  Pick<
    JobRow,
    'status' | 'reason' | 'exitCode' | 'externalId' | 'startedAt' | 'finishedAt' | 'extra'
  >
>;

interface RawRow {
  id: string;
  seq: number;
  name: string;
  kind: JobKind;
  runner: JobRunnerName;
  status: JobStatus;
  reason: string | null;
  exit_code: number | null;
  spec: string;
  external_id: string | null;
  idempotency_key: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  extra: string | null;
}

const decode = (r: RawRow): JobRow => ({
  id: r.id,
  seq: r.seq,
  name: r.name,
  kind: r.kind,
  runner: r.runner,
  status: r.status,
  reason: r.reason,
  exitCode: r.exit_code,
  spec: JSON.parse(r.spec) as JobSpec,
  externalId: r.external_id,
  idempotencyKey: r.idempotency_key,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  extra: r.extra ? (JSON.parse(r.extra) as JobExtra) : { enforcement: 'none' }
});

const COLUMNS: Record<keyof JobUpdate, string> = {
  status: 'status',
  reason: 'reason',
  exitCode: 'exit_code',
  externalId: 'external_id',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  extra: 'extra'
};

/** The `job` table: every statement the jobs feature runs on it. */
export class JobTable {
  private readonly byId: Database.Statement;
  private readonly byKey: Database.Statement;
  private readonly active: Database.Statement;
  private readonly countsStmt: Database.Statement;
  private readonly insertStmt: Database.Statement;
  private readonly deleteStmt: Database.Statement;
  private readonly expiredStmt: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.byId = db.prepare('SELECT * FROM job WHERE id = ?');
    this.byKey = db.prepare('SELECT * FROM job WHERE idempotency_key = ?');
    this.active = db.prepare(
      "SELECT * FROM job WHERE status IN ('queued', 'starting', 'running') ORDER BY seq"
    );
    this.countsStmt = db.prepare('SELECT status, count(*) AS n FROM job GROUP BY status');
    this.insertStmt = db.prepare(`
      INSERT INTO job (id, seq, name, kind, runner, status, reason, spec, idempotency_key,
        created_at, extra)
      VALUES (@id, (SELECT coalesce(max(seq), 0) + 1 FROM job), @name, @kind, @runner, @status,
        @reason, @spec, @idempotencyKey, @createdAt, @extra)`);
    this.deleteStmt = db.prepare('DELETE FROM job WHERE id = ?');
    this.expiredStmt = db.prepare(
      `SELECT * FROM job WHERE finished_at < ? AND status IN
        ('succeeded', 'failed', 'cancelled', 'timed-out')`
    );
  }

  get(id: string): JobRow | undefined {
    const raw = this.byId.get(id) as RawRow | undefined;
    return raw && decode(raw);
  }

  byIdempotencyKey(key: string): JobRow | undefined {
    const raw = this.byKey.get(key) as RawRow | undefined;
    return raw && decode(raw);
  }

  /** Queued, starting and running jobs in submission order. */
  activeJobs(): JobRow[] {
    return (this.active.all() as RawRow[]).map(decode);
  }

  insert(row: Omit<JobRow, 'seq' | 'exitCode' | 'externalId' | 'startedAt' | 'finishedAt'>): void {
    this.insertStmt.run({
      id: row.id,
      name: row.name,
      kind: row.kind,
      runner: row.runner,
      status: row.status,
      reason: row.reason,
      spec: JSON.stringify(row.spec),
      idempotencyKey: row.idempotencyKey,
      createdAt: row.createdAt,
      extra: JSON.stringify(row.extra)
    });
  }

  update(id: string, update: JobUpdate): void {
    const keys = Object.keys(update) as Array<keyof JobUpdate>;
    if (!keys.length) {
      return;
    }
    const set = keys.map(k => `${COLUMNS[k]} = @${k}`).join(', ');
    const values: Record<string, unknown> = { id };
    for (const k of keys) {
      const v = update[k];
      values[k] = k === 'extra' ? JSON.stringify(v) : (v ?? null);
    }
    this.db.prepare(`UPDATE job SET ${set} WHERE id = @id`).run(values);
  }

  delete(id: string): void {
    this.deleteStmt.run(id);
  }

  /** Finished before `before` (unix ms). */
  finishedBefore(before: number): JobRow[] {
    return (this.expiredStmt.all(before) as RawRow[]).map(decode);
  }

  /** Jobs per status, over the whole table. */
  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const { status, n } of this.countsStmt.all() as Array<{ status: string; n: number }>) {
      counts[status] = n;
    }
    return counts;
  }

  /** A page of jobs, newest first, optionally only some statuses. */
  list(statuses: JobStatus[] | undefined, limit: number, offset: number): JobRow[] {
    const where = statuses ? `WHERE status IN (${statuses.map(() => '?').join(', ')})` : '';
    const rows = this.db
      .prepare(`SELECT * FROM job ${where} ORDER BY seq DESC LIMIT ? OFFSET ?`)
      .all(...(statuses ?? []), limit, offset) as RawRow[];
    return rows.map(decode);
  }
}
