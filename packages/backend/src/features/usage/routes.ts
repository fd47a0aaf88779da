import { ErrorResponse, UsageSnapshot } from '@hotstepper/api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HttpError } from '../../errors';
import { costRoutes } from './cost';
import type { UsageOptions } from './deps';
import { gpuRoutes } from './gpus';
import { historyRoutes } from './history';
import { idleRoutes } from './idle-routes';
import { kernelRoutes } from './kernels';
import { serverRoutes } from './servers';
import { UsageSampler } from './service';

/**
 * The usage feature's routes. The sampler is its service, made here and stopped on close;
 * each part (history, cost, GPUs, kernels, idle) is a plugin of its own that owns its
 * service and stops it on close.
 */
export const usageRoutes: FastifyPluginAsyncTypebox<UsageOptions> = async (app, options) => {
  const { config, platform, store } = options;
  let sampler = options.sampler;
  if (!sampler) {
    const own = new UsageSampler(platform, store, {
      intervalSeconds: config.usage.sampleIntervalSeconds,
      retentionHours: config.usage.rawRetentionHours,
      log: app.log
    });
    app.addHook('onClose', async () => own.stop());
    sampler = own;
  }
  const { bus } = options;
  if (bus) {
    if (sampler.snapshot) {
      bus.publish('usage', sampler.snapshot);
    }
    sampler.onSample(snapshot => bus.publish('usage', snapshot));
  }
  const deps = { config, platform, store, sampler, bus, env: options.env };
  // Parts register here, one line each.
  // (Without `prefix: ''` a part would get this plugin's prefix twice: fastify passes it in `deps`.)
  await app.register(kernelRoutes, { ...deps, prefix: '' });
  await app.register(gpuRoutes, { ...deps, prefix: '' });
  await app.register(historyRoutes, { ...deps, prefix: '' });
  await app.register(costRoutes, { ...deps, prefix: '' });
  await app.register(idleRoutes, { ...deps, prefix: '' });
  await app.register(serverRoutes, { ...deps, prefix: '' });

  app.get(
    '/now',
    {
      schema: {
        summary: "The notebook's CPU and memory against its limits, from the background sampler",
        tags: ['usage'],
        response: { 200: UsageSnapshot, 503: ErrorResponse }
      }
    },
    async () => {
      await sampler.ready;
      return sampler.snapshot ?? unavailable();
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
    async () => {
      await sampler.ready;
      return (await sampler.sample()) ?? unavailable();
    }
  );
};

/** Before two readings there is no rate to report. */
function unavailable(): never {
  throw new HttpError(
    503,
    'No usage reading yet: the sampler has not completed two readings; try again in a few seconds'
  );
}
