import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config';
import { UsageSampler } from '../src/features/usage/service';
import { createFlareGateway, createJobs } from '../src/platform';
import { LocalPlatform } from '../src/platform/local';
import { ProcTreeReader } from '../src/platform/resources';
import { buildServer, logSerializers, redactUrl } from '../src/server';
import { Store } from '../src/store';
import { cookieValue } from '../src/xsrf';
import {
  httpRequest,
  memoryLogger,
  snapshotErrors,
  startTestServer,
  type TestServer
} from './helpers';

/** Cookies as a browser sends them to a JupyterLab behind JupyterHub. */
const JUPYTER_COOKIES =
  'jupyterhub-session-id=4a8f2c; ' +
  'username-localhost-8888="2|1:0|10:1700000000|23:username-localhost-8888|44:ZmFrZQ==|abc"; ' +
  '_xsrf=2|abc|; theme=dark';
const XSRF = '2|abc|'; // the _xsrf cookie's value, as JupyterLab copies it into the header

describe('the HTTP server', () => {
  let sampler: UsageSampler;
  let store: Store;
  let socket: string;
  const { log, lines } = memoryLogger();
  const inject = (options: {
    method: string;
    url: string;
    headers?: Record<string, string>;
    body?: string;
  }) =>
    httpRequest(socket, {
      method: options.method,
      path: options.url,
      headers: options.headers,
      body: options.body
    });
  const rows = () =>
    (store.db.prepare('SELECT count(*) AS n FROM usage_sample').get() as { n: number }).n;

  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ log, version: '1.2.3' });
    ({ store, sampler, socket } = server);
  });
  afterAll(() => server.close());
  afterEach(() => {
    // Nothing in these tests should make sampling fail.
    expect(lines.filter(l => (l.level as number) >= 50)).toEqual([]);
  });

  describe('reads need no XSRF token', () => {
    it('GET / answers the readiness probe', async () => {
      const res = await inject({ method: 'GET', url: '/' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ name: 'hotstepper', version: '1.2.3', platform: 'local' });
    });

    it('GET /api/v1/usage/now answers a UsageSnapshot', async () => {
      const res = await inject({ method: 'GET', url: '/api/v1/usage/now' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = res.json();
      expect(snapshotErrors(body)).toEqual([]);
      expect(body.source).toBe('proc');
      expect(body.intervalSeconds).toBe(60);
      expect(body.memory.used).toBeGreaterThan(0);
      expect(body).toEqual(JSON.parse(JSON.stringify(sampler.snapshot)));
    });

    it('GET /api/v1/openapi.json lists the usage routes', async () => {
      const res = await inject({ method: 'GET', url: '/api/v1/openapi.json' });
      expect(res.statusCode).toBe(200);
      const doc = res.json();
      expect(doc.openapi).toMatch(/^3\./);
      expect(doc.info.version).toBe('1.2.3');
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining(['/api/v1/usage/now', '/api/v1/usage/sample'])
      );
      expect(doc.paths['/api/v1/usage/now'].get.responses['200']).toBeDefined();
      expect(doc.paths['/api/v1/usage/sample'].post.responses['200']).toBeDefined();
    });
  });

  describe('the XSRF guard on POST /api/v1/usage/sample', () => {
    const post = (headers: Record<string, string>) =>
      inject({ method: 'POST', url: '/api/v1/usage/sample', headers });

    it.each<[string, Record<string, string>, string?]>([
      ['no header and no cookie', {}],
      ['a header but no cookie', { 'x-xsrftoken': XSRF }],
      [
        'a header but no _xsrf cookie among the others',
        { 'x-xsrftoken': XSRF, cookie: 'theme=dark; jupyterhub-session-id=4a8f2c' }
      ],
      ['a cookie but no header', { cookie: JUPYTER_COOKIES }],
      [
        'a header that differs from the cookie (same length)',
        { 'x-xsrftoken': '2|abd|', cookie: JUPYTER_COOKIES }
      ],
      [
        'a header that differs from the cookie (other length)',
        { 'x-xsrftoken': '2|abc|de', cookie: JUPYTER_COOKIES }
      ],
      ['an empty header and an empty cookie', { 'x-xsrftoken': '', cookie: '_xsrf=' }],
      [
        'the token in a cookie with a longer name',
        { 'x-xsrftoken': 'tok', cookie: 'not_xsrf=tok; _xsrf_old=tok' }
      ],
      ['the token in the query string instead of a header', { cookie: '_xsrf=tok' }, '?_xsrf=tok']
    ])('is refused with 403 and an explanation: %s', async (_what, headers, query = '') => {
      const before = rows();
      const res = await inject({ method: 'POST', url: `/api/v1/usage/sample${query}`, headers });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({
        statusCode: 403,
        error: 'Forbidden',
        message: expect.stringContaining("'X-XSRFToken' header")
      });
      expect(res.json().message).toContain("'_xsrf' cookie");
      // The handler did not run: no sample was taken.
      expect(rows()).toBe(before);
    });

    it.each([
      ['a cross-site HTML form', 'application/x-www-form-urlencoded', 'a=1'],
      ['a body that is not JSON', 'application/json', '{not json']
    ])('is refused with 403 before the body is parsed: %s', async (_what, type, body) => {
      const before = rows();
      const res = await inject({
        method: 'POST',
        url: '/api/v1/usage/sample',
        headers: { 'content-type': type, cookie: JUPYTER_COOKIES },
        body
      });
      expect(res.statusCode).toBe(403);
      expect(rows()).toBe(before);
    });

    it.each([
      ['a JSON body of 900 KiB', 900 * 1024],
      ['a body over fastify’s 1 MiB body limit', 3 * 1024 * 1024]
    ])(
      'reads %s before refusing, so the client gets the 403 and no broken pipe',
      async (_what, size) => {
        const body = JSON.stringify({ pad: 'x'.repeat(size) });
        for (let i = 0; i < 10; i++) {
          const res = await inject({
            method: 'POST',
            url: '/api/v1/usage/sample',
            headers: { 'content-type': 'application/json', cookie: JUPYTER_COOKIES },
            body
          });
          expect(res.statusCode).toBe(403);
          expect(res.json().message).toContain('XSRF check failed');
        }
      }
    );

    it('compares the cookie as sent: a percent-encoded cookie is not its decoded header', async () => {
      const res = await post({ 'x-xsrftoken': '2|abc|', cookie: '_xsrf=2|abc%7C' });
      expect(res.statusCode).toBe(403);
      expect(res.json().message).toContain('XSRF check failed');
    });

    it('takes a sample when the X-XSRFToken header equals the _xsrf cookie among several cookies', async () => {
      const before = rows();
      const res = await post({ 'X-XSRFToken': XSRF, cookie: JUPYTER_COOKIES });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(snapshotErrors(body)).toEqual([]);
      expect(rows()).toBe(before + 1);
      expect(Date.parse(body.sampledAt)).toBeGreaterThanOrEqual(
        Date.parse(sampler.snapshot!.sampledAt) - 1
      );
    });
  });

  describe('the guard runs before routing', () => {
    it.each(['POST', 'PUT', 'PATCH', 'DELETE'] as const)(
      '%s to an unknown path without XSRF is 403, not 404',
      async method => {
        const res = await inject({ method, url: '/api/v1/nope' });
        expect(res.statusCode).toBe(403);
      }
    );

    it.each(['PUT', 'DELETE'] as const)(
      '%s to a GET-only route without XSRF is 403',
      async method => {
        const res = await inject({ method, url: '/api/v1/usage/now' });
        expect(res.statusCode).toBe(403);
      }
    );

    it('a POST to an unknown path with XSRF is 404 with a message pointing to the route list', async () => {
      const res = await inject({
        method: 'POST',
        url: '/api/v1/nope',
        headers: { 'x-xsrftoken': XSRF, cookie: JUPYTER_COOKIES }
      });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: 'No route POST /api/v1/nope; the routes are listed at /api/v1/openapi.json'
      });
    });

    it('a GET to an unknown path is 404 and does not echo credentials from the query', async () => {
      const res = await inject({
        method: 'GET',
        url: '/api/v1/nope?token=s3cret&_xsrf=2%7Cabc&page=2'
      });
      expect(res.statusCode).toBe(404);
      const { message } = res.json();
      expect(message).toBe(
        'No route GET /api/v1/nope?token=[redacted]&_xsrf=[redacted]&page=2; the routes are listed at /api/v1/openapi.json'
      );
      expect(res.body).not.toContain('s3cret');
    });
  });
});

