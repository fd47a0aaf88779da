import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import {
  FailureLog,
  HttpError,
  allowed,
  errorResponse,
  installErrorHandler,
  schemaErrorFormatter
} from '../src/errors';
import { httpRequest, memoryLogger, until } from './helpers';

const Body = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z-]+$' }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    mode: Type.Union([Type.Literal('none'), Type.Literal('password')]),
    resources: Type.Optional(
      Type.Object({ cpu: Type.Number({ exclusiveMinimum: 0 }) }, { additionalProperties: false })
    )
  },
  { additionalProperties: false }
);

describe('the one error path', () => {
  const { log, lines } = memoryLogger();
  let app: FastifyInstance;
  let dir: string;
  let socket: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hotstepper-errors-'));
    socket = join(dir, 'app.sock');
    app = Fastify({
      loggerInstance: log as FastifyBaseLogger,
      logController: new FailureLog(),
      ajv: { customOptions: { removeAdditional: false, verbose: true } },
      schemaErrorFormatter
    });
    installErrorHandler(app);
    app.get('/refused', async () => {
      throw new HttpError(409, 'Job j1 has already finished (succeeded)');
    });
    app.get('/broken', async () => {
      throw new Error('disk on fire');
    });
    app.get('/unavailable', async () => {
      throw new HttpError(503, 'Exposing is unavailable: the gateway did not start');
    });
    app.get('/direct', async (_req, reply) =>
      reply.code(502).send(errorResponse(502, 'the runner answered nonsense'))
    );
    app.get('/secretive', async () => {
      // What a client library hangs on its errors: the request it made, with credentials.
      throw Object.assign(new Error('the API server refused'), {
        headers: { authorization: 'Bearer s3cret-in-error' },
        options: { url: 'https://k8s/?token=s3cret-in-error' }
      });
    });
    app.get('/stream', async (_req, reply) => {
      let sent = false;
      const body = new Readable({
        read() {
          if (sent) {
            this.destroy(new Error('log file vanished'));
          } else {
            sent = true;
            this.push('first line\n');
          }
        }
      });
      return reply.type('text/plain').send(body);
    });
    app.get(
      '/query',
      {
        schema: {
          querystring: Type.Object({
            range: Type.Union([Type.Literal('day'), Type.Literal('week')])
          })
        }
      },
      async () => ({})
    );
    app.post('/body', { schema: { body: Body } }, async () => ({}));
    await app.listen({ path: socket });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (body: unknown) =>
    httpRequest(socket, {
      method: 'POST',
      path: '/body',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body)
    });
  const ok = { name: 'app', port: 8050, mode: 'none' };

  it('answers an HttpError with its status and message as an ErrorResponse', async () => {
    const res = await httpRequest(socket, { method: 'GET', path: '/refused' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: 'Job j1 has already finished (succeeded)'
    });
  });

  it('answers anything else 500, logging the route and the error but no headers', async () => {
    const res = await httpRequest(socket, {
      method: 'GET',
      path: '/broken',
      headers: { authorization: 'token s3cret', cookie: '_xsrf=s3cret' }
    });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'disk on fire'
    });
    const logged = lines.find(l => l.msg === 'request failed');
    expect(logged).toMatchObject({ route: 'GET /broken', err: { message: 'disk on fire' } });
    expect(JSON.stringify(lines)).not.toContain('s3cret');
  });

  it.each([
    ['/unavailable', 503, 'Exposing is unavailable: the gateway did not start'],
    ['/direct', 502, 'the runner answered nonsense']
  ])('logs a 5xx however it is answered: %s', async (path, status, message) => {
    const res = await httpRequest(socket, {
      method: 'GET',
      path: `${path}?token=s3cret-query`,
      headers: { authorization: 'token s3cret' }
    });
    expect(res.statusCode).toBe(status);
    expect(res.json().message).toBe(message);
    await until(() => lines.some(l => l.route === `GET ${path}`));
    expect(lines.find(l => l.route === `GET ${path}`)).toMatchObject({
      level: 50,
      msg: 'request failed',
      statusCode: status,
      err: { message }
    });
    expect(JSON.stringify(lines)).not.toContain('s3cret');
  });

  it('logs an error without what a library hung on it', async () => {
    const res = await httpRequest(socket, { method: 'GET', path: '/secretive' });
    expect(res.statusCode).toBe(500);
    await until(() => lines.some(l => l.route === 'GET /secretive'));
    expect(lines.find(l => l.route === 'GET /secretive')).toMatchObject({
      msg: 'request failed',
      err: { message: 'the API server refused' }
    });
    expect(JSON.stringify(lines)).not.toContain('s3cret-in-error');
  });

  it('logs a stream that fails after its headers were sent, with its route', async () => {
    await httpRequest(socket, { method: 'GET', path: '/stream' }).catch(() => undefined);
    await until(() => lines.some(l => l.route === 'GET /stream'));
    expect(lines.find(l => l.route === 'GET /stream')).toMatchObject({
      level: 50,
      err: { message: 'log file vanished' }
    });
  });

  it('logs no refusal at the info level', async () => {
    await httpRequest(socket, { method: 'GET', path: '/refused' });
    expect(lines.filter(l => l.route === 'GET /refused')).toEqual([]);
  });

  it('keeps the status of fastify’s own client errors', async () => {
    const res = await httpRequest(socket, {
      method: 'POST',
      path: '/body',
      headers: { 'content-type': 'application/json' },
      body: '{"name": '
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });

  it.each([
    [
      'a value out of range',
      { ...ok, port: 0 },
      '"port" is 0; it must be a whole number from 1 to 65535'
    ],
    [
      'a literal not in the union',
      { ...ok, mode: 'secret' },
      '"mode" is "secret"; it must be one of "none", "password"'
    ],
    [
      'a pattern not matched',
      { ...ok, name: 'My App' },
      '"name" is "My App"; it must be a string matching ^[a-z-]+$'
    ],
    [
      'a nested field',
      { ...ok, resources: { cpu: 0 } },
      '"resources.cpu" is 0; it must be a number above 0'
    ],
    [
      'a missing field',
      { name: 'app', mode: 'none' },
      '"port" is required; it must be a whole number from 1 to 65535'
    ],
    [
      'an unknown field',
      { ...ok, colour: 'red' },
      'unknown field "colour"; the body allows name, port, mode, resources'
    ],
    [
      'an unknown nested field',
      { ...ok, resources: { cpu: 1, gpu: 1 } },
      'unknown field "resources.gpu"; "resources" allows cpu'
    ],
    [
      'a body that is no object',
      5,
      'the body is 5; it must be an object with the fields name, port, mode, resources'
    ]
  ])(
    'words %s like a config error: the field, then what it allows',
    async (_case, body, message) => {
      const res = await post(body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ statusCode: 400, error: 'Bad Request', message });
    }
  );

  it('words a bad query the same way', async () => {
    const res = await httpRequest(socket, { method: 'GET', path: '/query?range=year' });
    expect(res.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: '"range" is "year"; it must be one of "day", "week"'
    });
  });

  it('says a known pattern in words', () => {
    expect(allowed(Type.String({ pattern: '^[a-z0-9]([a-z0-9-]{0,28}[a-z0-9])?$' }))).toMatch(
      /^a DNS label: 1–30 lowercase letters/
    );
  });
});
