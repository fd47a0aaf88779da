/**
 * The backend as a user reaches it: a real jupyter_server with token auth and
 * XSRF on, jupyter-server-proxy starting the bundled backend through the
 * `hotstepper` entry point, requests at {base_url}hotstepper/... One server is
 * shared by the tests that leave it as they found it; a test that needs a server
 * no one has used yet, or stops it, starts its own.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  commandLine,
  isRunning,
  JupyterServer,
  parentPid,
  request,
  setCookieValue,
  socketInodes,
  type HttpResponse
} from './jupyter';
import { startTestServer } from '../test/helpers';

interface Route {
  path: string;
  method: string;
}

const MUTATIONS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const HTTP_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', ...MUTATIONS]);

// Debug level: refusals are logged too, so the token-leak check sees every line there is.
const configDir = mkdtempSync(join(tmpdir(), 'hotstepper-int-config-'));
const configFile = join(configDir, 'hotstepper.json');
writeFileSync(configFile, JSON.stringify({ logLevel: 'debug' }));
const server = new JupyterServer({ env: { HOTSTEPPER_CONFIG: configFile } });
const at = (path: string) => `${server.url}hotstepper${path}`;

let cachedRoutes: Route[] | undefined;
/** Every (path, method) in the backend's OpenAPI document, fetched with the token. */
async function routes(): Promise<Route[]> {
  if (!cachedRoutes) {
    const res = await request(at('/api/v1/openapi.json'), 'GET', { headers: server.auth });
    expect(res.status).toBe(200);
    const doc = JSON.parse(res.body) as { paths: Record<string, Record<string, unknown>> };
    cachedRoutes = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .map(m => m.toUpperCase())
        .filter(m => HTTP_METHODS.has(m))
        .map(method => ({ path, method }))
    );
  }
  return cachedRoutes;
}

let cachedRegistered: Route[] | undefined;
/**
 * Every (path, method) the backend registers, hidden ones and fastify's HEAD twins included,
 * as an onRoute hook sees them in a build of the same source; parameters as OpenAPI writes them.
 */
async function registeredRoutes(): Promise<Route[]> {
  if (!cachedRegistered) {
    const seen: Route[] = [];
    const build = await startTestServer({
      onRoute: route => {
        for (const method of [route.method].flat()) {
          seen.push({ path: route.url.replace(/:(\w+)/g, '{$1}'), method });
        }
      }
    });
    await build.close();
    cachedRegistered = seen;
  }
  return cachedRegistered;
}

let cachedXsrf: string | undefined;
/** A real `_xsrf` cookie value, as Jupyter sets it when JupyterLab's page loads. */
async function xsrfCookie(): Promise<string> {
  if (!cachedXsrf) {
    const res = await request(`${server.url}lab?token=${server.token}`);
    cachedXsrf = setCookieValue(res, '_xsrf');
    expect(cachedXsrf).toMatch(/^2\|/);
  }
  return cachedXsrf!;
}

/** Headers of a request as JupyterLab's ServerConnection sends it: token, XSRF pair, JSON content type. */
async function asJupyterLab(): Promise<Record<string, string>> {
  const xsrf = await xsrfCookie();
  return {
    ...server.auth,
    cookie: `_xsrf=${xsrf}`,
    'x-xsrftoken': xsrf,
    'content-type': 'application/json'
  };
}

/** The response came from our backend (fastify answers JSON), not from Jupyter. */
function fromBackend(res: HttpResponse): boolean {
  // The backend's non-JSON answers: CSV exports and event streams.
  const type = String(res.headers['content-type']);
  if (type.startsWith('text/csv') || type.startsWith('text/event-stream')) {
    return res.status === 200;
  }
  try {
    const body = JSON.parse(res.body);
    return typeof body === 'object' && body !== null;
  } catch {
    return false;
  }
}

function describeResponse(route: Route, res: HttpResponse): string {
  return `${route.method} ${route.path} → ${res.status} ${res.headers.location ?? ''} ${res.body.slice(0, 200)}`;
}

beforeAll(async () => {
  await server.start();
}, 60_000);

afterAll(async () => {
  await server.stop();
  rmSync(configDir, { recursive: true, force: true });
});

/** Runs `test` against a Jupyter server of its own, stopped however the test ends. */
async function withOwnServer(test: (own: JupyterServer) => Promise<void>): Promise<void> {
  const own = new JupyterServer();
  try {
    await test(await own.start());
  } finally {
    await own.stop();
  }
}

