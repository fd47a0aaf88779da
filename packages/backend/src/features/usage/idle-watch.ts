/**
 * The daily idle check on a timer, the live idle status, and the `hub` enforcement: ask the
 * open frontends to save, then stop this server through JupyterHub. (The rule is idle-rule.ts.)
 *
 * A check missed while the server was stopped is not made up for: there were no samples, and
 * inventing idle days for a stopped server would remove it the moment it starts again.
 */
import type { IdleResource, IdleStatus } from '@hotstepper/api';
import type { FastifyBaseLogger } from 'fastify';
import { hubStopTarget, stopThroughHub } from '../../platform/hub';
import type { Store } from '../../store';
import { alignDown, localDate, zoneOffset } from '../../time';
import type { UsageEvents } from './events';
import {
  busiestSegment,
  idleRule,
  idleVerdict,
  idleWarning,
  nextCheckAt,
  nextIdleDays,
  removalAt,
  segmentMeans,
  type IdleConfig,
  type IdleSegment,
  type IdleVerdict
} from './idle-rule';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 3600_000;
/** How long the backend waits for a frontend to report its documents saved before stopping. */
export const SAVE_TIMEOUT_MS = 60_000;

/** One daily check, as stored in `idle_check`. */
export interface IdleCheck {
  /** YYYY-MM-DD, server local time. */
  day: string;
  checkedAt: number;
  resource: IdleResource;
  busiest: number | null;
  verdict: IdleVerdict;
  /** The counter after this check. */
  idleDays: number;
}

interface IdleCheckRow {
  day: string;
  checked_at: number;
  resource: IdleResource;
  busiest: number | null;
  idle: number;
  idle_days: number;
}

const fromRow = (row: IdleCheckRow): IdleCheck => ({
  day: row.day,
  checkedAt: row.checked_at,
  resource: row.resource,
  busiest: row.busiest,
  verdict: row.busiest === null ? 'unknown' : row.idle ? 'idle' : 'busy',
  idleDays: row.idle_days
});

/** What stops the server once the counter has passed the maximum. */
export type IdleEnforcer = (check: IdleCheck, maxIdleDays: number) => Promise<void>;

export interface IdleWatchOptions {
  store: Store;
  config: IdleConfig;
  log: FastifyBaseLogger;
  /** The clock; tests set it. */
  now?: () => number;
  /** Whose local time `checkHour` and the check's day are in; default the server's zone. */
  timeZone?: string;
  /** Called after a check that passes the maximum, when `enforce` is `hub`. */
  enforce?: IdleEnforcer;
  /** Called after each new check with the counter before it. */
  onCheck?: (check: IdleCheck, idleDaysBefore: number, maxIdleDays: number) => void;
}

/**
 * Runs the daily check on a timer and answers the live idle status. The check reads the raw
 * samples (kept 48 h) and stores its result in `idle_check`, one row per local day.
 */
export class IdleWatch {
  private readonly now: () => number;
  private timer?: NodeJS.Timeout;
  private closed = false;
  private enforcement?: Promise<void>;
  private readonly samples;
  private readonly latestSample;
  private readonly byDay;
  private readonly before;
  private readonly latest;
  private readonly insert;

  constructor(private readonly options: IdleWatchOptions) {
    this.now = options.now ?? Date.now;
    const { db } = options.store;
    this.samples = db.prepare(
      'SELECT ts, cpu_used, gpu_util FROM usage_sample WHERE ts >= ? AND ts < ? ORDER BY ts'
    );
    // The sampler stores GPU memory exactly when its snapshot has GPUs.
    this.latestSample = db
      .prepare(
        'SELECT gpu_mem IS NOT NULL FROM usage_sample WHERE ts <= ? ORDER BY ts DESC LIMIT 1'
      )
      .pluck();
    this.byDay = db.prepare('SELECT * FROM idle_check WHERE day = ?');
    this.before = db.prepare('SELECT * FROM idle_check WHERE day < ? ORDER BY day DESC LIMIT 1');
    this.latest = db.prepare('SELECT * FROM idle_check ORDER BY day DESC LIMIT 1');
    this.insert = db.prepare(
      `INSERT INTO idle_check (day, checked_at, resource, busiest, idle, idle_days)
       VALUES (@day, @checkedAt, @resource, @busiest, @idle, @idleDays)`
    );
  }

