import { Type } from '@sinclair/typebox';
import {
  Checkpoint,
  CheckpointList,
  ContentsModel,
  ContentsQuery,
  CopyRequest,
  CreateRequest,
  ErrorResponse,
  RenameRequest,
  SaveRequest,
  StorageList,
  StoragePathQuery,
  Transfer,
  TransferRequest
} from '@hotstepper/api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { join } from 'node:path';
import type { EventBus } from '../../bus';
import type { Config } from '../../config';
import type { StorageHost } from '../../platform/storage';
import { eventStreamResponse, eventStreams } from '../../sse';
import { Checkpoints } from './checkpoints';
import { FillWatch } from './fill';
import * as files from './files';
import { StorageService } from './service';
import { Transfers } from './transfers';

/** What the storage feature is given. */
export interface StorageDeps {
  config: Config;
  host: StorageHost;
  /** The Jupyter root: Home. */
  rootDir: string;
  /** Where checkpoints are kept. */
  dataDir: string;
  /** Where a storage passing the nearly-full mark is published. */
  bus?: EventBus;
}

/** A save carries a whole notebook or an upload chunk (1 MiB as base64 and JSON): room for both. */
const SAVE_BODY_LIMIT = 256 * 1024 * 1024;

/** The storages the user can reach, and a drive's files in each. */
export const storageRoutes: FastifyPluginAsyncTypebox<StorageDeps> = async (app, deps) => {
  const service = new StorageService({
    config: deps.config.storage,
    host: deps.host,
    rootDir: deps.rootDir
  });
  const checkpoints = new Checkpoints(join(deps.dataDir, 'storage-checkpoints'));
  if (deps.bus) {
    const fill = new FillWatch(service, deps.bus, deps.config.storage.nearlyFullPercent);
    const timer = setInterval(() => void fill.check(), deps.config.storage.fullCheckSeconds * 1000);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  }
  const errors = {
    400: ErrorResponse,
    403: ErrorResponse,
    404: ErrorResponse,
    409: ErrorResponse,
    413: ErrorResponse,
    502: ErrorResponse,
    503: ErrorResponse,
    507: ErrorResponse
  };
  const Name = Type.Object({ name: Type.String({ maxLength: 100 }) });
  const tags = ['storage'];

  const transfers = new Transfers({ place: name => service.place(name) });
  // A transfer cut short by shutdown leaves nothing under the target name either.
  app.addHook('onClose', () => transfers.stop());
  const streams = eventStreams(app);
  const TransferId = Type.Object({ id: Type.String({ maxLength: 100 }) });

  // Registered before "/:name/…": a static segment wins over a storage's name.
  app.post(
    '/transfers',
    {
      schema: {
        summary:
          'Copy or move a file or folder into a folder of any storage (Home included); the conflict policy applies to the whole transfer',
        tags,
        body: TransferRequest,
        response: { 202: Transfer, ...errors }
      }
    },
    async (req, reply) => reply.code(202).send(await transfers.start(req.body))
  );

  app.get(
    '/transfers/:id',
    {
      schema: {
        summary: 'One transfer and how far it got',
        tags,
        params: TransferId,
        response: { 200: Transfer, 404: ErrorResponse }
      }
    },
    async req => transfers.get(req.params.id)
  );

  app.delete(
    '/transfers/:id',
    {
      schema: {
        summary:
          'Cancel a transfer: nothing is left under the target name, a move keeps its source',
        tags,
        params: TransferId,
        response: { 200: Transfer, 404: ErrorResponse }
      }
    },
    async req => transfers.cancel(req.params.id)
  );

  app.get(
    '/transfers/:id/events',
    {
      schema: {
        summary: 'The transfer’s progress ("transfer" events: files and bytes) until it ends',
        tags,
        params: TransferId,
        response: {
          200: eventStreamResponse('"transfer" events, the last one finished'),
          404: ErrorResponse
        }
      }
    },
    async (req, reply) => {
      const first = transfers.get(req.params.id);
      const stream = streams.open(reply, { comment: 'hotstepper storage transfer' });
      const send = (t: Transfer) => {
        if (t.id !== first.id) {
          return;
        }
        stream.send('transfer', t);
        if (t.state !== 'running') {
          stream.end();
        }
      };
      transfers.on('progress', send);
      stream.onClose(() => transfers.off('progress', send));
      // The state now: a transfer that already ended is sent and the stream closes.
      send(transfers.get(first.id));
      return reply;
    }
  );

  app.get(
    '/',
    {
      schema: {
        summary: 'The storages the user can reach, with capacity, mode and the reason for it',
        tags,
        response: { 200: StorageList, 502: ErrorResponse }
      }
    },
    async () => service.list()
  );

  app.get(
    '/:name/contents',
    {
      schema: {
        summary: 'A file with its content, or a page of a folder',
        tags,
        params: Name,
        querystring: ContentsQuery,
        response: { 200: ContentsModel, ...errors }
      }
    },
    async req => files.get(await service.place(req.params.name), req.query)
  );

  app.put(
    '/:name/contents',
    {
      bodyLimit: SAVE_BODY_LIMIT,
      schema: {
        summary: 'Save a file, notebook or folder, or one chunk of an upload (1…n, -1 last)',
        tags,
        params: Name,
        querystring: StoragePathQuery,
        body: SaveRequest,
        response: { 200: ContentsModel, ...errors }
      }
    },
    async req => files.save(await service.place(req.params.name), req.query.path, req.body)
  );

  app.post(
    '/:name/contents',
    {
      schema: {
        summary: 'A new untitled file, notebook or folder in the folder ?path=',
        tags,
        params: Name,
        querystring: StoragePathQuery,
        body: CreateRequest,
        response: { 201: ContentsModel, ...errors }
      }
    },
    async (req, reply) => {
      const model = await files.create(
        await service.place(req.params.name),
        req.query.path,
        req.body.type,
        req.body.ext
      );
      return reply.code(201).send(model);
    }
  );

  app.post(
    '/:name/rename',
    {
      schema: {
        summary: 'Rename or move a file or folder to another path in the same storage',
        tags,
        params: Name,
        body: RenameRequest,
        response: { 200: ContentsModel, ...errors }
      }
    },
    async req => files.move(await service.place(req.params.name), req.body.path, req.body.to)
  );

  app.delete(
    '/:name/contents',
    {
      schema: {
        summary: 'Delete a file or a folder with everything in it',
        tags,
        params: Name,
        querystring: StoragePathQuery,
        response: { 204: Type.Null(), ...errors }
      }
    },
    async (req, reply) => {
      const place = await service.place(req.params.name);
      await files.remove(place, req.query.path);
      await checkpoints.remove(place, req.query.path, 'checkpoint').catch(() => undefined);
      return reply.code(204).send(null);
    }
  );

  app.post(
    '/:name/copy',
    {
      schema: {
        summary: 'Copy a file or folder into a folder of the same storage',
        tags,
        params: Name,
        body: CopyRequest,
        response: { 201: ContentsModel, ...errors }
      }
    },
    async (req, reply) => {
      const model = await files.copy(
        await service.place(req.params.name),
        req.body.path,
        req.body.to
      );
      return reply.code(201).send(model);
    }
  );

  app.get(
    '/:name/download',
    {
      schema: {
        summary: 'A file’s bytes, streamed as an attachment',
        tags,
        params: Name,
        querystring: StoragePathQuery,
        response: { 200: Type.Any({ description: 'The file' }), ...errors }
      }
    },
    async (req, reply) => {
      const file = await files.openForDownload(
        await service.place(req.params.name),
        req.query.path
      );
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-length', String(file.size))
        .header(
          'content-disposition',
          `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`
        )
        .header('x-content-type-options', 'nosniff')
        .send(file.stream);
    }
  );

  app.get(
    '/:name/checkpoints',
    {
      schema: {
        summary: 'The checkpoints of a file',
        tags,
        params: Name,
        querystring: StoragePathQuery,
        response: { 200: CheckpointList, ...errors }
      }
    },
    async req => checkpoints.list(await service.place(req.params.name), req.query.path)
  );

  app.post(
    '/:name/checkpoints',
    {
      schema: {
        summary: 'Keep a checkpoint of a file (under the backend’s data directory)',
        tags,
        params: Name,
        querystring: StoragePathQuery,
        response: { 201: Checkpoint, ...errors }
      }
    },
    async (req, reply) =>
      reply
        .code(201)
        .send(await checkpoints.create(await service.place(req.params.name), req.query.path))
  );

  const CheckpointParams = Type.Object({
    name: Type.String({ maxLength: 100 }),
    id: Type.String({ maxLength: 100 })
  });
  app.post(
    '/:name/checkpoints/:id',
    {
      schema: {
        summary: 'Restore a file from its checkpoint',
        tags,
        params: CheckpointParams,
        querystring: StoragePathQuery,
        response: { 204: Type.Null(), ...errors }
      }
    },
    async (req, reply) => {
      await checkpoints.restore(
        await service.place(req.params.name),
        req.query.path,
        req.params.id
      );
      return reply.code(204).send(null);
    }
  );

  app.delete(
    '/:name/checkpoints/:id',
    {
      schema: {
        summary: 'Forget a checkpoint',
        tags,
        params: CheckpointParams,
        querystring: StoragePathQuery,
        response: { 204: Type.Null(), ...errors }
      }
    },
    async (req, reply) => {
      await checkpoints.remove(await service.place(req.params.name), req.query.path, req.params.id);
      return reply.code(204).send(null);
    }
  );
};