describe('cookieValue', () => {
  it('finds one cookie among several, as sent', () => {
    expect(cookieValue(JUPYTER_COOKIES, '_xsrf')).toBe('2|abc|');
    expect(cookieValue(JUPYTER_COOKIES, 'theme')).toBe('dark');
  });

  it('keeps "=" inside a value', () => {
    expect(cookieValue('a=1; _xsrf=x=y==', '_xsrf')).toBe('x=y==');
  });

  it('does not decode: JupyterLab copies the raw cookie text into the header', () => {
    expect(cookieValue('_xsrf=2|abc%7C; b=1', '_xsrf')).toBe('2|abc%7C');
  });

  it('matches the whole name only', () => {
    expect(cookieValue('not_xsrf=1; _xsrf_old=2', '_xsrf')).toBeUndefined();
    expect(cookieValue(undefined, '_xsrf')).toBeUndefined();
  });
});

describe('redactUrl', () => {
  it('strips token= and _xsrf= values from the query', () => {
    expect(redactUrl('/api/v1/usage/now?token=abc123&_xsrf=2|x|y')).toBe(
      '/api/v1/usage/now?token=[redacted]&_xsrf=[redacted]'
    );
  });

  it('keeps the other query parameters', () => {
    expect(redactUrl('/x?a=1&token=abc&b=2')).toBe('/x?a=1&token=[redacted]&b=2');
  });

  it('ignores case in the parameter name', () => {
    expect(redactUrl('/x?TOKEN=abc')).toBe('/x?TOKEN=[redacted]');
  });

  it('leaves alone parameters that only end in "token" and paths', () => {
    expect(redactUrl('/x?mytoken=abc')).toBe('/x?mytoken=abc');
    expect(redactUrl('/token=abc/y')).toBe('/token=abc/y');
  });
});