  /** Arms the daily check (when the clean-up is enabled). */
  start(): void {
    if (this.options.config.enabled && !this.closed) {
      this.arm();
    }
  }

  /** Stops the timer; a running enforcement goes on. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The enforcement started by the last check, if any: tests await it. */
  get enforcing(): Promise<void> | undefined {
    return this.enforcement;
  }

  private arm(): void {
    const { checkHour, checkMinute } = this.options.config;
    const due = nextCheckAt(this.now(), checkHour, this.options.timeZone, checkMinute);
    const schedule = (wait: number): void => {
      this.timer = setTimeout(tick, wait);
      this.timer.unref();
    };
    const tick = (): void => {
      if (this.closed) {
        return;
      }
      const left = due - this.now();
      if (left > 0) {
        // A timer can fire a little early when the wall clock was adjusted: wait out the rest.
        schedule(left);
        return;
      }
      try {
        this.check();
      } catch (err) {
        this.options.log.error({ err }, 'the daily idle check failed');
      }
      this.arm();
    };
    schedule(Math.max(0, due - this.now()));
  }

  /** Whether the latest sample had GPUs: then only GPU utilisation counts. */
  resource(now = this.now()): IdleResource {
    return this.latestSample.get(now) ? 'gpu' : 'cpu';
  }

  /** The last 24 h before `end`, in segments of the resource that counts. */
  segments(end: number, resource: IdleResource): IdleSegment[] {
    const segmentMs = this.options.config.segmentMinutes * MINUTE_MS;
    const rows = this.samples.iterate(end - DAY_MS, end) as IterableIterator<{
      ts: number;
      cpu_used: number;
      gpu_util: number | null;
    }>;
    const samples = (function* () {
      for (const row of rows) {
        yield { ts: row.ts, value: resource === 'gpu' ? row.gpu_util : row.cpu_used };
      }
    })();
    return segmentMeans(samples, end, segmentMs);
  }

  /** The segment grid, aligned to local time, at or before `at`. */
  private gridFloor(at: number): number {
    const segmentMs = this.options.config.segmentMinutes * MINUTE_MS;
    return alignDown(at, segmentMs, zoneOffset(at, this.options.timeZone));
  }

  /**
   * The daily check at `now`: the 24 h of whole segments before it, the verdict, the counter
   * after it, stored in one transaction. A second check on the same local day changes nothing
   * and answers the first. A check that passes the maximum starts the enforcement.
   */
  check(now = this.now()): IdleCheck {
    const { config, timeZone } = this.options;
    const day = localDate(now, timeZone);
    const run = this.options.store.db.transaction((): [IdleCheck, boolean, number] => {
      const existing = this.byDay.get(day) as IdleCheckRow | undefined;
      if (existing) {
        return [fromRow(existing), false, 0];
      }
      const previous = this.before.get(day) as IdleCheckRow | undefined;
      const resource = this.resource(now);
      const busiest = busiestSegment(this.segments(this.gridFloor(now), resource));
      const verdict = idleVerdict(busiest, idleRule(config, resource).threshold);
      const check: IdleCheck = {
        day,
        checkedAt: now,
        resource,
        busiest,
        verdict,
        idleDays: nextIdleDays(previous?.idle_days ?? 0, verdict)
      };
      this.insert.run({ ...check, idle: verdict === 'idle' ? 1 : 0 });
      return [check, true, previous?.idle_days ?? 0];
    });
    const [check, created, before] = run.immediate();
    if (created) {
      this.options.log.info({ idleCheck: check }, 'daily idle check');
      this.options.onCheck?.(check, before, idleRule(config, check.resource).maxIdleDays);
      this.afterCheck(check);
    }
    return check;
  }

