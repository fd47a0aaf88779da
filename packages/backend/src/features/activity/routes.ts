import {
  ActivityAccepted,
  ActivityAiRequest,
  ActivityPageEvents,
  ActivityQuery,
  ActivitySeen,
  ActivitySeenRequest,
  ActivitySummary,
  ErrorResponse,
  type Job
} from '@hotstepper/api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { EventBus } from '../../bus';
import type { Config } from '../../config';
import { HttpError } from '../../errors';
import { formatBytes } from '../../format';
import { eventStreamResponse, eventStreams } from '../../sse';
import type { JupyterServerClient } from '../../platform/jupyter';
import type { Store } from '../../store';
import { AiDropped, aiMessages, AiSummarizer } from './ai';
import { ActivityJournal } from './journal';
import { KernelWatcher } from './watcher';

/** What the activity feature is given. */
export interface ActivityDeps {
  config: Config;
  store: Store;
  bus: EventBus;
  /** The own Jupyter server; none: kernels are not watched (the summary says so). */
  jupyter?: JupyterServerClient;
  /** Tests: the journal's clock. */
  clock?: () => number;
  /** Where the AI key's variable (activity.ai.apiKeyEnv) is read; default process.env. */
  env?: NodeJS.ProcessEnv;
}

const DAY_MS = 24 * 3600 * 1000;
/** With no page ever seen, the summary covers the last day. */
const DEFAULT_PERIOD_MS = DAY_MS;
/** A page's clock may run a little ahead of the backend's. */
const CLOCK_SKEW_MS = 60_000;

const TERMINAL_FAILED = new Set<Job['status']>(['failed', 'cancelled', 'timed-out']);

