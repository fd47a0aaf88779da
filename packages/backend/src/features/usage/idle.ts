/**
 * The idle clean-up, as the platform applies it: once a day at `idle.checkHour` (server local
 * time) the last 24 h are cut into `idle.segmentMinutes` segments, each segment's value is the
 * mean of its samples, and the busiest segment decides. When the server reserved a GPU only GPU
 * utilisation counts, else CPU cores. Below the threshold (strictly) the day is idle and a
 * counter of consecutive idle days goes up; a busy day resets it; a day without samples is
 * unknown and leaves it. When the counter passes the maximum the server is due for removal,
 * and with `idle.enforce: hub` this backend asks the open frontends to save, then stops its own
 * server through the JupyterHub REST API.
 *
 * A check missed while the server was stopped is not made up for: there were no samples, and
 * inventing idle days for a stopped server would remove it the moment it starts again.
 */
import { PassThrough } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { IdleStatus as IdleStatusBody, type IdleResource, type IdleStatus } from '@hotstepper/api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config';
import type { Store } from '../../store';
import { localDate } from './cost';
import { alignDown, wallClock, zoneOffset } from './history';
import type { UsageDeps } from './routes';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 3600_000;
/** How long the backend waits for a frontend to report its documents saved before stopping. */
export const SAVE_TIMEOUT_MS = 60_000;
/** A comment line on the event stream this often keeps proxies from closing it. */
export const KEEP_ALIVE_MS = 15_000;
/** How long the JupyterHub API gets to answer the stop request. */
const HUB_TIMEOUT_MS = 30_000;

export type IdleConfig = Config['idle'];
export type IdleVerdict = IdleStatus['verdict'];
export type IdleSegment = IdleStatus['segments'][number];

// ---------------------------------------------------------------------------------------------
// The rule, as pure functions.

/** One reading of the resource that counts; null where it was not reported (MIG utilisation). */
export interface IdleSample {
  ts: number;
  value: number | null;
}

/**
 * The `spanMs` before `end` in `segmentMs` segments, oldest first: each segment starts at `t`
 * and its value is the mean of the samples in it, null when it holds none. When the segment
 * does not divide the span the oldest segment is cut short: the span is never exceeded.
 */
export function segmentMeans(
  samples: Iterable<IdleSample>,
  end: number,
  segmentMs: number,
  spanMs = DAY_MS
): IdleSegment[] {
  const count = Math.ceil(spanMs / segmentMs);
  const start = end - count * segmentMs;
  const from = end - spanMs;
  const means = new Array<number>(count).fill(0);
  const counts = new Array<number>(count).fill(0);
  for (const { ts, value } of samples) {
    if (value === null || !Number.isFinite(value) || ts < from || ts >= end) {
      continue;
    }
    const i = Math.floor((ts - start) / segmentMs);
    counts[i] += 1;
    // A running mean: a segment of readings all at the threshold has its mean exactly there,
    // where sum / n can land a rounding error below it.
    means[i] += (value - means[i]) / counts[i];
  }
  return means.map((mean, i) => ({ t: start + i * segmentMs, value: counts[i] ? mean : null }));
}

/** The value of the busiest segment; null when no segment has samples. */
export function busiestSegment(segments: readonly IdleSegment[]): number | null {
  let busiest: number | null = null;
  for (const { value } of segments) {
    if (value !== null && (busiest === null || value > busiest)) {
      busiest = value;
    }
  }
  return busiest;
}

/** Idle only strictly below the threshold: a value exactly at it is busy. */
export function idleVerdict(busiest: number | null, threshold: number): IdleVerdict {
  if (busiest === null) {
    return 'unknown';
  }
  return busiest < threshold ? 'idle' : 'busy';
}

/** The counter of consecutive idle days after a check with this verdict. */
export function nextIdleDays(previous: number, verdict: IdleVerdict): number {
  switch (verdict) {
    case 'idle':
      return previous + 1;
    case 'busy':
      return 0;
    default:
      return previous;
  }
}

/** The threshold and limit of the resource that counts. */
export function idleRule(
  config: IdleConfig,
  resource: IdleResource
): { threshold: number; maxIdleDays: number } {
  return resource === 'gpu'
    ? { threshold: config.gpuThreshold, maxIdleDays: config.gpuMaxIdleDays }
    : { threshold: config.cpuThreshold, maxIdleDays: config.cpuMaxIdleDays };
}

