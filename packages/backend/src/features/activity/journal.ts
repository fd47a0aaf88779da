/**
 * The activity journal: cell executions and events in SQLite, and the summary of a period.
 * Stream lines arrive by the thousand a second; they stay in memory and reach the table
 * when the cell ends (or at a flush), so a chatty cell costs no writes.
 */
import {
  ACTIVITY_LAST_LINE_MAX,
  type ActivityEvent,
  type ActivityEventKind,
  type ActivitySummary,
  type CellRun,
  type CellStatus
} from '@hotstepper/api';
import type { Store } from '../../store';

const DAY_MS = 24 * 3600 * 1000;

/** A kernel event said twice within this window is one event. */
const KERNEL_EVENT_WINDOW_MS = 15_000;

/** How many entries a list of the summary holds at most. */
export const SUMMARY_LIST_MAX = 200;

export interface JournalOptions {
  retentionDays: number;
  /** Keep each cell's last printed line. */
  streamLines: boolean;
  clock?: () => number;
}

/** The last non-empty line of a chunk of output, cut to the journal's limit; undefined if none. */
export function lastLineOf(text: string): string | undefined {
  const lines = text.split(/\r?\n|\r/);
  for (let i = lines.length - 1; i >= 0; i--) {
    // Terminal colour codes are noise in a one-line summary.
    // eslint-disable-next-line no-control-regex
    const line = lines[i].replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').trim();
    if (line) {
      return [...line].slice(0, ACTIVITY_LAST_LINE_MAX).join('');
    }
  }
  return undefined;
}

interface CellRow {
  kernel_id: string;
  msg_id: string;
  path: string | null;
  count: number | null;
  started_at: number;
  ended_at: number | null;
  status: CellStatus;
  ename: string | null;
  last_line: string | null;
}

interface EventRow {
  at: number;
  kind: ActivityEventKind;
  name: string | null;
  ref: string | null;
  detail: string | null;
}

export interface NewEvent {
  kind: ActivityEventKind;
  name?: string | null;
  ref?: string | null;
  detail?: string | null;
  at?: number;
}

