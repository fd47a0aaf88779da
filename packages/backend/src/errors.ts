import { STATUS_CODES, type IncomingMessage } from 'node:http';
import {
  FLARE_NAME_PATTERN,
  HOME_PATH_PATTERN,
  JOB_ID_PATTERN,
  SSH_FINGERPRINT_PATTERN,
  type ErrorResponse
} from '@hotstepper/api';
import { Kind, type TSchema } from '@sinclair/typebox';
import {
  LogController,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifySchemaValidationError
} from 'fastify';

/** Every refusal a person can act on: thrown anywhere, answered as an ErrorResponse. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string
  ) {
    super(message);
  }
}

export function errorResponse(statusCode: number, message: string): ErrorResponse {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

/** Patterns said in words: a regular expression is not an answer for a person. */
const PATTERN_WORDS: Record<string, string> = {
  [FLARE_NAME_PATTERN]:
    'a DNS label: 1–30 lowercase letters, digits and hyphens, ' +
    'starting and ending with a letter or digit (e.g. "my-dash-app")',
  [JOB_ID_PATTERN]: 'a job id as the job list gives it (e.g. "jmfc2x8k4a1b2c")',
  [SSH_FINGERPRINT_PATTERN]:
    'a key fingerprint as ssh-keygen -l prints it ("SHA256:" and 43 characters)',
  [HOME_PATH_PATTERN]:
    'a path inside the home, relative to it (e.g. ".ssh/authorized_keys"), without ".."'
};

/** What a schema allows, for a person: shared by the config and the request errors. */
export function allowed(schema: TSchema | undefined): string {
  if (!schema) {
    return 'not there';
  }
  const literals = (schema.anyOf ?? schema.oneOf) as TSchema[] | undefined;
  if (
    (schema[Kind] === 'Union' || literals) &&
    literals?.every((s: TSchema) => s.const !== undefined)
  ) {
    return `one of ${literals.map((s: TSchema) => JSON.stringify(s.const)).join(', ')}`;
  }
  if (schema.const !== undefined) {
    return JSON.stringify(schema.const);
  }
  if (schema.type === 'number' || schema.type === 'integer') {
    const lo =
      schema.minimum !== undefined
        ? `from ${schema.minimum}`
        : schema.exclusiveMinimum !== undefined
          ? `above ${schema.exclusiveMinimum}`
          : '';
    const hi =
      schema.maximum !== undefined
        ? `${schema.minimum === undefined && lo ? 'and up ' : ''}to ${schema.maximum}`
        : schema.exclusiveMaximum !== undefined
          ? `below ${schema.exclusiveMaximum}`
          : '';
    return [schema.type === 'integer' ? 'a whole number' : 'a number', lo, hi]
      .filter(Boolean)
      .join(' ');
  }
  if (schema.type === 'object') {
    return `an object with the fields ${Object.keys(schema.properties ?? {}).join(', ')}`;
  }
  if (schema.type === 'string' && schema.pattern) {
    return PATTERN_WORDS[schema.pattern] ?? `a string matching ${schema.pattern}`;
  }
  if (schema.type === 'string' && schema.minLength) {
    return schema.minLength === 1
      ? 'a non-empty string'
      : `a string of at least ${schema.minLength} characters`;
  }
  if (schema.type === 'array') {
    return `a list${schema.items ? ` of ${allowed(schema.items).replace(/^an? /, '')}s` : ''}`;
  }
  return `a ${schema.type ?? 'value'}`;
}

const PART: Record<string, string> = {
  body: 'the body',
  querystring: 'the query',
  params: 'the path',
  headers: 'the headers'
};

/** An ajv error (with `verbose`, which adds the value and its schema). */
type VerboseError = FastifySchemaValidationError & { data?: unknown; parentSchema?: TSchema };

/**
 * A refused request said like a refused config: the field, what it is, what it allows.
 * ajv reports a union of literals once per literal, then as the union: the union speaks.
 */
export function schemaErrorMessage(errors: FastifySchemaValidationError[], dataVar: string) {
  const all = errors as VerboseError[];
  const e = all.find(x => x.keyword === 'anyOf' || x.keyword === 'oneOf') ?? all[0];
  const part = PART[dataVar] ?? dataVar;
  if (!e) {
    return `${part} is not valid`;
  }
  const field = e.instancePath.split('/').filter(Boolean).join('.');
  if (e.keyword === 'additionalProperties' && e.parentSchema?.patternProperties) {
    // A map whose keys follow a rule (environment variables): the key is the mistake.
    const name = (e.params as { additionalProperty: string }).additionalProperty;
    const rule = e.parentSchema.description?.replace(/^[^;]*; /, '');
    return `${field || part}: ${JSON.stringify(name)} is not an allowed name${rule ? `; ${rule}` : ''}`;
  }
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    return `unknown field "${field ? `${field}.` : ''}${extra}"; ${field ? `"${field}"` : part} allows ${Object.keys(e.parentSchema?.properties ?? {}).join(', ')}`;
  }
  if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    const name = field ? `${field}.${missing}` : missing;
    return `"${name}" is required; it must be ${allowed(e.parentSchema?.properties?.[missing])}`;
  }
  const what = field ? `"${field}"` : part;
  return `${what} is ${JSON.stringify(e.data)}; it must be ${allowed(e.parentSchema)}`;
}

