import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { EventBus, Topic } from '../../bus';
import { eventStreamResponse, eventStreams } from '../../sse';

/** What a page follows, in the order the current values are sent on connect. */
export const PAGE_TOPICS: readonly Topic[] = ['usage', 'exposures', 'job', 'job-deleted'];
/** Topics whose last value is the current state (a job event is a change, not a state). */
const CURRENT: readonly Topic[] = ['usage', 'exposures'];

/**
 * One event stream per JupyterLab page for everything that changes (usage, jobs, exposures):
 * a page holds one long request instead of a poll per card. Each topic goes out as an event
 * of the same name; the current usage snapshot and exposures go first.
 */
export const eventsRoutes: FastifyPluginAsyncTypebox<{ bus: EventBus }> = async (app, { bus }) => {
  const streams = eventStreams(app);
  app.get(
    '/',
    {
      schema: {
        summary:
          'Server-sent events for a page: `usage` (UsageSnapshot), `exposures` (ExposureList), `job` (Job), `job-deleted` ({id}); the current usage and exposures first; a comment every 15 s',
        tags: ['meta'],
        response: { 200: eventStreamResponse('An endless text/event-stream') }
      }
    },
    async (_req, reply) => {
      const stream = streams.open(reply, { comment: 'hotstepper page events' });
      for (const topic of CURRENT) {
        const value = bus.latest(topic);
        if (value !== undefined) {
          stream.send(topic, value);
        }
      }
      const unsubscribe = PAGE_TOPICS.map(topic =>
        bus.subscribe(topic, payload => stream.send(topic, payload))
      );
      stream.onClose(() => unsubscribe.forEach(off => off()));
      return reply;
    }
  );
};
