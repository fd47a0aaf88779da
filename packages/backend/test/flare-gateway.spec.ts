/**
 * The flare feature end to end on the local platform: real apps (Python's http.server and a
 * WebSocket echo server, each its own process) exposed through the backend's routes and reached
 * through the real reverse proxy with the Host header a browser would send.
 */
import bcrypt from 'bcryptjs';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { Exposure, ExposureList } from '@hotstepper/api';
import { parseConfig } from '../src/config';
import { LocalFlareGateway, connectAddress } from '../src/platform/local/flare';
import type { PortListener } from '../src/platform/types';
import { httpRequest, startTestServer, type TestServer } from './helpers';

jest.setTimeout(60_000);

const XSRF = '2|flare|';
const MUTATE = { cookie: `_xsrf=${XSRF}`, 'x-xsrftoken': XSRF };
const BIG_MB = 50;

/** Starts a process that prints its port on stdout; resolves with the process and the port. */
function startApp(
  command: string,
  args: string[],
  cwd: string,
  portLine: RegExp
): Promise<{ proc: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const seen = (chunk: Buffer) => {
      out += chunk;
      const m = portLine.exec(out);
      if (m) {
        resolve({ proc, port: Number(m[1]) });
      }
    };
    proc.stdout!.on('data', seen);
    proc.stderr!.on('data', seen);
    proc.once('error', reject);
    proc.once('exit', code => reject(new Error(`${command} exited (${code}): ${out}`)));
  });
}

/** A Node HTTP server answering `body`, its own process, listening on `host`. */
function startNodeApp(host: string, body: string): Promise<{ proc: ChildProcess; port: number }> {
  return startApp(
    process.execPath,
    [
      '-e',
      `const s = require('node:http').createServer((req, res) => res.end(${JSON.stringify(body)}));
       s.listen(0, ${JSON.stringify(host)}, () => console.log('port ' + s.address().port));`
    ],
    tmpdir(),
    /port (\d+)/
  );
}

interface GatewayResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET to the gateway at `url`'s port, with `host` (default: the URL's) as the Host header. */
function viaGateway(
  url: string,
  options: {
    path?: string;
    host?: string;
    auth?: string;
    /** The Authorization header's scheme word (default "Basic"). */
    scheme?: string;
    /** The client's address (the gateway limits wrong passwords per address). */
    from?: string;
  } = {}
): Promise<GatewayResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: options.host ?? u.host };
    if (options.auth) {
      headers.authorization = `${options.scheme ?? 'Basic'} ${Buffer.from(options.auth).toString('base64')}`;
    }
    request(
      {
        host: '127.0.0.1',
        port: Number(u.port),
        path: options.path ?? '/',
        headers,
        agent: false,
        ...(options.from ? { localAddress: options.from } : {})
      },
      res => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', d => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      }
    )
      .on('error', reject)
      .end();
  });
}

