/**
 * Exposures: the flare_exposure table, kept in step with the platform's gateway. Locally the
 * table is the truth and every row is re-exposed at start; on Kubernetes the gateway's own list
 * is the truth and the table follows it. Request counts come from the gateway and are written
 * to the table every few seconds, so they survive restarts. Expired exposures are removed by a
 * timer and remembered for a day in flare_expired, for the notification.
 */
import { randomInt } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { FastifyBaseLogger } from 'fastify';
import { FLARE_PASSWORD_MAX_BYTES, FLARE_USER } from '@hotstepper/api';
import type {
  ExposeRequest,
  Exposure,
  ExposureList,
  FlareInfo,
  ListeningPorts
} from '@hotstepper/api';
import type { Config } from '../../config';
import { HttpError } from '../../errors';
import type { ExposureSpec, FlareGateway } from '../../platform/flare';
import type { Store } from '../../store';
import type { ListeningSocket, PortListener, ProcessNode } from '../../platform/types';
import { redactCommand } from '../../redact';
import { ancestorsOf, answersHttp, classifyListener } from './candidates';

const EXPIRED_KEPT_MS = 24 * 3600_000;
const SECRET_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** How long one /proc scan answers for: polling clients share it. */
const SCAN_TTL_MS = 1000;
/** How long whether an app answers HTTP is remembered (per process and port). */
const PROBE_TTL_MS = 10_000;
/** How long an HTTP probe waits for the status line. */
const PROBE_TIMEOUT_MS = 500;

/** A listener with what it belongs to. */
type ClassifiedListener = PortListener & ReturnType<typeof classifyListener>;

interface Row {
  name: string;
  port: number;
  protection: ExposureSpec['protection'];
  secret: string | null;
  created_at: number;
  expires_at: number | null;
  requests: number;
  last_request_at: number | null;
}

export interface FlareServiceOptions {
  config: Config['flare'];
  store: Store;
  gateway: FlareGateway;
  platform: FlareInfo['platform'];
  /** The listening ports of the user's processes (the platform's processes.listeningPorts). */
  scan: () => Promise<PortListener[]>;
  /** Every listening socket with its owner (processes.listeningSockets): says when a port is another user's. */
  sockets?: () => Promise<ListeningSocket[]>;
  /**
   * The processes of the machine with their parents (processes.tree(1)): the Jupyter server is
   * found among the backend's ancestors. Without it only command lines tell.
   */
  processes?: () => Promise<Pick<ProcessNode, 'pid' | 'ppid'>[]>;
  /** The backend's own pid (default this process): its sockets are not the user's apps. */
  backendPid?: number;
  /** Whether an app answers HTTP (default: a HEAD / with a short timeout). */
  probe?: (address: string, port: number) => Promise<boolean>;
  log?: FastifyBaseLogger;
  /** Unix ms; tests may move it. */
  now?: () => number;
  /** How often expiry is checked. */
  sweepMs?: number;
  /** How often request counts are written to the table. */
  flushMs?: number;
  /** bcrypt cost. */
  bcryptRounds?: number;
}

/** 16 characters [a-z0-9], from the CSPRNG. */
export function newSecret(): string {
  let s = '';
  for (let i = 0; i < 16; i++) {
    s += SECRET_ALPHABET[randomInt(SECRET_ALPHABET.length)];
  }
  return s;
}

const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? undefined : new Date(ms).toISOString();

function toSpec(row: Row): ExposureSpec {
  return {
    name: row.name,
    port: row.port,
    protection: row.protection,
    ...(row.secret ? { secret: row.secret } : {}),
    ...(row.expires_at !== null ? { expiresAt: row.expires_at } : {})
  };
}

