import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config';
import type { FlareGateway, Platform } from '../../platform';
import type { Store } from '../../store';

/** What the flare feature is given. */
export interface FlareDeps {
  config: Config;
  platform: Platform;
  store: Store;
  gateway: FlareGateway;
  /** The Jupyter server's pid: the user's processes are those of its user. */
  rootPid: number;
}

/** The flare feature's routes (being built). */
export const flareRoutes: FastifyPluginAsyncTypebox<FlareDeps> = async () => {};
