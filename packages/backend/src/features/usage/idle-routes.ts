/** The idle routes: the status, the event stream, and the frontends' answer to save-all. */
import { Type } from '@sinclair/typebox';
import { IdleStatus } from '@hotstepper/api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { eventStreamResponse, eventStreams } from '../../sse';
import type { UsageDeps } from './deps';
import { UsageEvents } from './events';
import { IdleWatch, hubEnforcer } from './idle-watch';

const Saved = Type.Object({ ok: Type.Literal(true) });

export interface IdleRouteOptions {
  /** A watch of one's own (tests); default one from the config, started with the app. */
  watch?: IdleWatch;
  /** The event hub; default a new one. */
  events?: UsageEvents;
}

/** The idle routes, with the watch and event hub given (tests) or made from the config. */
export function createIdleRoutes(
  options: IdleRouteOptions = {}
): FastifyPluginAsyncTypebox<UsageDeps> {
  return async (app, { config, store, bus }) => {
    const events = options.events ?? new UsageEvents();
    const watch =
      options.watch ??
      new IdleWatch({
        store,
        config: config.idle,
        log: app.log,
        enforce: hubEnforcer({ events, log: app.log }),
        onCheck: (check, idleDaysBefore, maxIdleDays) =>
          bus?.publish('idle-check', {
            day: check.day,
            checkedAt: check.checkedAt,
            verdict: check.verdict,
            idleDaysBefore,
            idleDays: check.idleDays,
            maxIdleDays
          })
      });
    watch.start();
    const streams = eventStreams(app);
    // Before fastify waits for open requests to finish: the streams never would.
    app.addHook('preClose', async () => events.close());
    app.addHook('onClose', async () => watch.close());

    app.get(
      '/idle',
      {
        schema: {
          summary:
            "The idle clean-up: today's verdict from the last 24 h in segments, the idle-day counter and the removal date",
          tags: ['usage'],
          response: { 200: IdleStatus }
        }
      },
      async () => watch.status()
    );

    app.post(
      '/idle/saved',
      {
        schema: {
          summary:
            'A frontend has saved its open documents after a save-all event; the server may now be stopped',
          tags: ['usage'],
          response: { 200: Saved }
        }
      },
      async () => {
        events.saved();
        return { ok: true as const };
      }
    );

    app.get(
      '/events',
      {
        schema: {
          summary:
            'Server-sent events of the usage feature: `save-all` ({"reason", "deadline" in unix ms}) before an idle server is stopped; a comment every 15 s keeps the stream open',
          tags: ['usage'],
          response: { 200: eventStreamResponse('An endless text/event-stream') }
        }
      },
      async (_req, reply) => {
        const stream = streams.open(reply, { comment: 'hotstepper usage events' });
        stream.onClose(events.connect(stream));
        return reply;
      }
    );
  };
}

/** GET /idle, GET /events, POST /idle/saved. */
export const idleRoutes = createIdleRoutes();
