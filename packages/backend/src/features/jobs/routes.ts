import { createReadStream, type ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  JOB_ID_PATTERN,
  ErrorResponse,
  Job,
  JobList,
  JobListQuery,
  JobLogQuery,
  JobSubmit,
  JobsInfo
} from '@hotstepper/api';
import type { FastifyRequest } from 'fastify';
import { errorResponse } from '../../errors';
import type { EventBus } from '../../bus';
import { eventStreamResponse, eventStreams } from '../../sse';
import { byteRange, followLog, logFile, parseOffsets } from './logs';
import { JobService, type JobServiceOptions } from './service';

/** What the jobs feature is given (its log is the app's). */
export type JobsDeps = Omit<JobServiceOptions, 'log'> & {
  /** Where every change of a job is published. */
  bus?: EventBus;
};

const IdParams = Type.Object({
  id: Type.String({ pattern: JOB_ID_PATTERN, description: 'A job id, e.g. "jmfc2x8k4a1b2c"' })
});

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
          'The log: with Accept text/event-stream, `log` events (id "<stdout>:<stderr>" offsets; resume with Last-Event-ID or ?from=), `status` and `end`; otherwise one stream as text/plain, in parts with `Range: bytes=a-b` (206), as a client fetches a log too big for the Jupyter server to pass in one answer',
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
          206: {
            description: 'The asked part of the log file (Content-Range: bytes a-b/size)',
            content: {
              'text/plain': { schema: Type.Unsafe<ReadStream>({ type: 'string' }) }
            }
          },
          404: ErrorResponse,
          416: ErrorResponse
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
          .header('Content-Disposition', `attachment; filename="${job.id}-${stream}.log"`)
          .header('Accept-Ranges', 'bytes');
        // Not written yet, or empty: no part of it can be asked for, the whole is nothing.
        const size = (await stat(path).catch(() => undefined))?.size ?? 0;
        if (!size) {
          return reply.send('');
        }
        // jupyter-server-proxy holds a whole answer in memory and tornado gives up at 100 MB:
        // a big log is fetched in parts.
        const range = byteRange(req.headers.range, size);
        if (range === 'unsatisfiable') {
          const message = `The log has ${size} bytes; ask for a range within them`;
          return reply
            .code(416)
            .header('Content-Type', 'application/json; charset=utf-8')
            .header('Content-Range', `bytes */${size}`)
            .send(errorResponse(416, message));
        }
        if (range) {
          return reply
            .code(206)
            .header('Content-Range', `bytes ${range.start}-${range.end}/${size}`)
            .header('Content-Length', range.end - range.start + 1)
            .send(createReadStream(path, range));
        }
        return reply.header('Content-Length', size).send(createReadStream(path, { end: size - 1 }));
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