export class FlareService {
  readonly ready: Promise<void>;
  private readonly now: () => number;
  private started?: Promise<void>;
  /** The gateway's last stop: a start waits for it (the port must be free again). */
  private closing: Promise<void> = Promise.resolve();
  /** Names being exposed right now (bcrypt and the gateway are async): taken all the same. */
  private readonly pending = new Map<string, number>();
  /** Per name, the gateway's count already added to the table. */
  private readonly flushed = new Map<string, number>();
  private readonly timers: NodeJS.Timeout[] = [];
  private scanCache?: { at: number; ports: Promise<ClassifiedListener[]> };
  /** The backend's ancestors, read once (they change only with the backend). */
  private ancestors?: Promise<Set<number>>;
  /** `pid:address:port` → whether it answered HTTP, and when that was found. */
  private readonly probes = new Map<string, { at: number; http: Promise<boolean> }>();
  private stopped = false;

  constructor(private readonly options: FlareServiceOptions) {
    this.now = options.now ?? Date.now;
    this.ready = this.startUp().catch(err => {
      options.log?.error({ err }, 'flare: could not restore the exposures');
    });
  }

  private get db() {
    return this.options.store.db;
  }

  private get gateway() {
    return this.options.gateway;
  }

  private rows(): Row[] {
    return this.db.prepare('SELECT * FROM flare_exposure ORDER BY created_at, name').all() as Row[];
  }

  private row(name: string): Row | undefined {
    return this.db.prepare('SELECT * FROM flare_exposure WHERE name = ?').get(name) as
      Row | undefined;
  }

  /** Why nothing can be exposed, if so. */
  unavailable(): string | undefined {
    if (!this.options.config.enabled) {
      return 'Exposing apps is turned off on this server (the administrator’s flare.enabled)';
    }
    return this.gateway.unavailable();
  }

  /** Starts the gateway once it is needed: no listening port before there is an exposure. */
  private ensureStarted(): Promise<void> {
    this.started ??= this.closing
      .then(() => this.gateway.start())
      .then(
        () => {
          if (this.gateway.unavailable()) {
            this.started = undefined; // the next attempt tries again (the address may be free by then)
          }
        },
        err => {
          this.started = undefined;
          throw err;
        }
      );
    return this.started;
  }

  /**
   * Stops the gateway once nothing is exposed (locally the proxy's port closes), so it listens
   * only while something is; the next expose starts it again.
   */
  private stopIfIdle(): Promise<void> {
    if (this.started && !this.stopped && !this.pending.size && !this.rows().length) {
      this.started = undefined;
      this.closing = this.closing
        .then(() => this.gateway.close())
        .catch(err => this.options.log?.error({ err }, 'flare: could not stop the gateway'));
    }
    return this.closing;
  }

  private async startUp(): Promise<void> {
    if (!this.options.config.enabled) {
      return;
    }
    try {
      await this.restore();
    } finally {
      // Expiry and counting go on even when restoring failed (the platform's API was down).
      if (!this.stopped) {
        this.timers.push(
          setInterval(() => void this.sweep().catch(() => {}), this.options.sweepMs ?? 1000),
          setInterval(() => this.flush(), this.options.flushMs ?? 5000)
        );
        for (const t of this.timers) {
          t.unref();
        }
      }
    }
  }

  private async restore(): Promise<void> {
    const specs = await this.gateway.list();
    if (specs !== undefined) {
      this.adopt(specs);
      if (specs.length) {
        await this.ensureStarted();
      }
      return;
    }
    await this.sweep();
    const rows = this.rows();
    if (rows.length) {
      await this.ensureStarted();
      // The gateway connects only to the user's own listener, so an exposure whose port was
      // taken by someone else while the backend was down serves nothing: say so in the log.
      const mine = new Set((await this.scan(true).catch(() => [])).map(l => l.port));
      for (const row of rows) {
        if (!mine.has(row.port)) {
          this.options.log?.warn(
            { name: row.name, port: row.port },
            'flare: restored an exposure with no listener of the user on its port'
          );
        }
        await this.gateway.expose(toSpec(row)).catch(err => {
          this.options.log?.error({ err, name: row.name }, 'flare: could not re-expose');
        });
      }
    }
  }