describe("the backend's life, on a Jupyter server of its own", () => {
  it('is started through the entry point by the first request, and answers the readiness probe', async () => {
    await withOwnServer(async own => {
      // On demand: nothing runs until someone asks for {base_url}hotstepper/.
      expect(own.backendPids()).toEqual([]);

      const res = await request(`${own.url}hotstepper/`, 'GET', { headers: own.auth });

      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(res.body)).toMatchObject({ name: 'hotstepper', platform: 'local' });
      const [pid, ...others] = own.backendPids();
      expect(others).toEqual([]);
      expect(parentPid(pid)).toBe(own.pid);
    });
  }, 90_000);

  it('stopping Jupyter stops the backend with it', async () => {
    await withOwnServer(async own => {
      await request(`${own.url}hotstepper/`, 'GET', { headers: own.auth });
      const before = own.backendPids();
      expect(before).toHaveLength(1);

      await own.stop();

      expect(own.stopReport).toEqual({ backendPids: before, survivors: [] });
      expect(before.filter(isRunning)).toEqual([]);
    });
  }, 90_000);
});

describe('the backend behind jupyter-server-proxy, with token and XSRF on', () => {
  it('jupyter-server-proxy lists the server, without a launcher entry', async () => {
    const res = await request(`${server.url}server-proxy/servers-info`, 'GET', {
      headers: server.auth
    });

    expect(res.status).toBe(200);
    const { server_processes } = JSON.parse(res.body) as {
      server_processes: Array<{
        name: string;
        launcher_entry: { enabled: boolean };
        new_browser_tab: boolean;
      }>;
    };
    expect(server_processes).toContainEqual(
      expect.objectContaining({
        name: 'hotstepper',
        launcher_entry: expect.objectContaining({ enabled: false })
      })
    );
  });

  it('refuses every registered route to a request without the right token', async () => {
    const xsrf = await xsrfCookie();
    const listed = await registeredRoutes();
    expect(listed).toContainEqual({ path: '/api/v1/openapi.json', method: 'HEAD' });

    const withoutToken: Array<[string, (path: string) => string, Record<string, string>]> = [
      ['no credentials', at, {}],
      ['a wrong token header', at, { authorization: `token ${'0'.repeat(server.token.length)}` }],
      ['a wrong token in the query', p => `${at(p)}?token=not-the-token`, {}],
      // The XSRF pair proves same-origin, not identity: still no way in.
      ['the XSRF pair but no token', at, { cookie: `_xsrf=${xsrf}`, 'x-xsrftoken': xsrf }]
    ];
    for (const route of listed) {
      for (const [label, url, headers] of withoutToken) {
        const res = await request(url(route.path), route.method, { headers });
        // jupyter_server refuses before the proxy: tornado's @authenticated answers an
        // unauthenticated GET with 302 to /login?next=... (seen: 302), any other
        // method with 403 (seen: 403, an HTML error page).
        const refused =
          res.status === 403 ||
          (res.status === 302 && String(res.headers.location).includes('/login'));
        expect({
          refused,
          fromBackend: fromBackend(res),
          res: `${label}: ${describeResponse(route, res)}`
        }).toEqual({
          refused: true,
          fromBackend: false,
          res: expect.any(String)
        });
      }
    }
  });

  describe('every mutation needs the XSRF header equal to the cookie, token or not', () => {
    it.each([
      ['neither header nor cookie', (_x: string) => ({})],
      ['the cookie but no header', (x: string) => ({ cookie: `_xsrf=${x}` })],
      ['the header but no cookie', (x: string) => ({ 'x-xsrftoken': x })],
      [
        'a header one character off the cookie',
        (x: string) => ({
          cookie: `_xsrf=${x}`,
          'x-xsrftoken': x.slice(0, -1) + (x.endsWith('0') ? '1' : '0')
        })
      ],
      [
        'a header shorter than the cookie',
        (x: string) => ({ cookie: `_xsrf=${x}`, 'x-xsrftoken': x.slice(0, 10) })
      ]
    ])('refuses %s with 403 and says XSRF', async (_case, xsrfHeaders) => {
      const xsrf = await xsrfCookie();
      const mutations = (await registeredRoutes()).filter(r => MUTATIONS.has(r.method));
      expect(mutations).toContainEqual({ path: '/api/v1/usage/sample', method: 'POST' });

      for (const route of mutations) {
        const res = await request(at(route.path), route.method, {
          headers: { ...server.auth, 'content-type': 'application/json', ...xsrfHeaders(xsrf) }
        });
        expect(describeResponse(route, res)).toMatch(/→ 403 /);
        // jupyter-server-proxy defers XSRF to the proxied app: this 403 is our backend's.
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(JSON.parse(res.body).message).toMatch(/XSRF/);
      }
    });

    it.each([
      // What JupyterLab's ServerConnection sends for a body-less POST.
      [
        'as JupyterLab sends it (Content-Type: application/json, no body)',
        { 'content-type': 'application/json' }
      ],
      // What curl or a script sends; tornado's HTTP client then adds
      // Content-Type: application/x-www-form-urlencoded on the way to the backend.
      ['as a script sends it (no Content-Type, no body)', {}]
    ])(
      'with the token and a matching pair, POST usage/sample answers a fresh snapshot, %s',
      async (_case, extra) => {
        const xsrf = await xsrfCookie();

        const res = await request(at('/api/v1/usage/sample'), 'POST', {
          headers: { ...server.auth, cookie: `_xsrf=${xsrf}`, 'x-xsrftoken': xsrf, ...extra }
        });

        expect(`${res.status} ${res.body.slice(0, 300)}`).toMatch(/^200 /);
        const snapshot = JSON.parse(res.body);
        expect(snapshot.cpu.used).toBeGreaterThanOrEqual(0);
        expect(snapshot.memory.limit).toBeGreaterThan(0);
        expect(snapshot.memory.used).toBeGreaterThan(0);
      }
    );
  });

  it('the OpenAPI document lists every registered route but its own, and every listed route exists', async () => {
    const listed = await routes();
    // The served bundle and the build the sweeps read have the same routes: a stale bundle or a
    // route registered in the bundle only fails here, not silently outside the sweeps.
    const key = (r: Route) => `${r.method} ${r.path}`;
    const registered = (await registeredRoutes()).filter(r => r.method !== 'HEAD');
    expect(listed.map(key).sort()).toEqual(
      registered
        .filter(r => r.path !== '/api/v1/openapi.json')
        .map(key)
        .sort()
    );

    const headers = await asJupyterLab();
    for (const route of listed) {
      // jupyter-server-proxy streams a response only when the request's Accept is exactly
      // text/event-stream (as @hotstepper/core's streamEvents sends); otherwise it buffers.
      const accept: Record<string, string> = route.path.endsWith('/events')
        ? { Accept: 'text/event-stream' }
        : {};
      // A route with a parameter is asked about something that does not exist: the backend's
      // own 404 (JSON naming what is missing) proves the route is there.
      const parameterised = route.path.includes('{');
      const path = route.path.replace(/\{(\w+)\}/g, 'no-such-$1');
      const res = await request(at(path), route.method, {
        headers: { ...headers, ...accept }
      });
      const line = describeResponse(route, res);
      if (parameterised && res.status === 404) {
        expect(JSON.parse(res.body).message).toMatch(/no-such-/);
      } else {
        expect(line).not.toMatch(/→ 40[45] /);
      }
      expect({ fromBackend: fromBackend(res), line }).toEqual({ fromBackend: true, line });
    }
  });

  it('polling the backend never counts as activity; a Jupyter API call does', async () => {
    const lastActivity = async () => {
      const res = await request(`${server.url}api/status`, 'GET', { headers: server.auth });
      expect(res.status).toBe(200);
      return Date.parse((JSON.parse(res.body) as { last_activity: string }).last_activity);
    };
    const headers = await asJupyterLab();
    await request(at('/'), 'GET', { headers: server.auth }); // the backend runs
    const before = await lastActivity();

    // What a JupyterLab page left open does: poll the figures, follow the event streams, sample.
    const polls = [
      '/api/v1/usage/now',
      '/api/v1/usage/history?range=hour',
      '/api/v1/usage/kernels',
      '/api/v1/jobs/',
      '/api/v1/flare/exposures'
    ];
    const until = Date.now() + 5_000;
    while (Date.now() < until) {
      for (const path of polls) {
        expect((await request(at(path), 'GET', { headers })).status).toBe(200);
      }
      await request(at('/api/v1/usage/events'), 'GET', {
        headers: { ...headers, Accept: 'text/event-stream' }
      });
      expect((await request(at('/api/v1/usage/sample'), 'POST', { headers })).status).toBe(200);
      await new Promise(r => setTimeout(r, 250));
    }
    expect(await lastActivity()).toBe(before);

    // The check can fail: a request to Jupyter's own API moves the clock.
    await new Promise(r => setTimeout(r, 20));
    expect((await request(`${server.url}api/contents`, 'GET', { headers })).status).toBe(200);
    expect(await lastActivity()).toBeGreaterThan(before);
  }, 60_000);

  it('the backend listens on a socket in a private directory, and on no TCP port', async () => {
    await request(at('/'), 'GET', { headers: server.auth }); // make sure it runs
    const [pid] = server.backendPids();
    expect(pid).toBeDefined();

    // jupyter-server-proxy 4.6 has no API that reports the socket (its
    // /server-proxy/servers-info leaves it out; /server-proxy/api/servers/ does
    // not exist): read the path it substituted for {unix_socket} in the command.
    const argv = commandLine(pid)!;
    const socketPath = argv[argv.indexOf('--socket') + 1];
    expect(argv).toContain('--socket');
    expect(socketPath).toMatch(/^\//);

    expect(statSync(socketPath).isSocket()).toBe(true);
    expect((statSync(dirname(socketPath)).mode & 0o077).toString(8)).toBe('0');
    expect((statSync(socketPath).mode & 0o077).toString(8)).toBe('0');

    // The socket at that path is the one the backend listens on (flag 00010000: accepting).
    const inodes = socketInodes(pid);
    const unixListeners = readFileSync('/proc/net/unix', 'utf8')
      .split('\n')
      .slice(1)
      .map(line => line.trim().split(/\s+/))
      .filter(f => f[7] === socketPath && f[3] === '00010000')
      .map(f => f[6]);
    expect(unixListeners.some(inode => inodes.has(inode))).toBe(true);

    // No TCP socket of the backend is in state LISTEN (0A), on IPv4 or IPv6.
    const tcpListening = ['/proc/net/tcp', '/proc/net/tcp6']
      .flatMap(file => readFileSync(file, 'utf8').split('\n').slice(1))
      .map(line => line.trim().split(/\s+/))
      .filter(f => f[3] === '0A' && inodes.has(f[9]))
      .map(f => f[1]);
    expect(tcpListening).toEqual([]);
  });

  it('never writes the token or the XSRF value to its log', async () => {
    const xsrf = await xsrfCookie();
    const jupyterlab = await asJupyterLab();
    const withQueryToken = (path: string) =>
      `${at(path)}?token=${server.token}&_xsrf=${encodeURIComponent(xsrf)}`;
    // Successes, refusals, unknown routes and unparsable bodies, with the credentials
    // in the query string, the Authorization header, the Cookie and X-XSRFToken.
    await request(withQueryToken('/api/v1/usage/now'));
    await request(withQueryToken('/api/v1/usage/now'), 'GET', { headers: jupyterlab });
    await request(withQueryToken('/api/v1/usage/sample'), 'POST', {
      headers: { cookie: `_xsrf=${xsrf}` }
    });
    await request(withQueryToken('/api/v1/usage/sample'), 'POST', { headers: jupyterlab });
    await request(withQueryToken('/api/v1/usage/sample'), 'POST', {
      headers: jupyterlab,
      body: '{not json'
    });
    await request(withQueryToken('/api/v1/no-such-route'), 'DELETE', { headers: jupyterlab });
    await request(at('/api/v1/no-such-route'), 'GET', {
      headers: { ...jupyterlab, 'x-xsrftoken': server.token }
    });
    // Last, a refusal of its own: once its line has come, every line before it has.
    const last = `leak-check-${randomBytes(6).toString('hex')}`;
    await request(withQueryToken(`/api/v1/${last}`), 'GET', { headers: jupyterlab });
    // Jupyter prints (a masked form of) its own token at start-up: only the backend's lines count.
    const backendLines = () =>
      server.stderr
        .split('\n')
        .filter(line => line.startsWith('{"level"') || line.startsWith('hotstepper:'));
    while (!backendLines().some(line => line.includes(last))) {
      await new Promise(r => setTimeout(r, 50)); // the test's timeout bounds the wait
    }
    expect(backendLines().some(line => line.includes('hotstepper backend ready'))).toBe(true);
    // The refusals were logged (debug), so their lines were checked too.
    expect(
      backendLines().filter(line => line.includes('"request refused"')).length
    ).toBeGreaterThanOrEqual(5);
    const secrets = [server.token, xsrf, encodeURIComponent(xsrf), xsrf.split('|')[2]];
    const leaks = backendLines().filter(line => secrets.some(secret => line.includes(secret)));
    expect(leaks).toEqual([]);
  });
});
