import ajvCompiler from '@fastify/ajv-compiler';
import serializerCompiler from '@fastify/fast-json-stringify-compiler';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { API_PREFIX, EVENTS_PREFIX, ErrorResponse, Ready } from '@hotstepper/api';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { EventBus } from './bus';
import { activityRoutes } from './features/activity/routes';
import { appsRoutes } from './features/apps/routes';
import { sshRoutes } from './features/apps/ssh/routes';
import { courseRoutes } from './features/course/routes';
import { eventsRoutes } from './features/events/routes';
import { flareRoutes } from './features/flare/routes';
import { jobsRoutes } from './features/jobs/routes';
import { storageRoutes } from './features/storage/routes';
import { usageRoutes } from './features/usage/routes';
import type { UsageSampler } from './features/usage/service';
import type { Config } from './config';
import type { FlareGateway, JobAdapters, Platform } from './platform';
import type { JupyterServerClient } from './platform/jupyter';
import { LocalAppsHost } from './platform/local/apps';
import { LocalStorageHost } from './platform/local/storage';
import type { AppsHost } from './platform/apps';
import type { StorageHost } from './platform/storage';
import type { Store } from './store';
import {
  FailureLog,
  HttpError,
  errorResponse,
  installErrorHandler,
  schemaErrorFormatter
} from './errors';
import { xsrfGuard } from './xsrf';

export interface ServerDeps {
  version: string;
  config: Config;
  platform: Platform;
  store: Store;
  /** Tests: a sampler of their own, theirs to stop; default the usage feature makes one. */
  sampler?: UsageSampler;
  jobs: JobAdapters;
  flare: FlareGateway;
  /** The mount table, capacities and the user's groups; default this machine's. */
  storage?: StorageHost;
  /** jupyter-server-proxy and the apps' processes; default this machine's. */
  apps?: AppsHost;
  /** Absolute: where state.db and job files live. */
  dataDir: string;
  /** Absolute: the Jupyter server's root directory. */
  rootDir: string;
  /** The own Jupyter server, for the activity journal's kernel watcher; none: not watched. */
  jupyter?: JupyterServerClient;
  /** Tests: a bus of their own to publish on; default one made here. */
  bus?: EventBus;
  /** pino, writing to stderr; none in unit tests. */
  log?: FastifyBaseLogger;
  /**
   * The HTTP server to serve on, already listening (main.ts), given fastify's request handler
   * to call once the app is ready; default fastify's own, for `listen`.
   */
  server?: (handler: (req: IncomingMessage, res: ServerResponse) => void) => Server;
  /** Tests: told of every route as it is registered, hidden ones and HEAD included. */
  onRoute?: (route: { method: string | string[]; url: string }) => void;
}

/** Strips credentials a client may have put in the query string. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|_xsrf)=)[^&]*/gi, '$1[redacted]');
}

/**
 * Request logs carry method, path and status only: never headers, whose
 * Authorization and Cookie hold the user's Jupyter credentials.
 */
export const logSerializers = {
  req: (req: { method: string; url: string }) => ({ method: req.method, url: redactUrl(req.url) }),
  res: (res: { statusCode: number }) => ({ statusCode: res.statusCode })
};

type Compile<F> = (route: { schema: unknown; method: string; url: string; httpPart?: string }) => F;
type Builder<F> = (externalSchemas: unknown, options: unknown) => Compile<F>;

/**
 * fastify's own compilers (ajv, fast-json-stringify), each route's schema compiled on the
 * route's first request instead of at start-up: compiling them all took most of the start
 * (~0.35 s), and the code for routes nobody calls is never made. A validation function keeps
 * ajv's `errors` beside it, where fastify looks for them.
 */
function lazyCompilers() {
  const validators = ajvCompiler() as unknown as Builder<
    ((data: unknown) => unknown) & { errors?: unknown }
  >;
  const serializers = serializerCompiler() as unknown as Builder<(doc: unknown) => string>;
  return {
    buildValidator: (external: unknown, options: unknown) => {
      let compiler: ReturnType<typeof validators> | undefined;
      return ((route: Parameters<ReturnType<typeof validators>>[0]) => {
        let fn: ReturnType<ReturnType<typeof validators>> | undefined;
        // With `schemaEnv` set, fastify passes the parent too, so that ajv may replace a
        // coerced root value as it does for its own functions.
        const validate = (data: unknown, parent?: unknown) => {
          fn ??= (compiler ??= validators(external, options))(route);
          const result = (fn as (d: unknown, p?: unknown) => unknown)(data, parent);
          validate.errors = fn.errors;
          return result;
        };
        validate.errors = undefined as unknown;
        validate.schemaEnv = true;
        return validate;
      }) as never;
    },
    buildSerializer: (external: unknown, options: unknown) => {
      let compiler: ReturnType<typeof serializers> | undefined;
      return ((route: Parameters<ReturnType<typeof serializers>>[0]) => {
        let fn: ((doc: unknown) => string) | undefined;
        return (doc: unknown) => (fn ??= (compiler ??= serializers(external, options))(route))(doc);
      }) as never;
    }
  };
}

