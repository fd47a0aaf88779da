/**
 * The embedded default's flare gateway: a reverse proxy inside the backend that routes by host
 * name, `<label>.<domain>` → the user's own listener on <port>, for HTTP and WebSocket,
 * streaming both ways with backpressure, so no body is ever held whole. HTTP goes through one
 * keep-alive `http.request` per request with the headers copied once (the per-request path is
 * what limits its throughput); WebSocket upgrades through http-proxy-3.
 *
 * A port number alone does not say whose app answers: another Unix user may listen on the same
 * port at another address, or take the port over once the user's app stops. So every connection
 * goes to the address the user's own listener is bound to, as a scan of /proc at most 250 ms old
 * shows it, and to nothing when the user has none.
 */
import { createHash } from 'node:crypto';
import {
  Agent,
  createServer,
  request,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FLARE_PASSWORD_MAX_BYTES, FLARE_USER } from '@hotstepper/api';
import type { FastifyBaseLogger } from 'fastify';
import { createProxyServer, type ProxyServer } from 'http-proxy-3';
import type { Config } from '../../config';
import type { ExposureSpec, ExposureTraffic, FlareGateway } from '../flare';
import type { PortListener } from '../types';
import { CheckQueueFull, PasswordChecker } from './password-check';
import { ProcProcesses } from './processes';

/** Where a listener is: all the gateway needs of it. */
type Listener = Pick<PortListener, 'port' | 'address'>;

export interface LocalFlareGatewayOptions {
  config: Config['flare'];
  env?: NodeJS.ProcessEnv;
  log?: FastifyBaseLogger;
  /**
   * The user's own listening sockets (default: those of this uid in /proc/net/tcp{,6}: the
   * kernel records each socket's owner, so no process needs to be looked up).
   */
  listeners?: () => Promise<Listener[]>;
  /**
   * How long one scan of the listeners answers for, in ms (default 250: at most four scans a
   * second however many requests come, and a port another user took over is refused that soon).
   */
  listenersTtlMs?: number;
  /** Wrong passwords allowed per exposure and client address in `failureWindowMs` (default 10). */
  maxFailures?: number;
  /** default 60 s */
  failureWindowMs?: number;
  /**
   * How long a wrong password or a limited client waits for its answer, in ms (default 1000):
   * a guessing loop then costs the backend a timer, not a stream of instant answers.
   */
  failureDelayMs?: number;
  /**
   * Password checks one exposure may have waiting or running (default 16 of the checker's 64):
   * guesses flooding one exposure leave room for the visitors of the others.
   */
  checksPerExposure?: number;
}

/** A scan of the user's listeners this old or older is not trusted for the owner check. */
const FRESH_SCAN_MS = 250;
/** bcrypt is slow on purpose: a verified Authorization header is trusted this long. */
const AUTH_CACHE_MS = 60_000;
/**
 * Headers a client might send to pass for something the edge says: the proxy sets the
 * X-Forwarded-* it owns (for, host, port, proto) and drops every other claim, and a proxy
 * credential is never the app's.
 */
const CLIENT_CLAIMS = new Set([
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-proto',
  'x-forwarded-prefix',
  'x-forwarded-server',
  'x-real-ip',
  'x-client-ip',
  'true-client-ip',
  'proxy-authorization'
]);

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection, ours with the client or
 * ours with the app, and are never passed across. Node frames each side's body itself.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade'
]);

/** The claims a client cannot make, with `_` read as `-` (WSGI and CGI read both alike). */
function isClientClaim(lowerName: string): boolean {
  return CLIENT_CLAIMS.has(lowerName.includes('_') ? lowerName.replace(/_/g, '-') : lowerName);
}

/**
 * The headers the app is sent: the client's, less its forwarding claims, the flare password
 * (`dropAuthorization`) and the hop-by-hop ones, plus the X-Forwarded-* this edge vouches for.
 * Built in one pass over `rawHeaders`, keeping the client's spelling and order.
 */
