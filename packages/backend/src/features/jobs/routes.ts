import { createReadStream, existsSync, type ReadStream } from 'node:fs';
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
import type { FastifyRequest } from 'fastify';
import type { EventBus } from '../../bus';
import { eventStreamResponse, eventStreams } from '../../sse';
import { followLog, logFile, parseOffsets } from './logs';
import { JobService, type JobServiceOptions } from './service';

/** What the jobs feature is given (its log is the app's). */
export type JobsDeps = Omit<JobServiceOptions, 'log'> & {
  /** Where every change of a job is published. */
  bus?: EventBus;
};

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

const wantsEvents = (req: FastifyRequest) =>
  String(req.headers.accept ?? '').includes('text/event-stream');

/** The jobs feature: submit, list, follow, cancel, rerun and delete background jobs. */
export const jobsRoutes: FastifyPluginAsyncTypebox<JobsDeps> = async (app, deps) => {
  const { bus, ...options } = deps;
  const service = new JobService({ ...options, log: app.log });
  if (bus) {
    service.on('job', job => bus.publish('job', job));
    service.on('deleted', deleted => bus.publish('job-deleted', deleted));
  }
  await service.start();
  const streams = eventStreams(app);
  app.addHook('onClose', async () => service.stop());

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
        response: { 200: eventStreamResponse('An endless text/event-stream') }
      }
    },
    async (_req, reply) => {
      const stream = streams.open(reply, { comment: 'hotstepper job events' });
      const onJob = (job: Job) => stream.send('job', job);
      const onDeleted = (deleted: { id: string }) => stream.send('deleted', deleted);
      service.on('job', onJob);
      service.on('deleted', onDeleted);
      stream.onClose(() => {
        service.off('job', onJob);
        service.off('deleted', onDeleted);
      });
      return reply;
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
    async req => service.job(req.params.id)
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
              ...eventStreamResponse('').content,
              'text/plain': { schema: Type.Unsafe<ReadStream | string>({ type: 'string' }) }
            }
          },
          404: ErrorResponse
        }
      }
    },
    async (req, reply) => {
      const job = service.job(req.params.id);
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
      const stream = streams.open(reply, { comment: 'hotstepper job log' });
      const changes = (listener: (changed: Job) => void) => {
        service.on('job', listener);
        return () => void service.off('job', listener);
      };
      followLog(stream, job, dir, from, changes).catch(err => {
        app.log.warn({ err, job: job.id }, 'a job log stream failed');
        stream.end();
      });
      return reply;
    }
  );
};