export async function buildServer(deps: ServerDeps) {
  const app = Fastify({
    schemaController: { compilersFactory: lazyCompilers() },
    ...(deps.server ? { serverFactory: deps.server } : {}),
    ...(deps.log ? { loggerInstance: deps.log } : { logger: false }),
    routerOptions: { ignoreTrailingSlash: true },
    // Every request is a poll: log failures and start-up, not each request.
    logController: new FailureLog(),
    // verbose: a validation error carries the value and its schema, to say what is allowed.
    ajv: { customOptions: { removeAdditional: false, verbose: true } },
    schemaErrorFormatter
  }).withTypeProvider<TypeBoxTypeProvider>();
  installErrorHandler(app);
  if (deps.onRoute) {
    app.addHook('onRoute', deps.onRoute);
  }

  await app.register(swagger, {
    openapi: {
      // 3.1: its schemas are JSON Schema, as TypeBox writes them and ajv checks them
      // (numeric exclusiveMinimum, const); 3.0.3 would need them translated.
      openapi: '3.1.0',
      info: {
        title: 'Hotstepper backend',
        version: deps.version,
        description: 'Reached through jupyter-server-proxy at {base_url}hotstepper/'
      }
    }
  });
  app.addSchema(ErrorResponse);
  app.addHook('onRequest', xsrfGuard);

  // Through jupyter-server-proxy a body-less POST arrives with `Content-Length: 0`
  // and a content type all the same: JupyterLab's ServerConnection sets
  // application/json, and tornado's HTTP client adds application/x-www-form-urlencoded
  // when the caller sent none. Fastify would answer 400 and 415; no body is no body.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) =>
    body === '' ? done(null, undefined) : json(req, body as string, done)
  );
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_req, body, done) =>
      body === ''
        ? done(null, undefined)
        : done(new HttpError(415, 'Send the request body as application/json'), undefined)
  );

  app.get(
    '/',
    { schema: { summary: 'Readiness probe', tags: ['meta'], response: { 200: Ready } } },
    async () => ({
      name: 'hotstepper' as const,
      version: deps.version,
      platform: deps.platform.name
    })
  );
  app.get(
    `${API_PREFIX}/openapi.json`,
    { schema: { summary: 'This document', tags: ['meta'], hide: true } },
    async () => app.swagger()
  );

  // Features publish what happened here; a page follows it all on one stream.
  const bus = deps.bus ?? new EventBus();
  await app.register(eventsRoutes, { prefix: EVENTS_PREFIX, bus });
  await app.register(usageRoutes, {
    prefix: `${API_PREFIX}/usage`,
    config: deps.config,
    platform: deps.platform,
    store: deps.store,
    sampler: deps.sampler,
    bus
  });
  await app.register(jobsRoutes, {
    prefix: `${API_PREFIX}/jobs`,
    config: deps.config,
    store: deps.store,
    jobs: deps.jobs,
    dataDir: deps.dataDir,
    rootDir: deps.rootDir,
    bus
  });
  await app.register(flareRoutes, {
    prefix: `${API_PREFIX}/flare`,
    config: deps.config,
    platform: deps.platform,
    store: deps.store,
    gateway: deps.flare,
    bus
  });

  await app.register(activityRoutes, {
    prefix: `${API_PREFIX}/activity`,
    config: deps.config,
    store: deps.store,
    jupyter: deps.jupyter,
    bus
  });

  // One identity for both: the storages' access rules and the courses read the same groups.
  const host =
    deps.storage ??
    new LocalStorageHost({ groupsCacheSeconds: deps.config.storage.groupsCacheSeconds });
  await app.register(storageRoutes, {
    prefix: `${API_PREFIX}/storage`,
    config: deps.config,
    host,
    rootDir: deps.rootDir,
    dataDir: deps.dataDir,
    bus
  });

  await app.register(appsRoutes, {
    prefix: `${API_PREFIX}/apps`,
    config: deps.config,
    host: deps.apps ?? new LocalAppsHost(),
    processes: deps.platform.processes,
    bus
  });
  await app.register(sshRoutes, {
    prefix: `${API_PREFIX}/apps/ssh`,
    config: deps.config,
    processes: deps.platform.processes
  });
  await app.register(courseRoutes, {
    prefix: `${API_PREFIX}/course`,
    config: deps.config,
    host,
    rootDir: deps.rootDir,
    dataDir: deps.dataDir,
    nativeBinding: deps.store.nativeBinding,
    bus
  });

  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .send(
        errorResponse(
          404,
          `No route ${req.method} ${redactUrl(req.url)}; the routes are listed at ${API_PREFIX}/openapi.json`
        )
      )
  );
  return app;
}