describe('flare on the local platform', () => {
  let dir: string;
  let web: { proc: ChildProcess; port: number };
  let echo: { proc: ChildProcess; port: number };
  let server: TestServer;
  let bigHash: string;
  const config = { flare: { listenPort: 0 } };

  const api = (method: string, path: string, body?: unknown) =>
    httpRequest(server.socket, {
      method,
      path: `/api/v1/flare${path}`,
      headers: body === undefined ? MUTATE : { ...MUTATE, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
  const exposures = async (): Promise<ExposureList> => (await api('GET', '/exposures')).json();
  const byName = (list: Exposure[], name: string): Exposure => {
    const found = list.find(e => e.name === name);
    if (!found) {
      throw new Error(`no exposure '${name}' in ${JSON.stringify(list)}`);
    }
    return found;
  };
  const exposed = async (name: string) => byName((await exposures()).exposures, name);
  const names = async () =>
    (await exposures()).exposures.map((e: { name: string }) => e.name).sort();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hotstepper-flare-'));
    writeFileSync(join(dir, 'index.html'), '<h1>hello from the app</h1>\n');
    // 50 MB of a repeated random megabyte: content a wrong byte would show in the hash.
    const mb = randomBytes(1024 * 1024);
    const big = Buffer.concat(new Array(BIG_MB).fill(mb));
    writeFileSync(join(dir, 'big.bin'), big);
    bigHash = createHash('sha256').update(big).digest('hex');
    web = await startApp(
      'python3',
      ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', dir],
      dir,
      /port (\d+)/
    );
    // The echo server is its own process (the backend leaves its own sockets out of the scan).
    echo = await startApp(
      process.execPath,
      [
        '-e',
        // Plain HTTP answers with the request's headers, as the app saw them.
        `const { WebSocketServer } = require('ws');
         const server = require('node:http').createServer((req, res) =>
           res.end(JSON.stringify(req.headers)));
         const wss = new WebSocketServer({ server });
         wss.on('connection', ws => ws.on('message', (m, binary) => ws.send(m, { binary })));
         server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));`
      ],
      join(__dirname, '..'),
      /port (\d+)/
    );
    server = await startTestServer({ config, dbPath: join(dir, 'state.db') });
  });

  afterAll(async () => {
    for (const app of [web, echo]) {
      if (app?.proc.exitCode === null && app.proc.signalCode === null) {
        process.kill(app.proc.pid!, 'SIGKILL');
      }
    }
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists the user's listening ports with each process's command line", async () => {
    const res = await api('GET', '/ports');
    expect(res.statusCode).toBe(200);
    const ports = res.json().ports;
    expect(ports).toEqual(
      expect.arrayContaining([
        {
          port: web.port,
          address: '127.0.0.1',
          pid: web.proc.pid,
          command: expect.stringMatching(/python3? -u -m http\.server 0 --bind 127\.0\.0\.1/),
          exposures: [],
          kind: 'app',
          http: true
        },
        expect.objectContaining({ port: echo.port, pid: echo.proc.pid })
      ])
    );
  });

  it('exposes a port and serves the app at <name>.flare.localhost through the proxy', async () => {
    const res = await api('POST', '/exposures', {
      port: web.port,
      name: 'web',
      protection: 'none'
    });
    expect(res.statusCode).toBe(201);
    const exposure = res.json();
    expect(exposure).toMatchObject({ name: 'web', port: web.port, listening: true, requests: 0 });
    expect(exposure.url).toMatch(/^http:\/\/web\.flare\.localhost:\d+\/$/);

    const page = await viaGateway(exposure.url);
    expect(page).toMatchObject({ status: 200, body: '<h1>hello from the app</h1>\n' });

    const listed = await exposed('web');
    expect(listed.requests).toBe(1);
    expect(Date.parse(listed.lastRequestAt!)).toBeGreaterThanOrEqual(
      Date.parse(exposure.createdAt)
    );
    const ports = (await api('GET', '/ports')).json().ports;
    expect(ports.find((p: { port: number }) => p.port === web.port).exposures).toEqual(['web']);
  });

  it('answers 404 naming the label for a host nobody exposed', async () => {
    const { url } = (await exposures()).exposures[0];
    const res = await viaGateway(url, { host: `nobody.flare.localhost:${new URL(url).port}` });
    expect(res.status).toBe(404);
    expect(res.body).toMatch(/No app is exposed under the name 'nobody'/);
  });

  it('carries a WebSocket to the app and back', async () => {
    const res = await api('POST', '/exposures', {
      port: echo.port,
      name: 'echo',
      protection: 'none'
    });
    expect(res.statusCode).toBe(201);
    const url = new URL(res.json().url);
    const ws = new WebSocket(`ws://127.0.0.1:${url.port}/`, { headers: { host: url.host } });
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        ws.once('open', () => ws.send('ping through flare'));
        ws.once('message', data => resolve(data.toString()));
        ws.once('error', reject);
      });
      expect(reply).toBe('ping through flare');
    } finally {
      ws.terminate();
    }
  });

  it("tells the app who asked, and keeps the client's forwarding claims and flare password from it", async () => {
    const { url } = await exposed('echo');
    const u = new URL(url);
    const seen = async (headers: Record<string, string>, host = u.host) => {
      const res = await new Promise<GatewayResponse>((resolve, reject) => {
        request(
          { host: '127.0.0.1', port: Number(u.port), headers: { ...headers, host }, agent: false },
          r => {
            let body = '';
            r.on('data', d => (body += d));
            r.on('end', () => resolve({ status: r.statusCode!, headers: r.headers, body }));
          }
        )
          .on('error', reject)
          .end();
      });
      expect(res.status).toBe(200);
      return JSON.parse(res.body);
    };
    const claims = {
      'x-forwarded-for': '203.0.113.9',
      'x-forwarded-host': 'evil',
      'x-forwarded-port': '1',
      'x-forwarded-proto': 'https',
      forwarded: 'for=203.0.113.9;proto=https',
      'x-real-ip': '203.0.113.9',
      'x-forwarded-prefix': '/admin',
      'x-forwarded-server': 'evil',
      'x-client-ip': '203.0.113.9',
      'true-client-ip': '203.0.113.9',
      'proxy-authorization': 'Basic c2VjcmV0OnNlY3JldA=='
    };
    const plain = await seen(claims);
    expect(plain).toMatchObject({
      host: u.host,
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-host': u.host,
      'x-forwarded-port': u.port,
      'x-forwarded-proto': 'http'
    });
    for (const claim of Object.keys(claims).filter(h => !h.startsWith('x-forwarded-'))) {
      expect([claim, plain[claim]]).toEqual([claim, undefined]);
    }
    expect(plain['x-forwarded-prefix']).toBeUndefined();
    expect(plain['x-forwarded-server']).toBeUndefined();

    // A WSGI or CGI app reads X_Real_IP as X-Real-IP (both HTTP_X_REAL_IP): those go too.
    const underscored = await seen({
      X_Forwarded_For: '203.0.113.9',
      X_Real_IP: '203.0.113.9',
      x_forwarded_proto: 'https',
      Proxy_Authorization: 'Basic c2VjcmV0OnNlY3JldA==',
      X_Request_Id: 'kept'
    });
    expect(underscored).toMatchObject({
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      x_request_id: 'kept'
    });
    expect(Object.keys(underscored).filter(h => /^(x_forwarded|x_real|proxy_)/.test(h))).toEqual(
      []
    );

    const locked = await api('POST', '/exposures', {
      port: echo.port,
      name: 'echo-locked',
      protection: 'password',
      password: 'a good password'
    });
    expect(locked.statusCode).toBe(201);
    const auth = `Basic ${Buffer.from('flare:a good password').toString('base64')}`;
    const behind = await seen({ authorization: auth }, new URL(locked.json().url).host);
    expect(behind.authorization).toBeUndefined();
    expect((await api('DELETE', '/exposures/echo-locked')).statusCode).toBe(204);
  });

  it(`streams a ${BIG_MB} MB download: a paused client keeps it out of the proxy's memory`, async () => {
    const url = new URL((await exposed('web')).url);
    const hash = createHash('sha256');
    let received = 0;
    let grewWhilePaused = 0;
    await new Promise<void>((resolve, reject) => {
      request(
        {
          host: '127.0.0.1',
          port: Number(url.port),
          path: '/big.bin',
          headers: { host: url.host }
        },
        res => {
          expect(res.statusCode).toBe(200);
          res.once('data', async first => {
            hash.update(first);
            received += first.length;
            res.pause();
            // Were the proxy to buffer, it would read the whole file from the app meanwhile.
            const before = process.memoryUsage().arrayBuffers;
            for (let i = 0; i < 15; i++) {
              await new Promise(r => setTimeout(r, 100));
              grewWhilePaused = Math.max(
                grewWhilePaused,
                process.memoryUsage().arrayBuffers - before
              );
            }
            res.on('data', chunk => {
              hash.update(chunk);
              received += chunk.length;
            });
            res.on('end', resolve);
            res.resume();
          });
          res.on('error', reject);
        }
      )
        .on('error', reject)
        .end();
    });
    expect(received).toBe(BIG_MB * 1024 * 1024);
    expect(hash.digest('hex')).toBe(bigHash);
    // A buffering proxy grows by the whole file (50 MB, seen); streaming stays near 8 MB of noise.
    expect(grewWhilePaused).toBeLessThan(25 * 1024 * 1024);
  });

  it('asks for the password (user "flare") and lets the right one in', async () => {
    const short = await api('POST', '/exposures', {
      port: web.port,
      name: 'secure',
      protection: 'password',
      password: 'short'
    });
    expect(short.statusCode).toBe(400);
    expect(short.json().message).toBe('The password must be at least 8 characters long');
    expect(await names()).toEqual(['echo', 'web']);

    const res = await api('POST', '/exposures', {
      port: web.port,
      name: 'secure',
      protection: 'password',
      password: 'correct horse'
    });
    expect(res.statusCode).toBe(201);
    const { url, username } = res.json();
    expect(username).toBe('flare');

    const none = await viaGateway(url);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Basic realm="flare secure"/);
    expect((await viaGateway(url, { auth: 'flare:wrong horse' })).status).toBe(401);
    expect((await viaGateway(url, { auth: 'admin:correct horse' })).status).toBe(401);
    const ok = await viaGateway(url, { auth: 'flare:correct horse' });
    expect(ok).toMatchObject({ status: 200, body: '<h1>hello from the app</h1>\n' });
    // Again, now from the verification cache.
    expect((await viaGateway(url, { auth: 'flare:correct horse' })).status).toBe(200);
    expect((await viaGateway(url, { auth: 'flare:wrong horse' })).status).toBe(401);
    // The scheme is case-insensitive (RFC 7235).
    for (const scheme of ['basic', 'BASIC', 'bAsIc']) {
      const res = await viaGateway(url, { auth: 'flare:correct horse', scheme });
      expect([scheme, res.status]).toEqual([scheme, 200]);
    }
  });

  it('answers 429 with Retry-After after 10 wrong passwords from one address, not to another', async () => {
    const res = await api('POST', '/exposures', {
      port: web.port,
      name: 'guarded',
      protection: 'password',
      password: 'the right one'
    });
    expect(res.statusCode).toBe(201);
    const { url } = res.json();
    // Concurrent guesses count while they are checked: 20 at once still get 10 checks.
    const started = Date.now();
    const guesses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => viaGateway(url, { auth: `flare:guess ${i}` }))
    );
    // A failed guess is answered after a second: a guessing loop mostly waits.
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(guesses.filter(r => r.status === 401)).toHaveLength(10);
    const limited = guesses.filter(r => r.status === 429);
    expect(limited).toHaveLength(10);
    expect(Number(limited[0].headers['retry-after'])).toBeGreaterThan(0);
    expect(limited[0].body).toMatch(
      /Too many wrong passwords for 'guarded' from your address: try again in \d+ s/
    );
    // The right password from the limited address waits too; from another address it gets in.
    expect((await viaGateway(url, { auth: 'flare:the right one' })).status).toBe(429);
    const other = await viaGateway(url, { auth: 'flare:the right one', from: '127.0.0.2' });
    expect(other).toMatchObject({ status: 200, body: '<h1>hello from the app</h1>\n' });
    expect((await api('DELETE', '/exposures/guarded')).statusCode).toBe(204);
  });

  it.each([
    ['::1 only', '::1'],
    ['127.0.0.2 only', '127.0.0.2']
  ])("serves an app listening on %s, at the listener's address", async (_case, host) => {
    const app = await startNodeApp(host, `app on ${host}`);
    try {
      const res = await api('POST', '/exposures', {
        port: app.port,
        name: 'elsewhere',
        protection: 'none'
      });
      expect(res.statusCode).toBe(201);
      expect(await viaGateway(res.json().url)).toMatchObject({
        status: 200,
        body: `app on ${host}`
      });
    } finally {
      await api('DELETE', '/exposures/elsewhere');
      app.proc.kill('SIGKILL');
    }
  });

  it('serves a secret link only at <name>-<secret>', async () => {
    const res = await api('POST', '/exposures', {
      port: web.port,
      name: 'hidden',
      protection: 'secret-link'
    });
    expect(res.statusCode).toBe(201);
    const url = new URL(res.json().url);
    expect(url.hostname).toMatch(/^hidden-[a-z0-9]{16}\.flare\.localhost$/);
    expect((await viaGateway(url.href)).status).toBe(200);
    const plain = await viaGateway(url.href, { host: `hidden.flare.localhost:${url.port}` });
    expect(plain.status).toBe(404);
  });

  it.each([
    ['uppercase', 'MyApp'],
    ['too long', 'a'.repeat(31)],
    ['a leading hyphen', '-app'],
    ['a trailing hyphen', 'app-'],
    ['a dot', 'my.app'],
    ['empty', '']
  ])('refuses a name with %s, creating nothing', async (_case, name) => {
    const res = await api('POST', '/exposures', { port: web.port, name, protection: 'none' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe(
      `"name" is ${JSON.stringify(name)}; it must be a DNS label: 1–30 lowercase letters, digits and hyphens, starting and ending with a letter or digit (e.g. "my-dash-app")`
    );
    expect(await names()).toEqual(['echo', 'hidden', 'secure', 'web']);
  });

  it('refuses a taken name, saying which port holds it', async () => {
    const res = await api('POST', '/exposures', {
      port: echo.port,
      name: 'web',
      protection: 'none'
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toBe(
      `The name 'web' is taken by the exposure of port ${web.port}; choose another or unexpose it`
    );
    expect((await exposed('web')).port).toBe(web.port);
  });

  it('refuses a port nobody listens on', async () => {
    // A port that was just free: bound and released.
    const free = await new Promise<number>(resolve => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const res = await api('POST', '/exposures', { port: free, name: 'ghost', protection: 'none' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe(
      `Nothing listens on port ${free}: start your app first, then expose it`
    );
    expect(await names()).not.toContain('ghost');
  });

  it('removes an expired exposure, lists it as expired, and its URL answers 404', async () => {
    const res = await api('POST', '/exposures', {
      port: web.port,
      name: 'brief',
      protection: 'none',
      expiresInMinutes: 1
    });
    expect(res.statusCode).toBe(201);
    const { url, expiresAt, createdAt } = res.json();
    expect(Date.parse(expiresAt) - Date.parse(createdAt)).toBe(60_000);
    expect((await viaGateway(url)).status).toBe(200);

    // The minute passes: the time is moved, the sweep is the service's own.
    server.store.db
      .prepare('UPDATE flare_exposure SET expires_at = ? WHERE name = ?')
      .run(Date.now() - 1, 'brief');
    let list = await exposures();
    while (!list.expired.length) {
      await new Promise(r => setTimeout(r, 100));
      list = await exposures();
    }
    expect(list.expired).toEqual([
      { name: 'brief', port: web.port, expiredAt: expect.any(String) }
    ]);
    expect(list.exposures.map((e: Exposure) => e.name)).not.toContain('brief');
    expect((await viaGateway(url)).status).toBe(404);
  });

  it('unexposes: the URL answers 404, an open WebSocket is closed, a second DELETE 404s', async () => {
    const { url } = await exposed('echo');
    const u = new URL(url);
    const ws = new WebSocket(`ws://127.0.0.1:${u.port}/`, { headers: { host: u.host } });
    const closed = new Promise(resolve => ws.once('close', resolve));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));

    expect((await api('DELETE', '/exposures/echo')).statusCode).toBe(204);
    await closed;
    const gone = await viaGateway(url);
    expect(gone.status).toBe(404);
    const again = await api('DELETE', '/exposures/echo');
    expect(again.statusCode).toBe(404);
    expect(again.json().message).toBe("No exposure is named 'echo'");
  });

  it('keeps exposures and their request counts across a backend restart', async () => {
    const before = (await exposures()).exposures;
    const webBefore = byName(before, 'web');
    await server.close();
    server = await startTestServer({ config, dbPath: join(dir, 'state.db') });

    const after = (await exposures()).exposures;
    expect(after.map((e: Exposure) => e.name)).toEqual(before.map((e: Exposure) => e.name));
    const webAfter = byName(after, 'web');
    expect(webAfter.requests).toBe(webBefore.requests);
    expect(webAfter.lastRequestAt).toBe(webBefore.lastRequestAt);
    const page = await viaGateway(webAfter.url);
    expect(page.status).toBe(200);
    const secure = byName(after, 'secure');
    expect((await viaGateway(secure.url)).status).toBe(401);
    expect((await viaGateway(secure.url, { auth: 'flare:correct horse' })).status).toBe(200);
  });

  it('says which address is taken when the proxy cannot listen, and exposes nothing', async () => {
    const taken = Number(new URL((await exposed('web')).url).port);
    const second = await startTestServer({ config: { flare: { listenPort: taken } } });
    try {
      const res = await httpRequest(second.socket, {
        method: 'POST',
        path: '/api/v1/flare/exposures',
        headers: { ...MUTATE, 'content-type': 'application/json' },
        body: JSON.stringify({ port: web.port, name: 'other', protection: 'none' })
      });
      expect(res.statusCode).toBe(503);
      expect(res.json().message).toBe(
        `The flare proxy's address 127.0.0.1:${taken} is taken by another program; ` +
          'stop it, or set another flare.listenPort in the Hotstepper configuration'
      );
      const info = await httpRequest(second.socket, { method: 'GET', path: '/api/v1/flare/info' });
      expect(info.json().unavailable).toBe(res.json().message);
      const list = await httpRequest(second.socket, {
        method: 'GET',
        path: '/api/v1/flare/exposures'
      });
      expect(list.json().exposures).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it('shows "no listener" when the app stops, keeping the exposure; the proxy says 502', async () => {
    process.kill(web.proc.pid!, 'SIGTERM');
    await new Promise(resolve => web.proc.once('exit', resolve));
    let web1 = await exposed('web');
    while (web1.listening) {
      await new Promise(r => setTimeout(r, 200));
      web1 = await exposed('web');
    }
    expect(web1).toMatchObject({ name: 'web', port: web.port, listening: false });
    const ports = (await api('GET', '/ports')).json().ports;
    expect(ports.map((p: { port: number }) => p.port)).not.toContain(web.port);
    const res = await viaGateway(web1.url);
    expect(res.status).toBe(502);
    expect(res.body).toMatch(`Nothing listens on port ${web.port}`);
  });
});

describe("the local gateway's routing", () => {
  it('connects to a loopback address for a wildcard or loopback listener, else to its address', () => {
    const at = (...addresses: string[]) =>
      addresses.map(address => ({ port: 80, address, pid: 1, command: 'app' }));
    expect(connectAddress(at('0.0.0.0'), 80)).toBe('127.0.0.1');
    expect(connectAddress(at('127.0.0.1'), 80)).toBe('127.0.0.1');
    expect(connectAddress(at('::', '0.0.0.0'), 80)).toBe('127.0.0.1');
    expect(connectAddress(at('::'), 80)).toBe('::1');
    expect(connectAddress(at('::1'), 80)).toBe('::1');
    expect(connectAddress(at('127.0.0.2'), 80)).toBe('127.0.0.2');
    expect(connectAddress(at('10.1.2.3'), 80)).toBe('10.1.2.3');
    expect(connectAddress(at('0.0.0.0'), 81)).toBeUndefined();
  });

  it("answers 502 'no listener' once the port's listener is no longer the user's", async () => {
    const app = await startNodeApp('127.0.0.1', 'whose app?');
    let mine: PortListener[] = [
      { port: app.port, address: '127.0.0.1', pid: app.proc.pid!, command: 'node' }
    ];
    const gateway = new LocalFlareGateway({
      config: parseConfig({ flare: { listenPort: 0 } }).flare,
      listeners: async () => mine,
      listenersTtlMs: 0
    });
    try {
      await gateway.start();
      await gateway.expose({ name: 'app', port: app.port, protection: 'none' });
      const url = gateway.urlFor('app');
      expect(await viaGateway(url)).toMatchObject({ status: 200, body: 'whose app?' });
      // The user's app stopped and another user's took the port: the scan no longer shows it.
      mine = [];
      const res = await viaGateway(url);
      expect(res.status).toBe(502);
      expect(res.body).toMatch(`Nothing listens on port ${app.port}`);
      expect(res.body).toMatch('no listener of yours');
    } finally {
      await gateway.close();
      app.proc.kill('SIGKILL');
    }
  });

  it('checks the owner against a scan at most 250 ms old, at most four scans a second', async () => {
    const app = await startNodeApp('127.0.0.1', 'whose app?');
    let mine: PortListener[] = [
      { port: app.port, address: '127.0.0.1', pid: app.proc.pid!, command: 'node' }
    ];
    let scans = 0;
    const gateway = new LocalFlareGateway({
      config: parseConfig({ flare: { listenPort: 0 } }).flare,
      listeners: async () => {
        scans++;
        return mine;
      }
    });
    try {
      await gateway.start();
      await gateway.expose({ name: 'app', port: app.port, protection: 'none' });
      const url = gateway.urlFor('app');
      expect(await viaGateway(url)).toMatchObject({ status: 200, body: 'whose app?' });
      // A burst shares the scan it finds.
      scans = 0;
      const burst = await Promise.all(Array.from({ length: 10 }, () => viaGateway(url)));
      expect(burst.map(r => r.status)).toEqual(Array(10).fill(200));
      expect(scans).toBeLessThanOrEqual(1);
      // The port changed hands: past the bound, the scan that showed it as the user's is not used.
      mine = [];
      await new Promise(r => setTimeout(r, 300));
      expect((await viaGateway(url)).status).toBe(502);
    } finally {
      await gateway.close();
      app.proc.kill('SIGKILL');
    }
  });

  it('answers 503 "busy" when an exposure has its share of password checks, others still checked', async () => {
    const slow = bcrypt.hashSync('the right one', 12); // a few hundred ms per check
    const gateway = new LocalFlareGateway({
      config: parseConfig({ flare: { listenPort: 0 } }).flare,
      listeners: async () => [],
      failureDelayMs: 0,
      checksPerExposure: 2
    });
    try {
      await gateway.start();
      await gateway.expose({ name: 'attacked', port: 1, protection: 'password', secret: slow });
      await gateway.expose({ name: 'quiet', port: 1, protection: 'password', secret: slow });
      const attacked = gateway.urlFor('attacked');
      // Three addresses, each well under its own limit of wrong passwords.
      const [guesses, other] = await Promise.all([
        Promise.all(
          [1, 2, 3].map(i =>
            viaGateway(attacked, { auth: `flare:guess ${i}`, from: `127.0.0.${i}` })
          )
        ),
        viaGateway(gateway.urlFor('quiet'), { auth: 'flare:a guess', from: '127.0.0.4' })
      ]);
      expect(guesses.map(r => r.status).sort()).toEqual([401, 401, 503]);
      expect(other.status).toBe(401);
      const busy = guesses.find(r => r.status === 503)!;
      expect(busy.headers['retry-after']).toBe('1');
      expect(busy.body).toMatch(
        "The flare proxy is busy checking passwords for 'attacked': try again in a moment"
      );
      expect(busy.body).not.toMatch(/wrong passwords|your address/);
    } finally {
      await gateway.close();
    }
  });
});
