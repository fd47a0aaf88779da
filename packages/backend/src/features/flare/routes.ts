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
import type { Config } from '../../config';
import type { FlareGateway, Platform } from '../../platform';
import type { Store } from '../../store';
import { FlareService } from './service';

/** What the flare feature is given. */
export interface FlareDeps {
  config: Config;
  platform: Platform;
  store: Store;
  gateway: FlareGateway;
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
    sockets: () => deps.platform.processes.listeningSockets(),
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
      schema: {
        summary: 'Expose a listening port at a public URL under a name',
        tags: ['flare'],
        body: ExposeRequest,
        response: { 201: Exposure, ...errors }
      }
    },
    async (req, reply) => reply.code(201).send(await service.expose(req.body))
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
    async (req, reply) => {
      await service.unexpose(req.params.name);
      return reply.code(204).send(null);
    }
  );
};
