import { Type } from '@sinclair/typebox';
import {
  ErrorResponse,
  ExposeRequest,
  Exposure,
  ExposureList,
  FlareInfo,
  ListeningPorts
} from '@hotstepper/api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifySchemaValidationError } from 'fastify';
import type { Config } from '../../config';
import type { FlareGateway, Platform } from '../../platform';
import type { Store } from '../../store';
import { FlareError, FlareService } from './service';

/** What the flare feature is given. */
export interface FlareDeps {
  config: Config;
  platform: Platform;
  store: Store;
  gateway: FlareGateway;
  /** The Jupyter server's pid: the user's processes are those of its user. */
  rootPid: number;
}

const FIELDS = 'port, name, protection, password, expiresInMinutes';

/** A schema refusal of an ExposeRequest, said the way a person can act on it. */
export function exposeRequestMessage(errors: FastifySchemaValidationError[]): string {
  const e = errors[0];
  if (!e) {
    return 'The request body must be a JSON object';
  }
  const field = e.instancePath.replace(/^\//, '');
  if (e.keyword === 'required') {
    return `The field '${(e.params as { missingProperty: string }).missingProperty}' is required`;
  }
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    return `Unknown field '${extra}': the fields are ${FIELDS}`;
  }
  switch (field) {
    case 'name':
      return (
        'The name must be a DNS label: 1–30 lowercase letters, digits and hyphens, ' +
        'starting and ending with a letter or digit (e.g. "my-dash-app")'
      );
    case 'port':
      return 'The port must be a whole number from 1 to 65535';
    case 'protection':
      return "The protection must be 'none', 'password' or 'secret-link'";
    case 'password':
      return 'The password must be a string';
    case 'expiresInMinutes':
      return 'expiresInMinutes must be a whole number of minutes from 1 to 525600 (a year), or left out for no expiry';
    default:
      return `The request body must be a JSON object with the fields ${FIELDS}`;
  }
}

function refuse(reply: FastifyReply, statusCode: number, message: string) {
  const error =
    { 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 502: 'Bad Gateway' }[statusCode] ??
    'Service Unavailable';
  return reply.code(statusCode).send({ statusCode, error, message });
}

/** The flare feature: the user's listening ports, and exposing them at a public URL. */
export const flareRoutes: FastifyPluginAsyncTypebox<FlareDeps> = async (app, deps) => {
  const backend = new Set([process.pid]);
  const service = new FlareService({
    config: deps.config.flare,
    store: deps.store,
    gateway: deps.gateway,
    platform: deps.platform.name,
    // The backend's own sockets (the flare proxy itself) are not the user's apps.
    scan: () => deps.platform.processes.listeningPorts({ excludePids: backend }),
    log: app.log
  });
  app.addHook('onClose', () => service.stop());

  const errors = {
    400: ErrorResponse,
    404: ErrorResponse,
    409: ErrorResponse,
    502: ErrorResponse,
    503: ErrorResponse
  };
  const handle = async <T>(reply: FastifyReply, work: () => Promise<T>) => {
    try {
      return await work();
    } catch (err) {
      if (err instanceof FlareError) {
        return refuse(reply, err.statusCode, err.message);
      }
      throw err;
    }
  };

  app.get(
    '/info',
    {
      schema: {
        summary: 'Where exposures appear, the password rule, and the login-protected alternatives',
        tags: ['flare'],
        response: { 200: FlareInfo }
      }
    },
    async () => {
      await service.ready;
      return service.info();
    }
  );

  app.get(
    '/ports',
    {
      schema: {
        summary: "The TCP ports the user's own processes listen on, with their command lines",
        tags: ['flare'],
        response: { 200: ListeningPorts }
      }
    },
    async () => service.ports()
  );

  app.get(
    '/exposures',
    {
      schema: {
        summary: 'The exposed apps, whether their port is listened on, and recently expired ones',
        tags: ['flare'],
        response: { 200: ExposureList }
      }
    },
    async () => service.list()
  );

  app.post(
    '/exposures',
    {
      attachValidation: true,
      schema: {
        summary: 'Expose a listening port at a public URL under a name',
        tags: ['flare'],
        body: ExposeRequest,
        response: { 201: Exposure, ...errors }
      }
    },
    async (req, reply) => {
      if (req.validationError) {
        return refuse(reply, 400, exposeRequestMessage(req.validationError.validation));
      }
      return handle(reply, async () => reply.code(201).send(await service.expose(req.body)));
    }
  );

  app.delete(
    '/exposures/:name',
    {
      schema: {
        summary: 'Unexpose: the URL answers 404 from now on',
        tags: ['flare'],
        params: Type.Object({ name: Type.String() }),
        response: { 204: Type.Null(), 404: ErrorResponse }
      }
    },
    async (req, reply) =>
      handle(reply, async () => {
        await service.unexpose(req.params.name);
        return reply.code(204).send(null);
      })
  );
};
