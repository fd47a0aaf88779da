import { GpuInventory } from '@hotstepper/api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { UsageDeps } from './deps';

/** GET /gpus: free / total GPUs per model and MIG profile, from the platform (cluster nodes, or this machine). */
export const gpuRoutes: FastifyPluginAsyncTypebox<UsageDeps> = async (app, { platform }) => {
  app.get(
    '/gpus',
    {
      schema: {
        summary:
          'Free and total GPUs per model or MIG profile; empty with a reason when none can be counted',
        tags: ['usage'],
        response: { 200: GpuInventory }
      }
    },
    // The platform answers with a reason instead of throwing: a refusal is not a 500.
    async () => platform.gpuInventory()
  );
};
