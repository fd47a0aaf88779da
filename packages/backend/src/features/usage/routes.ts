import { ErrorResponse, UsageSnapshot } from '@hotstepper/api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config';
import type { Platform } from '../../platform';
import type { Store } from '../../store';
import type { UsageSampler } from './service';
import { costRoutes } from './cost';
import { gpuRoutes } from './gpus';
import { historyRoutes } from './history';
import { idleRoutes } from './idle';
import { kernelRoutes } from './kernels';

/** What every part of the usage feature is given. */
export interface UsageDeps {
  config: Config;
  platform: Platform;
  store: Store;
  sampler: UsageSampler;
}

/**
 * The usage feature's routes. Each part (history, cost, GPUs, kernels, idle)
 * is a plugin of its own that owns its service and stops it on close.
 */
export const usageRoutes: FastifyPluginAsyncTypebox<UsageDeps> = async (app, deps) => {
  const { sampler } = deps;
  // Parts register here, one line each.
  // (Without `prefix: ''` a part would get this plugin's prefix twice: fastify passes it in `deps`.)
  await app.register(kernelRoutes, { ...deps, prefix: '' });
  await app.register(gpuRoutes, { ...deps, prefix: '' });
  await app.register(historyRoutes, { ...deps, prefix: '' });
  await app.register(costRoutes, { ...deps, prefix: '' });
  await app.register(idleRoutes, { ...deps, prefix: '' });

  app.get(
    '/now',
    {
      schema: {
        summary: "The notebook's CPU and memory against its limits, from the background sampler",
        tags: ['usage'],
        response: { 200: UsageSnapshot, 503: ErrorResponse }
      }
    },
    async (_req, reply) => {
      await sampler.ready;
      const snapshot = sampler.snapshot;
      return snapshot ?? reply.code(503).send(unavailable());
    }
  );

  app.post(
    '/sample',
    {
      schema: {
        summary: 'Take a reading now instead of waiting for the next interval',
        tags: ['usage'],
        response: { 200: UsageSnapshot, 503: ErrorResponse }
      }
    },
    async (_req, reply) => {
      await sampler.ready;
      const snapshot = await sampler.sample();
      return snapshot ?? reply.code(503).send(unavailable());
    }
  );
};

function unavailable(): ErrorResponse {
  return {
    statusCode: 503,
    error: 'Service Unavailable',
    message:
      'No usage reading yet: the sampler has not completed two readings; try again in a few seconds'
  };
}