describe('logSerializers', () => {
  it('logs method, redacted URL and status only, never headers', () => {
    const req = logSerializers.req({
      method: 'POST',
      url: '/api/v1/usage/sample?token=s3cret',
      headers: { authorization: 'token s3cret', cookie: '_xsrf=abc' }
    } as { method: string; url: string });
    expect(req).toEqual({ method: 'POST', url: '/api/v1/usage/sample?token=[redacted]' });
    expect(
      logSerializers.res({ statusCode: 204, headers: { 'set-cookie': 'x' } } as {
        statusCode: number;
      })
    ).toEqual({
      statusCode: 204
    });
  });
});

describe('the usage feature without a sampler given', () => {
  it('samples on its own from the config, and stops with the app', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotstepper-own-sampler-'));
    const store = new Store({ path: ':memory:' });
    const platform = new LocalPlatform(new ProcTreeReader(process.pid, '', {}));
    const config = parseConfig({ usage: { sampleIntervalSeconds: 1 } });
    const app = await buildServer({
      version: '0.0.0',
      config,
      platform,
      store,
      jobs: createJobs(config, { platform, env: {} }),
      flare: createFlareGateway(config, { platform, env: {} }),
      dataDir: join(dir, 'data'),
      rootDir: join(dir, 'root')
    });
    const socket = join(dir, 'backend.sock');
    await app.listen({ path: socket });
    try {
      const res = await httpRequest(socket, { method: 'GET', path: '/api/v1/usage/now' });
      expect(res.statusCode).toBe(200);
      expect(snapshotErrors(res.json())).toEqual([]);
    } finally {
      await app.close();
      const rows = () =>
        (store.db.prepare('SELECT count(*) AS n FROM usage_sample').get() as { n: number }).n;
      const after = rows();
      // Stopped: no reading lands after the close (the interval is 1 s; wait past one).
      await new Promise(resolve => setTimeout(resolve, 1_500));
      expect(rows()).toBe(after);
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);
});