/** The instant a local calendar day reaches `hour`:00 (days past the month's end roll over). */
function localHour(year: number, month: number, day: number, hour: number, timeZone?: string) {
  const wall = Date.UTC(year, month - 1, day, hour);
  const guess = wall - zoneOffset(wall, timeZone);
  // Again with the offset in force at the guess, in case the clocks changed in between.
  return wall - zoneOffset(guess, timeZone);
}

/** The first daily check strictly after `now`: `checkHour`:00 local time, today or tomorrow. */
export function nextCheckAt(now: number, checkHour: number, timeZone?: string): number {
  const { year, month, day } = wallClock(now, timeZone);
  const today = localHour(year, month, day, checkHour, timeZone);
  return today > now ? today : localHour(year, month, day + 1, checkHour, timeZone);
}

/** The daily check `days` local days after the check at `check`. */
export function checkAfterDays(
  check: number,
  days: number,
  checkHour: number,
  timeZone?: string
): number {
  const { year, month, day } = wallClock(check, timeZone);
  return localHour(year, month, day + days, checkHour, timeZone);
}

export interface RemovalInput {
  /** The counter after the last check. */
  idleDays: number;
  maxIdleDays: number;
  /** Today's verdict so far. */
  verdict: IdleVerdict;
  nextCheck: number;
  /** When the last check ran; null before the first. */
  lastCheck: number | null;
  checkHour: number;
  timeZone?: string;
}

/**
 * The check at which the counter passes `maxIdleDays` if every day from now on is idle: the
 * counter must reach max + 1, one step per check, the first step at the next check. Null when
 * the server is not counting down (counter 0 and busy today). When the counter has already
 * passed the maximum (enforcement off or failed), the removal was due at the last check.
 */
export function removalAt(input: RemovalInput): number | null {
  const { idleDays, maxIdleDays, verdict, nextCheck, lastCheck, checkHour, timeZone } = input;
  if (idleDays === 0 && verdict === 'busy') {
    return null;
  }
  if (idleDays > maxIdleDays) {
    return lastCheck ?? nextCheck;
  }
  return checkAfterDays(nextCheck, maxIdleDays - idleDays, checkHour, timeZone);
}

/**
 * Whether the frontend should warn: enabled, and an idle day counted or the removal within
 * `warnDaysBefore` days.
 */
export function idleWarning(
  config: IdleConfig,
  idleDays: number,
  removal: number | null,
  now: number
): boolean {
  if (!config.enabled) {
    return false;
  }
  return idleDays > 0 || (removal !== null && removal - now <= config.warnDaysBefore * DAY_MS);
}