export function forwardHeaders(
  req: IncomingMessage,
  dropAuthorization: boolean
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const raw = req.rawHeaders;
  const named = req.headers.connection;
  const listed =
    named && named !== 'keep-alive' && named !== 'close'
      ? new Set(
          named
            .toLowerCase()
            .split(',')
            .map(t => t.trim())
        )
      : undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const lower = name.toLowerCase();
    if (
      HOP_BY_HOP.has(lower) ||
      isClientClaim(lower) ||
      (dropAuthorization && lower === 'authorization') ||
      listed?.has(lower)
    ) {
      continue;
    }
    const value = raw[i + 1];
    const had = out[lower];
    // A repeated header is sent as the client sent it (Node writes an array as repeated lines).
    out[lower] =
      had === undefined ? value : Array.isArray(had) ? [...had, value] : [String(had), value];
  }
  const host = req.headers.host ?? '';
  const port = /:(\d+)$/.exec(host)?.[1] ?? '80';
  out['x-forwarded-for'] = clientAddress(req);
  out['x-forwarded-port'] = port;
  out['x-forwarded-proto'] = 'http';
  out['x-forwarded-host'] = host;
  return out;
}

/** The app's response headers for the client: all but the hop-by-hop ones, as the app spelt them. */
function responseHeaders(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (!HOP_BY_HOP.has(raw[i].toLowerCase())) {
      out.push(raw[i], raw[i + 1]);
    }
  }
  return out;
}

/**
 * Where to connect for the user's listeners on `port`: a wildcard or loopback listener is
 * reached on loopback (0.0.0.0 and 127.0.0.1 → 127.0.0.1, :: and ::1 → ::1), another
 * address as itself. Undefined when the user listens on none.
 */
export function connectAddress(listeners: Listener[], port: number): string | undefined {
  const mine = listeners.filter(l => l.port === port).map(l => l.address);
  if (mine.includes('0.0.0.0') || mine.includes('127.0.0.1')) {
    return '127.0.0.1';
  }
  if (mine.includes('::') || mine.includes('::1')) {
    return '::1';
  }
  return mine.sort()[0];
}

/** The client's address, an IPv4-mapped IPv6 one as IPv4. */
function clientAddress(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? '').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
}

/** The `Authorization: Basic …` credentials, the scheme in any case (RFC 7235). */
export function basicCredentials(
  header: string | undefined
): { user: string; password: string } | undefined {
  const m = /^basic[ \t]+([A-Za-z0-9+/=_-]+)[ \t]*$/i.exec(header ?? '');
  if (!m) {
    return undefined;
  }
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0
    ? undefined
    : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

interface Route {
  spec: ExposureSpec;
  traffic: ExposureTraffic;
  /** Open WebSockets: unexposing closes them too, or a live session would outlast the URL. */
  upgraded: Set<Socket>;
}

/** The label of a Host header under `domain` ("app.flare.localhost:8787" → "app"). */
export function hostLabel(host: string | undefined, domain: string): string | undefined {
  if (!host) {
    return undefined;
  }
  // Strip the port (and an IPv6 literal's brackets cannot carry a label anyway).
  const name = host.replace(/:\d+$/, '').replace(/\.$/, '').toLowerCase();
  const suffix = `.${domain.toLowerCase()}`;
  if (!name.endsWith(suffix)) {
    return undefined;
  }
  const label = name.slice(0, -suffix.length);
  return /^[a-z0-9-]+$/.test(label) ? label : undefined;
}

/** Why a request is not let through to the app. */
class Refusal {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly text: string,
    readonly headers: Record<string, string> = {},
    /** A failed guess: answered after failureDelayMs. */
    readonly slow = false
  ) {}

  get asSlow(): Refusal {
    return new Refusal(this.status, this.reason, this.text, this.headers, true);
  }
}

function page(res: ServerResponse, status: number, text: string, headers = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
    ...headers
  });
  res.end(`${text}\n`);
}