/** The activity journal and its summary: what happened while the user was away. */
export const activityRoutes: FastifyPluginAsyncTypebox<ActivityDeps> = async (app, deps) => {
  const settings = deps.config.activity;
  const now = deps.clock ?? Date.now;
  const journal = new ActivityJournal(deps.store, {
    retentionDays: settings.retentionDays,
    streamLines: settings.streamLines,
    clock: now
  });

  const watcher =
    settings.enabled && deps.jupyter
      ? new KernelWatcher({
          client: deps.jupyter,
          journal,
          pollMs: settings.kernelPollSeconds * 1000,
          log: app.log
        })
      : undefined;
  watcher?.start();

  journal.prune();
  const prune = setInterval(() => journal.prune(), DAY_MS / 4);
  prune.unref();

  // Other features say what happened on the bus; this one never imports them.
  const unsubscribe: Array<() => void> = [];
  if (settings.enabled) {
    unsubscribe.push(
      deps.bus.subscribe('job', job => {
        if (job.status === 'succeeded' || TERMINAL_FAILED.has(job.status)) {
          journal.recordOnce(
            {
              kind: job.status === 'succeeded' ? 'job-finished' : 'job-failed',
              name: job.name,
              ref: job.id,
              detail: job.reason ? `${job.status}: ${job.reason}` : job.status,
              at: job.finishedAt ? Date.parse(job.finishedAt) : undefined
            },
            ['job-finished', 'job-failed']
          );
        }
      })
    );
    let exposures: Set<string> | undefined = deps.bus
      .latest('exposures')
      ?.exposures.map(e => e.name)
      .reduce((set, name) => set.add(name), new Set<string>());
    unsubscribe.push(
      deps.bus.subscribe('exposures', list => {
        const names = new Set(list.exposures.map(e => e.name));
        for (const name of exposures ?? []) {
          if (!names.has(name)) {
            journal.record({ kind: 'exposure-ended', name, ref: name });
          }
        }
        exposures = names;
      })
    );
    unsubscribe.push(
      deps.bus.subscribe('idle-check', c => {
        if (c.verdict === 'idle') {
          journal.record({
            kind: 'idle-day',
            name: c.day,
            ref: c.day,
            detail: `${c.idleDays}/${c.maxIdleDays}`,
            at: c.checkedAt
          });
        } else if (c.verdict === 'busy' && c.idleDaysBefore > 0) {
          journal.record({
            kind: 'idle-reset',
            name: c.day,
            ref: c.day,
            detail: String(c.idleDaysBefore),
            at: c.checkedAt
          });
        }
      }),
      deps.bus.subscribe('storage-nearly-full', s => {
        journal.record({
          kind: 'storage-nearly-full',
          name: s.label,
          ref: s.name,
          detail: `${Math.floor((s.used / s.capacity) * 100)} % full, ${formatBytes(s.free)} free`
        });
      }),
      deps.bus.subscribe('app', change => {
        journal.record({
          kind: `app-${change.event}`,
          name: change.title,
          ref: change.name,
          detail: change.detail ?? null,
          at: change.at
        });
      })
    );
  }

  app.addHook('onClose', async () => {
    clearInterval(prune);
    unsubscribe.forEach(fn => fn());
    await watcher?.stop();
  });

  const ai =
    settings.enabled && settings.ai
      ? new AiSummarizer(settings.ai, deps.env ?? process.env, app.log)
      : undefined;
  const streams = eventStreams(app);

  const errors = { 400: ErrorResponse };

  /** The period of a request: default since the last page seen, until now. */
  const periodOf = (q: { since?: number; until?: number }) => {
    const until = q.until ?? now();
    const since = q.since ?? journal.lastSeen() ?? until - DEFAULT_PERIOD_MS;
    if (since > until) {
      throw new HttpError(
        400,
        `"since" (${since}) is after "until" (${until}); give a period that starts before it ends`
      );
    }
    return { since, until };
  };

  app.get(
    '/',
    {
      schema: {
        summary: 'What happened in a period (default: since the last page seen)',
        tags: ['activity'],
        querystring: ActivityQuery,
        response: { 200: ActivitySummary, ...errors }
      }
    },
    async req => {
      const period = periodOf(req.query);
      await watcher?.poll();
      return { ...journal.summary({ ...period, watching: Boolean(watcher) }), ai: ai?.available };
    }
  );

  // A POST: each call sends the journal's metadata to an outside service and spends the
  // admin's quota, so another site must not be able to start one (XSRF applies to POST).
  app.post(
    '/ai-summary',
    {
      schema: {
        summary:
          'A short AI-written paragraph about a period, streamed (events: sent, text, done or dropped)',
        tags: ['activity'],
        body: ActivityAiRequest,
        response: {
          200: eventStreamResponse('sent, then text pieces, then done or dropped'),
          ...errors,
          404: ErrorResponse
        }
      }
    },
    async (req, reply) => {
      if (!ai?.available) {
        throw new HttpError(404, 'No AI model is configured on this server (activity.ai)');
      }
      const period = periodOf(req.body ?? {});
      await watcher?.poll();
      const summary = journal.summary({ ...period, watching: Boolean(watcher) });
      const messages = aiMessages(summary, settings.streamLines);
      const stream = streams.open(reply, { comment: 'activity ai-summary' });
      const left = new AbortController();
      stream.onClose(() => left.abort());
      stream.send('sent', { model: ai.settings.model, messages });
      try {
        await ai.write(messages, text => stream.send('text', { text }), left.signal);
        stream.send('done', {});
      } catch (err) {
        stream.send('dropped', {
          reason: err instanceof AiDropped ? err.message : 'the model could not be reached'
        });
      }
      stream.end();
      return reply;
    }
  );

  app.get(
    '/seen',
    {
      schema: {
        summary: 'The last time a page of this user was open',
        tags: ['activity'],
        response: { 200: ActivitySeen }
      }
    },
    async () => ({ lastSeen: journal.lastSeen() })
  );

  app.post(
    '/seen',
    {
      schema: {
        summary: 'A page is open now',
        tags: ['activity'],
        body: ActivitySeenRequest,
        response: { 200: ActivitySeen, ...errors }
      }
    },
    async req => {
      const at = req.body?.at ?? now();
      if (at > now() + CLOCK_SKEW_MS) {
        throw new HttpError(400, `"at" (${at}) is in the future; leave it out to mean now`);
      }
      journal.markSeen(at);
      return { lastSeen: at };
    }
  );

  app.post(
    '/events',
    {
      schema: {
        summary: 'What a page saw: documents opened, saved, closed; kernels restarted or died',
        tags: ['activity'],
        body: ActivityPageEvents,
        response: { 200: ActivityAccepted, ...errors }
      }
    },
    async req => {
      const t = now();
      let accepted = 0;
      for (const e of req.body.events) {
        const at = Math.min(e.at ?? t, t);
        if (e.kind === 'kernel-restarted' || e.kind === 'kernel-died') {
          accepted += Number(
            journal.recordKernelEvent({ kind: e.kind, name: e.path, ref: e.kernelId ?? e.path, at })
          );
        } else {
          journal.record({ kind: e.kind, name: e.path, ref: e.kernelId ?? null, at });
          accepted++;
        }
      }
      return { accepted };
    }
  );
};
