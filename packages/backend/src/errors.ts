import { STATUS_CODES } from 'node:http';
import { FLARE_NAME_PATTERN, type ErrorResponse } from '@hotstepper/api';
import { Kind, type TSchema } from '@sinclair/typebox';
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifySchemaValidationError
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
    'starting and ending with a letter or digit (e.g. "my-dash-app")'
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
 * The one error path: an HttpError or a validation error answers with its own status and
 * message; fastify's own client errors (a bad JSON body…) keep theirs; anything else is a
 * 500, logged with the route (never the headers, which carry the user's credentials).
 */
export function installErrorHandler(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof HttpError) {
      return reply.code(err.statusCode).send(errorResponse(err.statusCode, err.message));
    }
    const status = err.statusCode;
    if (err.validation || (status !== undefined && status >= 400 && status < 500)) {
      const code = status ?? 400;
      return reply.code(code).send(errorResponse(code, err.message));
    }
    req.log.error({ err, route: `${req.method} ${req.routeOptions.url ?? ''}` }, 'request failed');
    return reply.code(500).send(errorResponse(500, err.message));
  });
}
