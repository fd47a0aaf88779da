/**
 * The embedded default's flare gateway: a reverse proxy inside the backend that routes by host
 * name, `<label>.<domain>` → 127.0.0.1:<port>, for HTTP and WebSocket, streaming both ways
 * (http-proxy-3 pipes with backpressure, so no body is ever held whole).
 */
import { createHash } from 'node:crypto';
import {
  Agent,
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import bcrypt from 'bcryptjs';
import type { FastifyBaseLogger } from 'fastify';
import { createProxyServer, type ProxyServer } from 'http-proxy-3';
import type { Config } from '../../config';
import type { ExposureSpec, ExposureTraffic, FlareGateway } from '../flare';

export interface LocalFlareGatewayOptions {
  config: Config['flare'];
  env?: NodeJS.ProcessEnv;
  log?: FastifyBaseLogger;
}

/** The user name HTTP Basic asks for; the password is the exposure's. */
export const FLARE_USER = 'flare';
/** bcrypt is slow on purpose: a verified Authorization header is trusted this long. */
const AUTH_CACHE_MS = 60_000;

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
function refuseUpgrade(socket: Socket, status: number, reason: string, text: string): void {
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
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

  constructor(readonly options: LocalFlareGatewayOptions) {}

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
    this.agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 32 });
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

  /** Whether the request may pass: HTTP Basic against the bcrypt hash, remembered for a minute. */
  private async authorized(req: IncomingMessage, spec: ExposureSpec): Promise<boolean> {
    if (spec.protection !== 'password') {
      return true;
    }
    const header = req.headers.authorization;
    if (!header?.startsWith('Basic ')) {
      return false;
    }
    const key = createHash('sha256')
      .update(`${spec.name}\0${spec.secret}\0${header}`)
      .digest('hex');
    const until = this.verified.get(key);
    const now = Date.now();
    if (until !== undefined && until > now) {
      return true;
    }
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const ok =
      colon >= 0 &&
      decoded.slice(0, colon) === FLARE_USER &&
      (await bcrypt.compare(decoded.slice(colon + 1), spec.secret ?? ''));
    if (ok) {
      if (this.verified.size > 1000) {
        for (const [k, t] of this.verified) {
          if (t <= now) {
            this.verified.delete(k);
          }
        }
      }
      this.verified.set(key, now + AUTH_CACHE_MS);
    }
    return ok;
  }

  private count(route: Route): void {
    route.traffic.requests += 1;
    route.traffic.lastRequestAt = Date.now();
  }

  private target(spec: ExposureSpec) {
    return { target: { host: '127.0.0.1', port: spec.port }, xfwd: true };
  }

  /** We are the edge: what a client claims as forwarding headers is not passed on. */
  private scrub(req: IncomingMessage, spec: ExposureSpec): void {
    for (const h of [
      'x-forwarded-for',
      'x-forwarded-host',
      'x-forwarded-port',
      'x-forwarded-proto'
    ]) {
      delete req.headers[h];
    }
    if (spec.protection === 'password') {
      delete req.headers.authorization; // the flare password is not the app's business
    }
  }

  private web(req: IncomingMessage, res: ServerResponse): void {
    const route = this.route(req);
    if (!route || !this.proxy) {
      page(res, 404, this.notFound(req));
      return;
    }
    const { spec } = route;
    this.authorized(req, spec).then(
      ok => {
        if (!ok) {
          page(
            res,
            401,
            `'${spec.name}' is protected by a password: the user name is '${FLARE_USER}'`,
            {
              'WWW-Authenticate': `Basic realm="flare ${spec.name}", charset="UTF-8"`
            }
          );
          return;
        }
        this.count(route);
        this.scrub(req, spec);
        this.proxy?.web(req, res, this.target(spec));
      },
      err => page(res, 500, `The flare proxy could not check the password: ${err}`)
    );
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const route = this.route(req);
    if (!route || !this.proxy) {
      refuseUpgrade(socket, 404, 'Not Found', this.notFound(req));
      return;
    }
    const { spec } = route;
    this.authorized(req, spec).then(
      ok => {
        if (!ok) {
          refuseUpgrade(socket, 401, 'Unauthorized', `'${spec.name}' is protected by a password`);
          return;
        }
        this.count(route);
        this.scrub(req, spec);
        route.upgraded.add(socket);
        socket.once('close', () => route.upgraded.delete(socket));
        this.proxy?.ws(req, socket, head, this.target(spec));
      },
      () => socket.destroy()
    );
  }

  private upstreamError(err: Error, req: IncomingMessage, res: ServerResponse | Socket): void {
    const route = this.route(req);
    const code = (err as NodeJS.ErrnoException).code;
    const text =
      code === 'ECONNREFUSED' && route
        ? `Nothing listens on port ${route.spec.port}: the app behind '${route.spec.name}' is not running`
        : `The app behind this address did not answer (${code ?? err.message})`;
    if ('writeHead' in res) {
      page(res, 502, text);
    } else {
      refuseUpgrade(res, 502, 'Bad Gateway', text);
    }
  }
}
