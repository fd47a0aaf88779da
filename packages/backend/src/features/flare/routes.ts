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
import type { EventBus } from '../../bus';
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
  /** Where the exposures are published when they change. */
  bus?: EventBus;
}

/**
 * How often the exposures are compared while a page follows them: whether an app listens,
 * the request counts and expiries change without a request to this feature.
 */
export const EXPOSURES_CHECK_MS = 3000;

/** The flare feature: the user's listening ports, and exposing them at a public URL. */
export const flareRoutes: FastifyPluginAsyncTypebox<FlareDeps> = async (app, deps) => {
  const service = new FlareService({
    config: deps.config.flare,
    store: deps.store,
    gateway: deps.gateway,
    platform: deps.platform.name,
    scan: () => deps.platform.processes.listeningPorts(),
    sockets: () => deps.platform.processes.listeningSockets(),
    processes: () => deps.platform.processes.tree(1),
    log: app.log
  });
  app.addHook('onClose', () => service.stop());

  const { bus } = deps;
  let published = '';
  /** Whether the last list published held an exposure: without one, only a request changes it. */
  let anyExposed = true;
  let publishing: Promise<void> = Promise.resolve();
  /**
   * Publishes the exposures if they differ from the last published; one at a time, so an
   * older list never follows a newer one. (While no page follows them the last published
   * may grow stale: a page that connects gets it first, and the next check corrects it.)
   */
  const publish = () => {
    if (!bus) {
      return publishing;
    }
    publishing = publishing.then(async () => {
      try {
        const list = await service.list();
        const json = JSON.stringify(list);
        anyExposed = list.exposures.length > 0;
        if (json !== published) {
          published = json;
          bus.publish('exposures', list);
        }
      } catch (err) {
        app.log.warn({ err }, 'flare: could not list the exposures to publish');
      }
    });
    return publishing;
  };
  if (bus) {
    void publish();
    const check = setInterval(() => {
      // Expiries, request counts and listeners change only while something is exposed; an
      // exposure is made or removed by a request, which publishes at once.
      if (anyExposed && bus.count('exposures') > 0) {
        void publish();
      }
    }, EXPOSURES_CHECK_MS);
    check.unref();
    app.addHook('onClose', async () => clearInterval(check));
  }

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
        summary:
          "The TCP ports the user's own processes listen on, with their command lines, what each belongs to, and whether an app answers HTTP",
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
    async (req, reply) => {
      const exposure = await service.expose(req.body);
      await publish();
      return reply.code(201).send(exposure);
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
    async (req, reply) => {
      await service.unexpose(req.params.name);
      await publish();
      return reply.code(204).send(null);
    }
  );
};