// ---------------------------------------------------------------------------------------------
// The daily check and the live status.

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
    const due = nextCheckAt(this.now(), this.options.config.checkHour, this.options.timeZone);
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
    const run = this.options.store.db.transaction((): [IdleCheck, boolean] => {
      const existing = this.byDay.get(day) as IdleCheckRow | undefined;
      if (existing) {
        return [fromRow(existing), false];
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
      return [check, true];
    });
    const [check, created] = run.immediate();
    if (created) {
      this.options.log.info({ idleCheck: check }, 'daily idle check');
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
    const nextCheck = nextCheckAt(now, config.checkHour, timeZone);
    const removal = config.enabled
      ? removalAt({
          idleDays,
          maxIdleDays,
          verdict,
          nextCheck,
          lastCheck: last?.checkedAt ?? null,
          checkHour: config.checkHour,
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

// ---------------------------------------------------------------------------------------------
// The usage event stream.

/** Where the event stream writes: one connected frontend. */
export interface EventClient {
  write(chunk: string): void;
  end(): void;
}

export type SaveAnswer = 'saved' | 'timeout' | 'closed';

/** The data of `event: save-all`. */
export interface SaveAllRequest {
  reason: string;
  /** Unix ms after which the server is stopped whether or not the frontends answered. */
  deadline: number;
}

/**
 * The usage feature's in-process event hub: the frontends connected to `GET /events`, a
 * keep-alive comment every 15 s, and the save-all request with its answers.
 */
export class UsageEvents {
  private readonly clients = new Set<EventClient>();
  private keepAlive?: NodeJS.Timeout;
  private nextId = 1;
  private save?: {
    frame: string;
    expected: number;
    answered: number;
    timer: NodeJS.Timeout;
    done: Promise<SaveAnswer>;
    resolve: (answer: SaveAnswer) => void;
  };

  constructor(private readonly options: { keepAliveMs?: number } = {}) {}

  /** How many frontends are connected. */
  get connected(): number {
    return this.clients.size;
  }

  /** Adds a frontend; it is told at once of a save-all still waiting. Returns its removal. */
  connect(client: EventClient): () => void {
    this.clients.add(client);
    client.write(': hotstepper usage events\n\n');
    if (this.save) {
      client.write(this.save.frame);
    }
    if (!this.keepAlive) {
      this.keepAlive = setInterval(
        () => this.broadcast(': keep-alive\n\n'),
        this.options.keepAliveMs ?? KEEP_ALIVE_MS
      );
      this.keepAlive.unref();
    }
    return () => {
      this.clients.delete(client);
      if (!this.clients.size) {
        clearInterval(this.keepAlive);
        this.keepAlive = undefined;
      }
    };
  }

  /** Sends one event to every connected frontend; returns its frame. */
  emit(event: string, data: unknown): string {
    const frame = `id: ${this.nextId++}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    this.broadcast(frame);
    return frame;
  }

  private broadcast(chunk: string): void {
    for (const client of this.clients) {
      client.write(chunk);
    }
  }

  /**
   * Asks the frontends to save their open documents (`event: save-all`) and resolves once each
   * frontend connected now has answered (at least one when none is: a tab may be
   * reconnecting), or after `timeoutMs`. A request already waiting is shared.
   */
  requestSave(request: SaveAllRequest, timeoutMs: number): Promise<SaveAnswer> {
    if (this.save) {
      return this.save.done;
    }
    let resolve!: (answer: SaveAnswer) => void;
    const done = new Promise<SaveAnswer>(r => (resolve = r));
    const frame = this.emit('save-all', request);
    const timer = setTimeout(() => this.finishSave('timeout'), timeoutMs);
    timer.unref();
    this.save = {
      frame,
      expected: Math.max(1, this.clients.size),
      answered: 0,
      timer,
      done,
      resolve
    };
    return done;
  }

  /** A frontend reports its documents saved; true when a save-all was waiting for it. */
  saved(): boolean {
    if (!this.save) {
      return false;
    }
    this.save.answered += 1;
    if (this.save.answered >= this.save.expected) {
      this.finishSave('saved');
    }
    return true;
  }

  private finishSave(answer: SaveAnswer): void {
    const save = this.save;
    if (save) {
      this.save = undefined;
      clearTimeout(save.timer);
      save.resolve(answer);
    }
  }

  /** Ends every stream (the server is closing) and lets a waiting save-all go. */
  close(): void {
    clearInterval(this.keepAlive);
    this.keepAlive = undefined;
    for (const client of this.clients) {
      client.end();
    }
    this.clients.clear();
    this.finishSave('closed');
  }
}

// ---------------------------------------------------------------------------------------------
// Stopping the server through JupyterHub.

/** The stop request: where, and the token to send (never to be logged). */
export interface HubStopTarget {
  url: string;
  token: string;
}

/**
 * The stop request for this server from the environment JupyterHub's spawner sets, or the
 * first variable that is missing. `JUPYTERHUB_SERVER_NAME` empty or unset is the default
 * server. The path and verb are those of JupyterHub's REST API: `DELETE /users/{name}/server`
 * stops the default server, `DELETE /users/{name}/servers/{server_name}` a named one (202 while
 * stopping, 204 once stopped).
 */
export function hubStopTarget(env: NodeJS.ProcessEnv): HubStopTarget | { missing: string } {
  for (const name of ['JUPYTERHUB_API_URL', 'JUPYTERHUB_API_TOKEN', 'JUPYTERHUB_USER']) {
    if (!env[name]) {
      return { missing: name };
    }
  }
  const api = env.JUPYTERHUB_API_URL!.replace(/\/+$/, '');
  const user = encodeURIComponent(env.JUPYTERHUB_USER!);
  const server = env.JUPYTERHUB_SERVER_NAME;
  const path = server
    ? `/users/${user}/servers/${encodeURIComponent(server)}`
    : `/users/${user}/server`;
  return { url: `${api}${path}`, token: env.JUPYTERHUB_API_TOKEN! };
}

/**
 * Stops this server through JupyterHub with the server's own token (`JUPYTERHUB_API_TOKEN`).
 *
 * The token needs the scope `servers!server=<user>/<name>` (or `delete:servers` on the user),
 * which JupyterHub does not give a server's token by default: add it with
 * `c.Spawner.server_token_scopes` (JupyterHub ≥ 4.0), e.g. the shortcut `"servers!server"`
 * next to the default scopes. Without it the hub answers 403 and the failure is logged.
 *
 * Resolves true when the hub accepted (2xx). The token is sent, never logged.
 */
export async function stopThroughHub(
  target: HubStopTarget,
  log: FastifyBaseLogger,
  fetchImpl: typeof fetch = fetch
): Promise<boolean> {
  try {
    const res = await fetchImpl(target.url, {
      method: 'DELETE',
      headers: { Authorization: `token ${target.token}` },
      signal: AbortSignal.timeout(HUB_TIMEOUT_MS)
    });
    if (res.ok) {
      log.warn({ url: target.url, status: res.status }, 'JupyterHub is stopping this idle server');
      return true;
    }
    const body = (await res.text()).slice(0, 500);
    log.error(
      { url: target.url, status: res.status, body },
      `JupyterHub refused to stop this idle server (HTTP ${res.status}); the server's token needs the scope servers!server (see c.Spawner.server_token_scopes)`
    );
  } catch (err) {
    log.error({ url: target.url, err }, 'JupyterHub could not be reached to stop this idle server');
  }
  return false;
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

// ---------------------------------------------------------------------------------------------
// Routes.

const Saved = Type.Object({ ok: Type.Literal(true) });

export interface IdleRouteOptions {
  /** A watch of one's own (tests); default one from the config, started with the app. */
  watch?: IdleWatch;
  /** The event hub; default a new one. */
  events?: UsageEvents;
}

/** The idle routes, with the watch and event hub given (tests) or made from the config. */
export function createIdleRoutes(
  options: IdleRouteOptions = {}
): FastifyPluginAsyncTypebox<UsageDeps> {
  return async (app, { config, store }) => {
    const events = options.events ?? new UsageEvents();
    const watch =
      options.watch ??
      new IdleWatch({
        store,
        config: config.idle,
        log: app.log,
        enforce: hubEnforcer({ events, log: app.log })
      });
    watch.start();
    // Before fastify waits for open requests to finish: the streams never would.
    app.addHook('preClose', async () => events.close());
    app.addHook('onClose', async () => watch.close());

    app.get(
      '/idle',
      {
        schema: {
          summary:
            "The idle clean-up: today's verdict from the last 24 h in segments, the idle-day counter and the removal date",
          tags: ['usage'],
          response: { 200: IdleStatusBody }
        }
      },
      async () => watch.status()
    );

    app.post(
      '/idle/saved',
      {
        schema: {
          summary:
            'A frontend has saved its open documents after a save-all event; the server may now be stopped',
          tags: ['usage'],
          response: { 200: Saved }
        }
      },
      async () => {
        events.saved();
        return { ok: true as const };
      }
    );

    app.get(
      '/events',
      {
        schema: {
          summary:
            'Server-sent events of the usage feature: `save-all` ({"reason", "deadline" in unix ms}) before an idle server is stopped; a comment every 15 s keeps the stream open',
          tags: ['usage'],
          response: {
            200: {
              description: 'An endless text/event-stream',
              content: {
                // A stream in TypeScript, a string in the OpenAPI document.
                'text/event-stream': { schema: Type.Unsafe<PassThrough>({ type: 'string' }) }
              }
            }
          }
        }
      },
      async (_req, reply) => {
        const stream = new PassThrough();
        const disconnect = events.connect({
          write: chunk => void stream.write(chunk),
          end: () => stream.end()
        });
        reply.raw.on('close', () => {
          disconnect();
          stream.end();
        });
        // jupyter-server-proxy streams text/event-stream (and buffers everything else);
        // X-Accel-Buffering keeps an nginx in front from buffering it.
        return reply
          .header('Content-Type', 'text/event-stream; charset=utf-8')
          .header('Cache-Control', 'no-cache')
          .header('X-Accel-Buffering', 'no')
          .send(stream);
      }
    );
  };
}

/** GET /idle, GET /events, POST /idle/saved. */
export const idleRoutes = createIdleRoutes();
