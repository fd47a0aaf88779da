import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config';
import type { JobRunner, Platform } from '../../platform';
import type { Store } from '../../store';

/** What the jobs feature is given. */
export interface JobsDeps {
  config: Config;
  platform: Platform;
  store: Store;
  runner: JobRunner;
  /** Absolute: job files live in `<dataDir>/jobs/<id>/`. */
  dataDir: string;
  /** Absolute: the Jupyter server's root; job paths are relative to it and confined to it. */
  rootDir: string;
}

/** The jobs feature's routes (being built). */
export const jobsRoutes: FastifyPluginAsyncTypebox<JobsDeps> = async () => {};