  /** The platform holds the exposures: the table is made to say the same. */
  private adopt(specs: ExposureSpec[]): void {
    const now = this.now();
    const names = new Set(specs.map(s => s.name));
    this.db.transaction(() => {
      for (const row of this.rows()) {
        if (!names.has(row.name)) {
          this.db.prepare('DELETE FROM flare_exposure WHERE name = ?').run(row.name);
        }
      }
      const upsert = this.db.prepare(
        `INSERT INTO flare_exposure (name, port, protection, secret, created_at, expires_at)
         VALUES (@name, @port, @protection, @secret, @now, @expiresAt)
         ON CONFLICT (name) DO UPDATE SET port = excluded.port, protection = excluded.protection,
           secret = excluded.secret, expires_at = excluded.expires_at`
      );
      for (const s of specs) {
        upsert.run({
          name: s.name,
          port: s.port,
          protection: s.protection,
          secret: s.secret ?? null,
          now,
          expiresAt: s.expiresAt ?? null
        });
      }
    })();
  }

  /** Listening ports with what they belong to, one scan shared for a second by everyone asking. */
  private scan(fresh = false): Promise<ClassifiedListener[]> {
    const now = Date.now();
    if (fresh || !this.scanCache || now - this.scanCache.at > SCAN_TTL_MS) {
      const ports = this.classified();
      this.scanCache = { at: now, ports };
      ports.catch(() => (this.scanCache = undefined));
    }
    return this.scanCache.ports;
  }

  private async classified(): Promise<ClassifiedListener[]> {
    const backendPid = this.options.backendPid ?? process.pid;
    this.ancestors ??= (async () => {
      const all = (await this.options.processes?.()) ?? [];
      return new Set(ancestorsOf(backendPid, all));
    })();
    this.ancestors.catch(() => (this.ancestors = undefined));
    const [listeners, ancestors] = await Promise.all([
      this.options.scan(),
      this.ancestors.catch(() => new Set<number>())
    ]);
    return listeners.map(l => ({ ...l, ...classifyListener(l, { backendPid, ancestors }) }));
  }

  /** Whether the app at a listener answers HTTP, remembered for a while per process and port. */
  private answersHttp(l: PortListener): Promise<boolean> {
    const key = `${l.pid}:${l.address}:${l.port}`;
    const now = Date.now();
    const known = this.probes.get(key);
    if (known && now - known.at < PROBE_TTL_MS) {
      return known.http;
    }
    if (this.probes.size > 256) {
      for (const [k, v] of this.probes) {
        if (now - v.at >= PROBE_TTL_MS) {
          this.probes.delete(k);
        }
      }
    }
    const probe = this.options.probe ?? ((a, p) => answersHttp(a, p, PROBE_TIMEOUT_MS));
    const http = probe(l.address, l.port).catch(() => false);
    this.probes.set(key, { at: now, http });
    return http;
  }

  info(): FlareInfo {
    const unavailable = this.unavailable();
    return {
      platform: this.options.platform,
      urlTemplate: this.gateway.urlFor('{name}'),
      passwordMinLength: this.options.config.passwordMinLength,
      ...(unavailable ? { unavailable } : {}),
      proxyTemplates: { relative: 'proxy/{port}/', absolute: 'proxy/absolute/{port}/' }
    };
  }

  /** Every listening port of the user's, each with what it is and, for an app, whether it answers HTTP. */
  async ports(): Promise<ListeningPorts> {
    const [listeners, rows] = [await this.scan(), this.rows()];
    const http = await Promise.all(
      listeners.map(l => (l.kind === 'app' ? this.answersHttp(l) : undefined))
    );
    return {
      ports: listeners.map((l, i) => ({
        ...l,
        command: redactCommand(l.command),
        exposures: rows.filter(r => r.port === l.port).map(r => r.name),
        ...(http[i] !== undefined ? { http: http[i] } : {})
      })),
      checkedAt: new Date().toISOString()
    };
  }