/** Writes a bare HTTP response on an upgrade socket and closes it. */
function refuseUpgrade(
  socket: Socket,
  status: number,
  reason: string,
  text: string,
  headers: Record<string, string> = {}
): void {
  if (socket.writable) {
    const extra = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\n${extra}` +
        `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`
    );
  }
  socket.destroy();
}

export class LocalFlareGateway implements FlareGateway {
  readonly name = 'local' as const;
  private server?: Server;
  private proxy?: ProxyServer;
  private boundPort?: number;
  private failure?: string;
  /** Host label → route: `<name>`, or `<name>-<secret>` for a secret link. */
  private readonly routes = new Map<string, Route>();
  /** sha256(name, Authorization header) → when the verification expires. */
  private readonly verified = new Map<string, number>();
  private readonly sockets = new Set<Socket>();
  /** Connections to the apps are kept open between requests, as a browser keeps them to us. */
  private agent?: Agent;
  /** Worker threads checking passwords: started with the first check, ended by close(). */
  private checker?: PasswordChecker;
  /** The user's listeners, one scan shared by every request for a moment. */
  private listenerScan?: { at: number; listeners: Promise<Listener[]>; value?: Listener[] };
  /** exposure name + client address → when its recent wrong passwords (and checks under way) were. */
  private readonly failures = new Map<string, { times: number[]; checking: number }>();

  constructor(readonly options: LocalFlareGatewayOptions) {}

  /**
   * The user's listeners from a scan at most `listenersTtlMs` old; `fresher` asks for one at
   * most a quarter of a second old when the TTL is longer (an app just started must not wait
   * out the cache, and a flood of requests to a stopped app still costs at most four scans a
   * second).
   */
  private listeners(fresher = false): Promise<Listener[]> {
    const now = Date.now();
    const configured = this.options.listenersTtlMs ?? FRESH_SCAN_MS;
    const ttl = fresher ? Math.min(FRESH_SCAN_MS, configured) : configured;
    if (!this.listenerScan || now - this.listenerScan.at >= ttl) {
      const scan =
        this.options.listeners ??
        (async () => {
          const uid = process.getuid?.();
          return (await new ProcProcesses().listeningSockets()).filter(s => s.uid === uid);
        });
      const listeners = scan();
      const entry: { at: number; listeners: Promise<Listener[]>; value?: Listener[] } = {
        at: now,
        listeners
      };
      this.listenerScan = entry;
      listeners.then(
        value => (entry.value = value),
        () => {
          if (this.listenerScan === entry) {
            this.listenerScan = undefined;
          }
        }
      );
    }
    return this.listenerScan.listeners;
  }

  private get config() {
    return this.options.config;
  }

  /** The port the proxy listens on (after start), else the configured one. */
  get port(): number {
    return this.boundPort ?? this.config.listenPort;
  }

  urlFor(label: string): string {
    const scheme = this.config.scheme ?? 'http';
    const port = this.config.publicPort ?? this.port;
    const defaultPort = scheme === 'https' ? 443 : 80;
    return `${scheme}://${label}.${this.config.domain}${port === defaultPort ? '' : `:${port}`}/`;
  }

  unavailable(): string | undefined {
    if (!this.config.enabled) {
      return 'Exposing apps is turned off on this server (the administrator’s flare.enabled)';
    }
    return this.failure;
  }

  /** Listens; a taken address leaves the gateway unavailable (with why), never throws. */
  async start(): Promise<void> {
    if (this.server || !this.config.enabled) {
      return;
    }
    const { listenHost, listenPort } = this.config;
    this.agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });
    const proxy = createProxyServer({ xfwd: true, ws: true, agent: this.agent });
    proxy.on('error', (err, req, res) => this.upstreamError(err, req, res));
    const server = createServer((req, res) => this.web(req, res));
    server.on('upgrade', (req, socket: Socket, head) => this.upgrade(req, socket, head));
    server.on('connection', socket => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    // A client that vanishes mid-request must not take the backend down.
    server.on('clientError', (_err, socket) => socket.destroy());
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(listenPort, listenHost, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      this.failure =
        code === 'EADDRINUSE'
          ? `The flare proxy's address ${listenHost}:${listenPort} is taken by another program; ` +
            'stop it, or set another flare.listenPort in the Hotstepper configuration'
          : `The flare proxy cannot listen on ${listenHost}:${listenPort} (${code ?? String(err)}); ` +
            'check flare.listenHost and flare.listenPort in the Hotstepper configuration';
      this.options.log?.error({ code }, this.failure);
      proxy.close();
      this.agent.destroy();
      this.agent = undefined;
      return;
    }
    server.on('error', err => this.options.log?.error({ err }, 'flare proxy error'));
    this.failure = undefined;
    this.server = server;
    this.proxy = proxy;
    this.boundPort = (server.address() as AddressInfo).port;
    this.options.log?.info({ port: this.boundPort }, 'flare proxy listening');
  }

  async expose(spec: ExposureSpec): Promise<void> {
    const label = spec.protection === 'secret-link' ? `${spec.name}-${spec.secret}` : spec.name;
    if (spec.protection === 'secret-link' && !/^[a-z0-9]{16}$/.test(spec.secret ?? '')) {
      throw new Error('a secret link needs a 16-character [a-z0-9] secret');
    }
    if (spec.protection === 'password' && !spec.secret?.startsWith('$2')) {
      throw new Error('password protection needs a bcrypt hash');
    }
    this.unroute(spec.name);
    this.routes.set(label, { spec, traffic: { requests: 0 }, upgraded: new Set() });
    this.listenerScan = undefined; // the app was just started, maybe after the last scan
  }

  async unexpose(name: string): Promise<void> {
    this.unroute(name);
  }

  private unroute(name: string): void {
    for (const [label, route] of this.routes) {
      if (route.spec.name === name) {
        this.routes.delete(label);
        for (const socket of route.upgraded) {
          socket.destroy();
        }
      }
    }
  }

  async list(): Promise<ExposureSpec[] | undefined> {
    return undefined; // the feature's table is the truth
  }

  traffic(): Map<string, ExposureTraffic> {
    return new Map([...this.routes.values()].map(r => [r.spec.name, { ...r.traffic }]));
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.boundPort = undefined;
    this.proxy?.close();
    this.proxy = undefined;
    this.agent?.destroy();
    this.agent = undefined;
    await this.checker?.close();
    this.checker = undefined;
    if (server) {
      // Open WebSockets and keep-alive connections would hold close() forever.
      for (const socket of this.sockets) {
        socket.destroy();
      }
      await new Promise<void>(resolve => server.close(() => resolve()));
    }
  }

  /** The route of a request, or why there is none. */
  private route(req: IncomingMessage): Route | undefined {
    const label = hostLabel(req.headers.host, this.config.domain);
    const route = label === undefined ? undefined : this.routes.get(label);
    if (route?.spec.expiresAt !== undefined && route.spec.expiresAt <= Date.now()) {
      return undefined; // expired: the feature removes it shortly
    }
    return route;
  }

  private notFound(req: IncomingMessage): string {
    const label = hostLabel(req.headers.host, this.config.domain);
    return label === undefined
      ? `This is the flare proxy: address an exposed app as <name>.${this.config.domain}`
      : `No app is exposed under the name '${label}' here: it was never exposed, was unexposed, or has expired`;
  }

  /**
   * Whether the request may pass (undefined) or why not: HTTP Basic against the bcrypt hash,
   * checked in a worker thread and remembered for a minute; wrong guesses from one client
   * address are limited per exposure, the limit answered 429 without any bcrypt.
   */
  private async authorize(req: IncomingMessage, spec: ExposureSpec): Promise<Refusal | undefined> {
    if (spec.protection !== 'password') {
      return undefined;
    }
    const header = req.headers.authorization;
    const credentials = basicCredentials(header);
    const ask = new Refusal(
      401,
      'Unauthorized',
      `'${spec.name}' is protected by a password: the user name is '${FLARE_USER}'`,
      { 'WWW-Authenticate': `Basic realm="flare ${spec.name}", charset="UTF-8"` }
    );
    if (!credentials) {
      return ask;
    }
    const key = createHash('sha256')
      .update(`${spec.name}\0${spec.secret}\0${header}`)
      .digest('hex');
    const now = Date.now();
    const until = this.verified.get(key);
    if (until !== undefined && until > now) {
      return undefined;
    }
    const client = `${spec.name}\0${clientAddress(req)}`;
    const wait = this.lockedFor(client, now);
    if (wait > 0) {
      return this.tooMany(spec, wait);
    }
    if (
      credentials.user !== FLARE_USER ||
      Buffer.byteLength(credentials.password) > FLARE_PASSWORD_MAX_BYTES
    ) {
      this.failed(client, now);
      return ask.asSlow;
    }
    const entry = this.failureEntry(client);
    entry.checking++;
    let ok: boolean;
    try {
      this.checker ??= new PasswordChecker(undefined, undefined, this.options.checksPerExposure);
      ok = await this.checker.check(credentials.password, spec.secret ?? '', spec.name);
    } catch (err) {
      if (err instanceof CheckQueueFull) {
        // Not this client's doing: the checker's share for the exposure (or all of it) is taken.
        return new Refusal(
          503,
          'Service Unavailable',
          `The flare proxy is busy checking passwords for '${spec.name}': try again in a moment`,
          { 'Retry-After': '1' },
          true
        );
      }
      throw err;
    } finally {
      entry.checking--;
    }
    if (!ok) {
      this.failed(client, Date.now());
      return ask.asSlow;
    }
    if (this.verified.size > 1000) {
      for (const [k, t] of this.verified) {
        if (t <= now) {
          this.verified.delete(k);
        }
      }
    }
    this.verified.set(key, Date.now() + AUTH_CACHE_MS);
    return undefined;
  }

  private tooMany(spec: ExposureSpec, seconds: number): Refusal {
    return new Refusal(
      429,
      'Too Many Requests',
      `Too many wrong passwords for '${spec.name}' from your address: try again in ${seconds} s`,
      { 'Retry-After': String(seconds) },
      true
    );
  }

  private failureEntry(client: string): { times: number[]; checking: number } {
    let entry = this.failures.get(client);
    if (!entry) {
      if (this.failures.size > 10_000) {
        this.pruneFailures(Date.now());
      }
      entry = { times: [], checking: 0 };
      this.failures.set(client, entry);
    }
    return entry;
  }

  private failed(client: string, now: number): void {
    this.failureEntry(client).times.push(now);
  }

  /**
   * Seconds until `client` may try a password again: 0 while its wrong guesses in the window
   * (and those being checked, so concurrent guesses count too) are under the limit.
   */
  private lockedFor(client: string, now: number): number {
    const entry = this.failures.get(client);
    if (!entry) {
      return 0;
    }
    const windowMs = this.options.failureWindowMs ?? 60_000;
    entry.times = entry.times.filter(t => t > now - windowMs);
    if (entry.times.length + entry.checking < (this.options.maxFailures ?? 10)) {
      return 0;
    }
    const oldest = entry.times[0] ?? now;
    return Math.max(1, Math.ceil((oldest + windowMs - now) / 1000));
  }

  private pruneFailures(now: number): void {
    const windowMs = this.options.failureWindowMs ?? 60_000;
    for (const [client, entry] of this.failures) {
      if (!entry.checking && entry.times.every(t => t <= now - windowMs)) {
        this.failures.delete(client);
      }
    }
  }

  /** Where the app of `spec` is reached now, or why it is not. */
  private async target(spec: ExposureSpec): Promise<{ host: string; port: number } | Refusal> {
    const host =
      connectAddress(await this.listeners(), spec.port) ??
      connectAddress(await this.listeners(true), spec.port);
    return host === undefined
      ? new Refusal(
          502,
          'Bad Gateway',
          `Nothing listens on port ${spec.port}: the app behind '${spec.name}' is not running (no listener of yours)`
        )
      : { host, port: spec.port };
  }

  /** The request's way through: its target, or the refusal to answer. */
  private async admit(
    req: IncomingMessage,
    route: Route
  ): Promise<{ host: string; port: number } | Refusal> {
    const refusal = await this.authorize(req, route.spec);
    if (refusal) {
      return refusal;
    }
    const target = await this.target(route.spec);
    if (target instanceof Refusal) {
      return target;
    }
    this.count(route);
    return target;
  }

  private count(route: Route): void {
    route.traffic.requests += 1;
    route.traffic.lastRequestAt = Date.now();
  }

  /** We are the edge: what a client claims as forwarding headers is not passed on. */
  private scrub(req: IncomingMessage, spec: ExposureSpec): void {
    for (const h of Object.keys(req.headers)) {
      // WSGI and CGI servers read `_` as `-` (X_Real_IP and X-Real-IP are one HTTP_X_REAL_IP).
      if (CLIENT_CLAIMS.has(h.replace(/_/g, '-'))) {
        delete req.headers[h];
      }
    }
    if (spec.protection === 'password') {
      delete req.headers.authorization; // the flare password is not the app's business
    }
  }

  /**
   * The app's address when the request needs no password check and the last scan (within its
   * bound) shows the user's listener: most requests, answered without waiting on a promise.
   */
  private knownTarget(route: Route): { host: string; port: number } | undefined {
    const scan = this.listenerScan;
    const ttl = this.options.listenersTtlMs ?? FRESH_SCAN_MS;
    if (route.spec.protection === 'password' || !scan?.value || Date.now() - scan.at >= ttl) {
      return undefined;
    }
    const host = connectAddress(scan.value, route.spec.port);
    return host === undefined ? undefined : { host, port: route.spec.port };
  }

  private web(req: IncomingMessage, res: ServerResponse): void {
    const route = this.route(req);
    if (!route || !this.proxy) {
      page(res, 404, this.notFound(req));
      return;
    }
    const known = this.knownTarget(route);
    if (known) {
      this.count(route);
      this.forward(req, res, known, route.spec);
      return;
    }
    this.admit(req, route).then(
      target => {
        if (target instanceof Refusal) {
          this.later(target, () => page(res, target.status, target.text, target.headers));
          return;
        }
        this.forward(req, res, target, route.spec);
      },
      err => page(res, 500, `The flare proxy could not check the request: ${err}`)
    );
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const route = this.route(req);
    if (!route || !this.proxy) {
      refuseUpgrade(socket, 404, 'Not Found', this.notFound(req));
      return;
    }
    this.admit(req, route).then(
      target => {
        if (target instanceof Refusal) {
          this.later(target, () =>
            refuseUpgrade(socket, target.status, target.reason, target.text, target.headers)
          );
          return;
        }
        this.scrub(req, route.spec);
        route.upgraded.add(socket);
        socket.once('close', () => route.upgraded.delete(socket));
        this.proxy?.ws(req, socket, head, { target, xfwd: true });
      },
      () => socket.destroy()
    );
  }

  /**
   * One request to the app on a kept-alive connection, both bodies piped (backpressure both
   * ways); a client that goes away takes the app's request with it.
   */
  private forward(
    req: IncomingMessage,
    res: ServerResponse,
    target: { host: string; port: number },
    spec: ExposureSpec
  ): void {
    const upstream = request(
      {
        host: target.host,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: forwardHeaders(req, spec.protection === 'password'),
        agent: this.agent
      },
      answer => {
        answer.on('error', () => res.destroy());
        answer.on('aborted', () => res.destroy());
        res.writeHead(
          answer.statusCode ?? 502,
          answer.statusMessage,
          responseHeaders(answer.rawHeaders)
        );
        answer.pipe(res);
      }
    );
    upstream.on('error', err => this.upstreamError(err, req, res));
    res.on('close', () => {
      if (!res.writableFinished) {
        upstream.destroy();
      }
    });
    const { headers } = req;
    if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) {
      upstream.end(); // no body: nothing to pipe
    } else {
      req.pipe(upstream);
    }
  }

  /** Answers a refusal now, or a failed guess after failureDelayMs. */
  private later(refusal: Refusal, answer: () => void): void {
    if (!refusal.slow) {
      answer();
      return;
    }
    setTimeout(answer, this.options.failureDelayMs ?? 1000).unref();
  }

  private upstreamError(err: Error, req: IncomingMessage, res: ServerResponse | Socket): void {
    const route = this.route(req);
    const code = (err as NodeJS.ErrnoException).code;
    const text =
      code === 'ECONNREFUSED' && route
        ? `Nothing listens on port ${route.spec.port}: the app behind '${route.spec.name}' is not running`
        : `The app behind this address did not answer (${code ?? err.message})`;
    if ('writeHead' in res) {
      if (!res.destroyed) {
        page(res, 502, text);
      }
    } else {
      refuseUpgrade(res, 502, 'Bad Gateway', text);
    }
  }
}