/** Fastify's schemaErrorFormatter (it adds status 400 and `validation`). */
export const schemaErrorFormatter = (errors: FastifySchemaValidationError[], dataVar: string) =>
  new Error(schemaErrorMessage(errors, dataVar));

/**
 * Reads what is left of a request's body and drops it. A refusal before the body was read
 * (XSRF, a body over the limit, a content type we do not take) would otherwise close the
 * connection with unread bytes: jupyter-server-proxy gets a reset, and the user Jupyter's HTML
 * 500 instead of our answer. (Only the user reaches the backend's socket; behind Jupyter,
 * tornado caps a body at 100 MB.)
 */
export function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded || req.destroyed) {
    return Promise.resolve();
  }
  return new Promise(resolve => {
    req.on('end', resolve).on('error', resolve).on('close', resolve);
    req.resume();
  });
}

/** The error behind an answer, kept for the line logged when the answer is done. */
const failures = new WeakMap<FastifyRequest, unknown>();

const routeOf = (req: FastifyRequest) => `${req.method} ${req.routeOptions.url ?? '(no route)'}`;

/**
 * An error as logged: a fresh Error with its name, message, code and stack, and nothing else a
 * library hangs on it (a response's headers, a request's options, a cause) that could carry a
 * credential.
 */
export function loggedError(err: unknown): Error | undefined {
  if (err === undefined) {
    return undefined;
  }
  if (!(err instanceof Error)) {
    return new Error(String(err));
  }
  const copy: Error & { code?: string } = new Error(err.message);
  copy.name = err.name;
  copy.stack = err.stack;
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === 'string') {
    copy.code = code;
  }
  return copy;
}

/**
 * The one error path, which reads the request's body to its end before answering: an
 * HttpError or a validation error answers with its own status and message; fastify's own
 * client errors (a bad JSON body…) keep theirs; anything else is a 500.
 * Every 5xx is logged by FailureLog, whichever way it was answered.
 */
export function installErrorHandler(app: FastifyInstance) {
  app.setErrorHandler(async (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    failures.set(req, err);
    await drain(req.raw);
    if (err instanceof HttpError) {
      return reply.code(err.statusCode).send(errorResponse(err.statusCode, err.message));
    }
    const status = err.statusCode;
    if (err.validation || (status !== undefined && status >= 400 && status < 500)) {
      const code = status ?? 400;
      return reply.code(code).send(errorResponse(code, err.message));
    }
    return reply.code(500).send(errorResponse(500, err.message));
  });
  // An ErrorResponse a route sent itself (`reply.code(502).send(…)`): its message is the error.
  app.addHook('onSend', async (req, reply, payload) => {
    if (reply.statusCode >= 400 && !failures.has(req) && typeof payload === 'string') {
      try {
        const message = (JSON.parse(payload) as { message?: unknown }).message;
        if (typeof message === 'string') {
          failures.set(req, new Error(message));
        }
      } catch {
        // Not JSON: the status says enough.
      }
    }
    return payload;
  });
}

/**
 * Request logging stays off (every request is a poll) but every 5xx is logged with its route
 * and error, however it came about: thrown, sent by a route, or a stream that broke after its
 * headers. Refusals (4xx) go to the debug level. Never the headers or the query string, which
 * carry the user's Jupyter credentials: the route is the pattern, not the URL.
 */
export class FailureLog extends LogController {
  constructor() {
    super({ disableRequestLogging: true });
  }

  override requestCompleted(
    error: Error | null | undefined,
    req: FastifyRequest,
    reply: FastifyReply
  ) {
    const err = loggedError(error ?? failures.get(req));
    const line = { route: routeOf(req), statusCode: reply.statusCode, ...(err ? { err } : {}) };
    if (error || reply.statusCode >= 500) {
      reply.log.error(line, 'request failed');
    } else if (reply.statusCode >= 400) {
      reply.log.debug(line, 'request refused');
    }
  }

  override streamError(error: Error, req: FastifyRequest, reply: FastifyReply) {
    // The client going away is no failure.
    if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') {
      reply.log.error(
        { route: routeOf(req), statusCode: reply.statusCode, err: loggedError(error) },
        'response stream failed after its headers were sent'
      );
    }
  }

  override writeHeadError(error: Error, req: FastifyRequest, reply: FastifyReply) {
    reply.log.error({ route: routeOf(req), err: loggedError(error) }, 'could not answer an error');
  }

  override serializerError(
    error: Error,
    req: FastifyRequest,
    reply: FastifyReply,
    metadata: { statusCode: number }
  ) {
    reply.log.error(
      { route: routeOf(req), statusCode: metadata.statusCode, err: loggedError(error) },
      'could not serialize the answer'
    );
  }
}