  private exposure(row: Row, listening: Set<number>): Exposure {
    const live = this.gateway.traffic().get(row.name);
    const unflushed = live ? Math.max(0, live.requests - (this.flushed.get(row.name) ?? 0)) : 0;
    const last = Math.max(row.last_request_at ?? 0, live?.lastRequestAt ?? 0) || undefined;
    const label = row.protection === 'secret-link' ? `${row.name}-${row.secret}` : row.name;
    return {
      name: row.name,
      port: row.port,
      protection: row.protection,
      url: this.gateway.urlFor(label),
      ...(row.protection === 'password' ? { username: FLARE_USER } : {}),
      createdAt: iso(row.created_at)!,
      ...(row.expires_at !== null ? { expiresAt: iso(row.expires_at) } : {}),
      requests: row.requests + unflushed,
      ...(last ? { lastRequestAt: iso(last) } : {}),
      listening: listening.has(row.port)
    };
  }

  async list(): Promise<ExposureList> {
    await this.ready;
    const listening = new Set((await this.scan()).map(l => l.port));
    const since = this.now() - EXPIRED_KEPT_MS;
    const expired = this.db
      .prepare(
        'SELECT name, port, expired_at FROM flare_expired WHERE expired_at > ? ORDER BY expired_at DESC'
      )
      .all(since) as Array<{ name: string; port: number; expired_at: number }>;
    return {
      exposures: this.rows().map(r => this.exposure(r, listening)),
      expired: expired.map(e => ({ name: e.name, port: e.port, expiredAt: iso(e.expired_at)! }))
    };
  }

  async expose(req: ExposeRequest): Promise<Exposure> {
    await this.ready;
    const { config } = this.options;
    const reason = this.unavailable();
    if (reason) {
      throw new HttpError(503, reason);
    }
    const { name, port, protection } = req;
    const taken = this.row(name)?.port ?? this.pending.get(name);
    if (taken !== undefined) {
      throw new HttpError(
        409,
        `The name '${name}' is taken by the exposure of port ${taken}; choose another or unexpose it`
      );
    }
    if (this.rows().length + this.pending.size >= config.maxExposures) {
      throw new HttpError(
        409,
        `This server allows at most ${config.maxExposures} exposed apps at once (flare.maxExposures); unexpose one first`
      );
    }
    if (protection === 'password') {
      if ((req.password ?? '').length < config.passwordMinLength) {
        throw new HttpError(
          400,
          `The password must be at least ${config.passwordMinLength} characters long`
        );
      }
      if (Buffer.byteLength(req.password!, 'utf8') > FLARE_PASSWORD_MAX_BYTES) {
        throw new HttpError(
          400,
          `The password must be at most ${FLARE_PASSWORD_MAX_BYTES} bytes long in UTF-8 (bcrypt ignores the rest); choose a shorter one`
        );
      }
    } else if (req.password !== undefined) {
      throw new HttpError(
        400,
        `A password goes only with protection 'password' (this request asks for '${protection}')`
      );
    }
    const mine = (await this.scan(true)).filter(l => l.port === port);
    const notApp = mine.find(l => l.kind !== 'app');
    if (notApp) {
      throw new HttpError(
        400,
        `Port ${port} is ${notApp.reason}: only a web app you started can be exposed`
      );
    }
    if (!mine.length) {
      const others = (await this.options.sockets?.().catch(() => [])) ?? [];
      const theirs = others.find(s => s.port === port && s.uid !== process.getuid?.());
      throw new HttpError(
        400,
        theirs
          ? `Port ${port} is listened on by another user's program (uid ${theirs.uid} on ${theirs.address}), not yours: only your own apps can be exposed`
          : `Nothing listens on port ${port}: start your app first, then expose it`
      );
    }

    this.pending.set(name, port);
    try {
      const secret =
        protection === 'password'
          ? await bcrypt.hash(req.password!, this.options.bcryptRounds ?? 10)
          : protection === 'secret-link'
            ? newSecret()
            : undefined;
      const now = this.now();
      const expiresAt =
        req.expiresInMinutes !== undefined ? now + req.expiresInMinutes * 60_000 : undefined;
      const spec: ExposureSpec = {
        name,
        port,
        protection,
        ...(secret ? { secret } : {}),
        ...(expiresAt !== undefined ? { expiresAt } : {})
      };
      await this.ensureStarted().catch(err => {
        this.options.log?.error({ err }, 'flare: the gateway did not start');
        throw new HttpError(503, `Exposing is unavailable: the gateway did not start (${err})`);
      });
      const down = this.unavailable();
      if (down) {
        throw new HttpError(503, down);
      }
      try {
        await this.gateway.expose(spec);
      } catch (err) {
        this.options.log?.error({ err, name }, 'flare: the gateway refused an exposure');
        // A gateway that knows why (a name taken in the cluster: 409; no permission: 503) says so.
        throw new HttpError(
          err instanceof HttpError ? err.statusCode : 502,
          `The platform could not expose '${name}': ${err instanceof Error ? err.message : err}`
        );
      }
      try {
        this.db
          .prepare(
            `INSERT INTO flare_exposure (name, port, protection, secret, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?)`
          )
          .run(name, port, protection, secret ?? null, now, expiresAt ?? null);
      } catch (err) {
        await this.gateway.unexpose(name).catch(() => {});
        throw err;
      }
      this.flushed.delete(name);
      const listening = new Set([port]);
      return this.exposure(this.row(name)!, listening);
    } finally {
      this.pending.delete(name);
    }
  }

