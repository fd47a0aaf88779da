import { AppList, App, AppName, ErrorResponse } from '@hotstepper/api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { EventBus } from '../../bus';
import type { Config } from '../../config';
import type { AppsHost } from '../../platform/apps';
import type { Processes } from '../../platform/types';
import { AppsService } from './service';

/** What the apps feature is given. */
export interface AppsDeps {
  config: Config;
  host: AppsHost;
  processes: Processes;
  bus?: EventBus;
}

/** How often apps are looked at for the journal while nobody asks (an app may crash unseen). */
const WATCH_MS = 5000;

/** The platform apps of this image, with start, stop and restart. */
export const appsRoutes: FastifyPluginAsyncTypebox<AppsDeps> = async (app, deps) => {
  const service = new AppsService({
    config: deps.config.apps,
    host: deps.host,
    processes: deps.processes,
    bus: deps.bus
  });
  const tags = ['apps'];
  const errors = { 404: ErrorResponse, 409: ErrorResponse, 502: ErrorResponse };

  // Changes go to the bus (the activity journal) even while no panel asks.
  const watch = setInterval(() => {
    if (deps.bus?.count('app')) {
      service.list().catch(() => undefined);
    }
  }, WATCH_MS);
  watch.unref();
  app.addHook('onClose', async () => clearInterval(watch));

  app.get(
    '/',
    {
      schema: {
        summary: 'The platform apps of this image, each with its state',
        tags,
        response: { 200: AppList, 502: ErrorResponse }
      }
    },
    async () => service.list()
  );

  const action = (verb: 'start' | 'stop' | 'restart', summary: string) =>
    app.post(
      `/:name/${verb}`,
      { schema: { summary, tags, params: AppName, response: { 200: App, ...errors } } },
      async req => service[verb](req.params.name)
    );
  action('start', 'Start the app as opening it would, and wait until it answers');
  action('stop', "End the app's process tree: SIGTERM, then SIGKILL after the grace period");
  action('restart', 'Stop the app if it runs, then start it');
};
