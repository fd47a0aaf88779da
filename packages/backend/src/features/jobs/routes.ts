import { createReadStream, existsSync, type ReadStream } from 'node:fs';
import { PassThrough } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ErrorResponse,
  Job,
  JobList,
  JobListQuery,
  JobLogQuery,
  JobSubmit,
  JobsInfo
} from '@hotstepper/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LogFollower, logFile, parseOffsets } from './logs';
import { JobHttpError, JobService, type JobServiceOptions, isFinished } from './service';

/** What the jobs feature is given (its log is the app's). */
export type JobsDeps = Omit<JobServiceOptions, 'log'>;

/** A comment line on an event stream this often keeps proxies from closing it. */
export const KEEP_ALIVE_MS = 15_000;
/** How often a followed log is checked for growth. */
export const LOG_POLL_MS = 150;

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const EventStream = Type.Unsafe<PassThrough>({ type: 'string' });

/** SSE frame. */
const frame = (event: string, data: unknown, id?: string) =>
  `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** An event stream response that jupyter-server-proxy (and an nginx) passes on unbuffered. */
function eventStream(reply: FastifyReply, stream: PassThrough) {
  return reply
    .header('Content-Type', 'text/event-stream; charset=utf-8')
    .header('Cache-Control', 'no-cache')
    .header('X-Accel-Buffering', 'no')
    .send(stream);
}

const wantsEvents = (req: FastifyRequest) =>
  String(req.headers.accept ?? '').includes('text/event-stream');

/** The jobs feature: submit, list, follow, cancel, rerun and delete background jobs. */
export const jobsRoutes: FastifyPluginAsyncTypebox<JobsDeps> = async (app, deps) => {
  const service = new JobService({ ...deps, log: app.log });
  await service.start();
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const close of streams) {
      close();
    }
  });
  app.addHook('onClose', async () => service.stop());

  const found = (id: string) => {
    const job = service.get(id);
    if (!job) {
      throw new JobHttpError(404, `There is no job ${id}; it may have been deleted`);
    }
    return job;
  };
  const errors = { 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

  app.get(
    '/info',
    {
      schema: {
        summary: 'What the submit form needs: runner, presets, defaults, limits, quota',
        tags: ['jobs'],
        response: { 200: JobsInfo }
      }
    },
    async () => service.info()
  );

  app.get(
    '/',
    {
      schema: {
        summary: 'Jobs, newest first, with counts per status',
        tags: ['jobs'],
        querystring: JobListQuery,
        response: { 200: JobList, 400: ErrorResponse }
      }
    },
    async req => service.list(req.query)
  );

  app.post(
    '/',
    {
      schema: {
        summary: 'Submit a job; a repeated idempotencyKey answers 200 with the first job',
        tags: ['jobs'],
        body: JobSubmit,
        response: { 200: Job, 201: Job, 400: ErrorResponse, 500: ErrorResponse }
      }
    },
    async (req, reply) => {
      const { job, created } = await service.submit(req.body);
      return reply.code(created ? 201 : 200).send(job);
    }
  );

  app.get(
    '/events',
    {
      schema: {
        summary:
          'Server-sent events keeping a job list live: `job` (Job) on every change, `deleted` ({id}); a comment every 15 s',
        tags: ['jobs'],
        response: {
          200: {
            description: 'An endless text/event-stream',
            content: { 'text/event-stream': { schema: EventStream } }
          }
        }
      }
    },
    async (_req, reply) => {
      const stream = new PassThrough();
      const onJob = (job: Job) => stream.write(frame('job', job));
      const onDeleted = (deleted: { id: string }) => stream.write(frame('deleted', deleted));
      const keepAlive = setInterval(() => stream.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
      const close = () => {
        clearInterval(keepAlive);
        service.off('job', onJob);
        service.off('deleted', onDeleted);
        streams.delete(close);
        stream.end();
      };
      streams.add(close);
      service.on('job', onJob);
      service.on('deleted', onDeleted);
      reply.raw.on('close', close);
      stream.write(': hotstepper job events\n\n');
      return eventStream(reply, stream);
    }
  );

  app.get(
    '/:id',
    {
      schema: {
        summary: 'One job',
        tags: ['jobs'],
        params: IdParams,
        response: { 200: Job, 404: ErrorResponse }
      }
    },
    async req => found(req.params.id)
  );

  app.post(
    '/:id/cancel',
    {
      schema: {
        summary: 'Stop a queued or running job; it becomes cancelled',
        tags: ['jobs'],
        params: IdParams,
        response: { 200: Job, ...errors }
      }
    },
    async req => service.cancel(req.params.id)
  );

  app.post(
    '/:id/rerun',
    {
      schema: {
        summary: 'Submit a new job with the same request',
        tags: ['jobs'],
        params: IdParams,
        response: { 201: Job, ...errors, 500: ErrorResponse }
      }
    },
    async (req, reply) => reply.code(201).send(await service.rerun(req.params.id))
  );

  app.delete(
    '/:id',
    {
      schema: {
        summary: 'Delete a finished job with its logs',
        tags: ['jobs'],
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errors }
      }
    },
    async (req, reply) => {
      await service.remove(req.params.id);
      return reply.code(204).send(null);
    }
  );

  app.get(
    '/:id/log',
    {
      schema: {
        summary:
          'The log: with Accept text/event-stream, `log` events (id "<stdout>:<stderr>" offsets; resume with Last-Event-ID or ?from=), `status` and `end`; otherwise one stream as text/plain',
        tags: ['jobs'],
        params: IdParams,
        querystring: JobLogQuery,
        response: {
          200: {
            description: 'The event stream, or the log file',
            content: {
              'text/event-stream': { schema: EventStream },
              'text/plain': { schema: Type.Unsafe<ReadStream | string>({ type: 'string' }) }
            }
          },
          404: ErrorResponse
        }
      }
    },
    async (req, reply) => {
      const job = found(req.params.id);
      const dir = service.logDir(job.id);
      if (!wantsEvents(req)) {
        const stream = req.query.stream ?? 'stdout';
        const path = logFile(dir, stream);
        reply
          .header('Content-Type', 'text/plain; charset=utf-8')
          .header('Content-Disposition', `attachment; filename="${job.id}-${stream}.log"`);
        return reply.send(existsSync(path) ? createReadStream(path) : '');
      }

      const lastId = req.headers['last-event-id'];
      const from = parseOffsets(Array.isArray(lastId) ? lastId[0] : (lastId ?? req.query.from));
      const follower = new LogFollower(dir, from);
      const stream = new PassThrough();
      let finished = isFinished(job.status);
      let closed = false;
      let wake: (() => void) | undefined;
      const onJob = (changed: Job) => {
        if (changed.id === job.id && !closed) {
          stream.write(frame('status', changed));
          finished ||= isFinished(changed.status);
          wake?.();
        }
      };
      const keepAlive = setInterval(() => stream.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
      const close = () => {
        if (closed) {
          return;
        }
        closed = true;
        clearInterval(keepAlive);
        service.off('job', onJob);
        streams.delete(close);
        wake?.();
        stream.end();
      };
      streams.add(close);
      service.on('job', onJob);
      reply.raw.on('close', close);
      stream.write(': hotstepper job log\n\n');
      stream.write(frame('status', job));

      void (async () => {
        while (!closed) {
          const last = finished;
          for (const { chunk, after } of await follower.read(last)) {
            if (closed) {
              return;
            }
            stream.write(frame('log', chunk, after));
          }
          if (last) {
            stream.write(frame('end', {}));
            close();
            return;
          }
          await new Promise<void>(resolve => {
            const timer = setTimeout(resolve, LOG_POLL_MS);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
        }
      })().catch(err => {
        app.log.warn({ err, job: job.id }, 'a job log stream failed');
        close();
      });
      return eventStream(reply, stream);
    }
  );
};