  async unexpose(name: string): Promise<void> {
    await this.ready;
    if (!this.row(name)) {
      throw new HttpError(404, `No exposure is named '${name}'`);
    }
    await this.gateway.unexpose(name);
    this.db.prepare('DELETE FROM flare_exposure WHERE name = ?').run(name);
    this.flushed.delete(name);
    await this.stopIfIdle();
  }

  /** Removes the exposures whose time is up, remembering them for the notification. */
  async sweep(): Promise<void> {
    const now = this.now();
    const due = this.db
      .prepare('SELECT * FROM flare_exposure WHERE expires_at IS NOT NULL AND expires_at <= ?')
      .all(now) as Row[];
    for (const row of due) {
      try {
        await this.gateway.unexpose(row.name);
      } catch (err) {
        this.options.log?.error(
          { err, name: row.name },
          'flare: could not remove an expired exposure'
        );
        continue; // tried again at the next sweep
      }
      this.db.transaction(() => {
        this.db.prepare('DELETE FROM flare_exposure WHERE name = ?').run(row.name);
        this.db
          .prepare('INSERT INTO flare_expired (name, port, expired_at) VALUES (?, ?, ?)')
          .run(row.name, row.port, now);
      })();
      this.flushed.delete(row.name);
      this.options.log?.info({ name: row.name, port: row.port }, 'flare: exposure expired');
    }
    this.db.prepare('DELETE FROM flare_expired WHERE expired_at <= ?').run(now - EXPIRED_KEPT_MS);
    if (due.length) {
      await this.stopIfIdle();
    }
  }

  /** Adds the gateway's new request counts to the table. */
  flush(): void {
    const update = this.db.prepare(
      `UPDATE flare_exposure SET requests = requests + ?,
         last_request_at = max(coalesce(last_request_at, 0), ?) WHERE name = ?`
    );
    this.db.transaction(() => {
      for (const [name, t] of this.gateway.traffic()) {
        const before = this.flushed.get(name) ?? 0;
        const delta = t.requests >= before ? t.requests - before : t.requests;
        if (delta > 0) {
          update.run(delta, t.lastRequestAt ?? 0, name);
        }
        this.flushed.set(name, t.requests);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.ready;
    for (const t of this.timers) {
      clearInterval(t);
    }
    try {
      this.flush();
    } catch (err) {
      this.options.log?.error({ err }, 'flare: could not save the request counts');
    }
    await this.gateway.close();
  }
}
