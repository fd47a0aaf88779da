import { AppList } from '@hotstepper/api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config';

/** What the apps feature is given. */
export interface AppsDeps {
  config: Config;
}

/** The platform apps of this image, with start, stop and restart. */
export const appsRoutes: FastifyPluginAsyncTypebox<AppsDeps> = async app => {
  const tags = ['apps'];
  app.get(
    '/',
    {
      schema: {
        summary: 'The platform apps of this image, each with its state',
        tags,
        response: { 200: AppList }
      }
    },
    async () => []
  );
};