  private afterCheck(check: IdleCheck): void {
    const { config, enforce, log } = this.options;
    const { maxIdleDays } = idleRule(config, check.resource);
    if (
      !config.enabled ||
      config.enforce !== 'hub' ||
      !enforce ||
      check.idleDays <= maxIdleDays ||
      this.enforcement
    ) {
      return;
    }
    this.enforcement = enforce(check, maxIdleDays)
      .catch(err => log.error({ err }, 'stopping the idle server failed'))
      .finally(() => (this.enforcement = undefined));
  }

  /** The last check stored, if any. */
  lastCheck(): IdleCheck | undefined {
    const row = this.latest.get() as IdleCheckRow | undefined;
    return row && fromRow(row);
  }

  /** Where this server stands: today's segments and verdict so far, the counter, the dates. */
  status(now = this.now()): IdleStatus {
    const { config, timeZone } = this.options;
    const resource = this.resource(now);
    const { threshold, maxIdleDays } = idleRule(config, resource);
    // The grid runs to the end of the segment in progress, so the chart's segments stay put.
    const segmentMs = config.segmentMinutes * MINUTE_MS;
    const segments = this.segments(this.gridFloor(now) + segmentMs, resource);
    const busiest = busiestSegment(segments);
    const verdict = idleVerdict(busiest, threshold);
    const last = this.lastCheck();
    const idleDays = last?.idleDays ?? 0;
    const nextCheck = nextCheckAt(now, config.checkHour, timeZone, config.checkMinute);
    const removal = config.enabled
      ? removalAt({
          idleDays,
          maxIdleDays,
          verdict,
          nextCheck,
          lastCheck: last?.checkedAt ?? null,
          checkHour: config.checkHour,
          checkMinute: config.checkMinute,
          timeZone
        })
      : null;
    return {
      enabled: config.enabled,
      enforce: config.enforce,
      resource,
      threshold,
      maxIdleDays,
      checkHour: config.checkHour,
      segmentMinutes: config.segmentMinutes,
      segments,
      busiest,
      verdict,
      idleDays,
      lastCheck: last ? new Date(last.checkedAt).toISOString() : null,
      nextCheck: new Date(nextCheck).toISOString(),
      removalAt: removal === null ? null : new Date(removal).toISOString(),
      warning: idleWarning(config, idleDays, removal, now)
    };
  }
}

export interface HubEnforcerOptions {
  events: UsageEvents;
  log: FastifyBaseLogger;
  /** Where the JUPYTERHUB_* variables are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** How long the frontends get to save; default 60 s. */
  saveTimeoutMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
}

/**
 * The `hub` enforcement: ask the connected frontends to save every open document, wait until
 * they report back (or the timeout), then stop the server through JupyterHub. Without the hub's
 * environment variables it logs which one is missing and does nothing.
 */
export function hubEnforcer(options: HubEnforcerOptions): IdleEnforcer {
  const { events, log } = options;
  return async (check, maxIdleDays) => {
    const target = hubStopTarget(options.env ?? process.env);
    if ('missing' in target) {
      log.error(
        `idle.enforce is "hub" but ${target.missing} is not set (this server was not started by JupyterHub?): the idle server is not stopped`
      );
      return;
    }
    const timeoutMs = options.saveTimeoutMs ?? SAVE_TIMEOUT_MS;
    const now = (options.now ?? Date.now)();
    const resource = check.resource === 'gpu' ? 'GPU' : 'CPU';
    const reason = `${resource} idle for ${check.idleDays} days, more than the ${maxIdleDays} allowed: the server is being stopped`;
    log.warn({ frontends: events.connected }, `${reason}; asking open frontends to save first`);
    const answer = await events.requestSave({ reason, deadline: now + timeoutMs }, timeoutMs);
    if (answer === 'closed') {
      return;
    }
    log.info({ answer }, 'stopping the idle server');
    await stopThroughHub(target, log, options.fetch);
  };
}