export class ActivityJournal {
  private readonly now: () => number;
  /** Last lines not yet written, by kernel and request. */
  private readonly pending = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly options: JournalOptions
  ) {
    this.now = options.clock ?? Date.now;
  }

  get streamLines(): boolean {
    return this.options.streamLines;
  }

  /** A cell began (`execute_input`). A second announcement of the same request is ignored. */
  cellStarted(cell: {
    kernelId: string;
    msgId: string;
    path: string | null;
    count: number | null;
    at?: number;
  }): void {
    this.store.db
      .prepare(
        `INSERT OR IGNORE INTO activity_cell (kernel_id, msg_id, path, count, started_at, status)
         VALUES (?, ?, ?, ?, ?, 'running')`
      )
      .run(cell.kernelId, cell.msgId, cell.path, cell.count, cell.at ?? this.now());
  }

  /** A chunk of a running cell's output: only its last line is kept, and only if the admin allows. */
  cellOutput(kernelId: string, msgId: string, text: string): void {
    if (!this.options.streamLines) {
      return;
    }
    const line = lastLineOf(text);
    if (line !== undefined) {
      this.pending.set(`${kernelId}\n${msgId}`, line);
    }
  }

  /** The cell raised: its exception's name. */
  cellError(kernelId: string, msgId: string, ename: string): void {
    this.store.db
      .prepare(
        `UPDATE activity_cell SET status = 'error', ename = ?
         WHERE kernel_id = ? AND msg_id = ? AND status IN ('running', 'error')`
      )
      .run(ename.slice(0, ACTIVITY_LAST_LINE_MAX), kernelId, msgId);
  }

  /** The kernel went idle after the cell; returns whether a running cell ended. */
  cellEnded(kernelId: string, msgId: string, at = this.now()): boolean {
    const line = this.takePending(kernelId, msgId);
    const result = this.store.db
      .prepare(
        `UPDATE activity_cell
         SET ended_at = ?, status = CASE status WHEN 'running' THEN 'ok' ELSE status END,
             last_line = COALESCE(?, last_line)
         WHERE kernel_id = ? AND msg_id = ? AND ended_at IS NULL`
      )
      .run(at, line ?? null, kernelId, msgId);
    return result.changes > 0;
  }

  /**
   * Ends every running cell of a kernel that restarted, died or went away, or that is idle
   * by the time the watcher looks again (it ended while nobody listened): `at` is the best
   * end known (the kernel's last activity).
   */
  endKernelCells(kernelId: string, at: number, status: 'ok' | 'interrupted'): number {
    const running = this.store.db
      .prepare(`SELECT msg_id FROM activity_cell WHERE kernel_id = ? AND status = 'running'`)
      .all(kernelId) as Array<{ msg_id: string }>;
    const end = this.store.db.prepare(
      `UPDATE activity_cell SET ended_at = MAX(started_at, ?), status = ?,
         last_line = COALESCE(?, last_line)
       WHERE kernel_id = ? AND msg_id = ?`
    );
    this.store.db.transaction(() => {
      for (const { msg_id } of running) {
        end.run(at, status, this.takePending(kernelId, msg_id) ?? null, kernelId, msg_id);
      }
    })();
    return running.length;
  }

  /** Kernels with a cell still running in the journal. */
  kernelsWithRunningCells(): string[] {
    return (
      this.store.db
        .prepare(`SELECT DISTINCT kernel_id FROM activity_cell WHERE status = 'running'`)
        .all() as Array<{ kernel_id: string }>
    ).map(r => r.kernel_id);
  }

  /** Writes the running cells' last lines (so a restart of the backend keeps them). */
  flush(): void {
    if (!this.pending.size) {
      return;
    }
    const update = this.store.db.prepare(
      `UPDATE activity_cell SET last_line = ? WHERE kernel_id = ? AND msg_id = ?`
    );
    this.store.db.transaction(() => {
      for (const [key, line] of this.pending) {
        const [kernelId, msgId] = key.split('\n');
        update.run(line, kernelId, msgId);
      }
    })();
    this.pending.clear();
  }

  record(event: NewEvent): void {
    this.store.db
      .prepare(`INSERT INTO activity_event (at, kind, name, ref, detail) VALUES (?, ?, ?, ?, ?)`)
      .run(
        event.at ?? this.now(),
        event.kind,
        event.name ?? null,
        event.ref ?? null,
        event.detail ?? null
      );
  }

  /**
   * A kernel restarted or died: the watcher and the page may both say so; one entry per
   * kernel within a few seconds.
   */
  recordKernelEvent(event: NewEvent & { ref: string }): boolean {
    const at = event.at ?? this.now();
    const seen = this.store.db
      .prepare(
        `SELECT 1 FROM activity_event WHERE ref = ? AND kind = ? AND at BETWEEN ? AND ? LIMIT 1`
      )
      .get(event.ref, event.kind, at - KERNEL_EVENT_WINDOW_MS, at + KERNEL_EVENT_WINDOW_MS);
    if (!seen) {
      this.record({ ...event, at });
    }
    return !seen;
  }

  /** Records the event unless one of these kinds already names `ref` (a job ends once). */
  recordOnce(event: NewEvent & { ref: string }, kinds: ActivityEventKind[]): boolean {
    const seen = this.store.db
      .prepare(
        `SELECT 1 FROM activity_event WHERE ref = ? AND kind IN (${kinds.map(() => '?').join(',')}) LIMIT 1`
      )
      .get(event.ref, ...kinds);
    if (!seen) {
      this.record(event);
    }
    return !seen;
  }

  lastSeen(): number | null {
    const row = this.store.db.prepare('SELECT at FROM activity_seen WHERE id = 1').get() as
      { at: number } | undefined;
    return row?.at ?? null;
  }

  markSeen(at = this.now()): void {
    this.store.db
      .prepare(
        'INSERT INTO activity_seen (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at'
      )
      .run(at);
  }

  /** Deletes what is older than the retention; returns how many rows went. */
  prune(now = this.now()): number {
    const cutoff = now - this.options.retentionDays * DAY_MS;
    const cells = this.store.db
      .prepare('DELETE FROM activity_cell WHERE ended_at IS NOT NULL AND ended_at < ?')
      .run(cutoff).changes;
    const events = this.store.db
      .prepare('DELETE FROM activity_event WHERE at < ?')
      .run(cutoff).changes;
    return cells + events;
  }

  /** The deterministic summary of [since, until]. */
  summary(options: { since: number; until: number; watching: boolean }): ActivitySummary {
    const { since, until, watching } = options;
    const now = this.now();
    let truncated = false;
    const limited = <T>(rows: T[]): T[] => {
      if (rows.length > SUMMARY_LIST_MAX) {
        truncated = true;
        return rows.slice(0, SUMMARY_LIST_MAX);
      }
      return rows;
    };
    // Ordered by an indexed column, so a month of cells is not sorted to list the latest 200.
    const cells = (where: string, order: 'ended_at' | 'started_at', ...args: unknown[]) =>
      limited(
        this.store.db
          .prepare(
            `SELECT * FROM activity_cell WHERE ${where} ORDER BY ${order} DESC LIMIT ${SUMMARY_LIST_MAX + 1}`
          )
          .all(...args) as CellRow[]
      ).map(row => this.cellRun(row, now));
    const ended = 'ended_at >= ? AND ended_at <= ?';
    const events = (kinds: ActivityEventKind[]) =>
      limited(
        this.store.db
          .prepare(
            `SELECT at, kind, name, ref, detail FROM activity_event
             WHERE at >= ? AND at <= ? AND kind IN (${kinds.map(() => '?').join(',')})
             ORDER BY at DESC, id DESC LIMIT ${SUMMARY_LIST_MAX + 1}`
          )
          .all(since, until, ...kinds) as EventRow[]
      ).map((row): ActivityEvent => ({ ...row }));

    return {
      since,
      until,
      lastSeen: this.lastSeen(),
      watching,
      streamLines: this.options.streamLines,
      finished: cells(`status = 'ok' AND ${ended}`, 'ended_at', since, until),
      failed: cells(`status IN ('error', 'interrupted') AND ${ended}`, 'ended_at', since, until),
      running: cells(`status = 'running'`, 'started_at'),
      jobs: events(['job-finished', 'job-failed']),
      exposures: events(['exposure-ended']),
      kernels: events(['kernel-started', 'kernel-stopped', 'kernel-restarted', 'kernel-died']),
      documents: events(['document-opened', 'document-saved', 'document-closed']),
      idle: events(['idle-day', 'idle-reset']),
      storage: events(['storage-nearly-full']),
      apps: events(['app-started', 'app-stopped', 'app-crashed']),
      truncated
    };
  }

  private cellRun(row: CellRow, now: number): CellRun {
    const pending = this.pending.get(`${row.kernel_id}\n${row.msg_id}`);
    return {
      kernelId: row.kernel_id,
      path: row.path,
      count: row.count,
      startedAt: row.started_at,
      endedAt: row.ended_at,
      durationMs: Math.max(0, (row.ended_at ?? now) - row.started_at),
      status: row.status,
      ename: row.ename,
      lastLine: this.options.streamLines ? (pending ?? row.last_line) : null
    };
  }

  private takePending(kernelId: string, msgId: string): string | undefined {
    const key = `${kernelId}\n${msgId}`;
    const line = this.pending.get(key);
    this.pending.delete(key);
    return line;
  }
}
