/**
 * Server-sent events: the one way a feature streams to the frontends. jupyter-server-proxy
 * passes text/event-stream on unbuffered (and buffers everything else); X-Accel-Buffering
 * keeps an nginx in front from buffering it; a comment every 15 s keeps proxies from closing
 * an idle stream.
 */
import { PassThrough } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** A comment line on an event stream this often keeps proxies from closing it. */
export const KEEP_ALIVE_MS = 15_000;

/** One event as it goes on the wire. */
export function frame(event: string, data: unknown, id?: string | number): string {
  return `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A comment line: ignored by EventSource, it keeps the connection alive. */
export const comment = (text: string) => `: ${text}\n\n`;

/** The 200 response of an event-stream route in its schema (a string in the OpenAPI document). */
export function eventStreamResponse(description: string) {
  return {
    description,
    content: { 'text/event-stream': { schema: Type.Unsafe<PassThrough>({ type: 'string' }) } }
  };
}

/** Where events are written: one connected frontend. */
export interface EventClient {
  write(chunk: string): void;
  end(): void;
}

/** One open stream on a response. */
export interface EventStream extends EventClient {
  send(event: string, data: unknown, id?: string | number): void;
  readonly closed: boolean;
  /** Called once when the stream ends, whoever ends it (client, feature or shutdown). */
  onClose(listener: () => void): void;
  /**
   * Resolves once what was written has gone on to the client (its buffer is below the
   * high-water mark) or the stream has closed: a writer of much waits on it between writes.
   */
  drained(): Promise<void>;
}

export interface OpenOptions {
  /** The first line, a comment naming the stream. */
  comment: string;
  keepAliveMs?: number;
}

/**
 * The event streams of one plugin: `open` answers a request with a stream; every stream still
 * open ends when the app closes. (On preClose: fastify waits for open requests before onClose,
 * and a stream never finishes by itself.)
 */
export function eventStreams(app: FastifyInstance) {
  const open = new Set<EventStream>();
  app.addHook('preClose', async () => {
    for (const stream of [...open]) {
      stream.end();
    }
  });
  return {
    get size() {
      return open.size;
    },
    open(reply: FastifyReply, options: OpenOptions): EventStream {
      const body = new PassThrough();
      const listeners: Array<() => void> = [];
      let closed = false;
      const keepAlive = setInterval(
        () => body.write(comment('keep-alive')),
        options.keepAliveMs ?? KEEP_ALIVE_MS
      );
      keepAlive.unref();
      const stream: EventStream = {
        get closed() {
          return closed;
        },
        write: chunk => {
          if (!closed) {
            body.write(chunk);
          }
        },
        send: (event, data, id) => stream.write(frame(event, data, id)),
        onClose: listener => (closed ? listener() : void listeners.push(listener)),
        drained: () =>
          closed || !body.writableNeedDrain
            ? Promise.resolve()
            : new Promise(resolve => {
                const done = () => {
                  body.off('drain', done);
                  const i = listeners.indexOf(done);
                  if (i >= 0) {
                    listeners.splice(i, 1);
                  }
                  resolve();
                };
                body.once('drain', done);
                listeners.push(done);
              }),
        end: () => {
          if (closed) {
            return;
          }
          closed = true;
          clearInterval(keepAlive);
          open.delete(stream);
          body.end();
          for (const listener of [...listeners]) {
            listener();
          }
        }
      };
      open.add(stream);
      reply.raw.on('close', () => stream.end());
      body.write(comment(options.comment));
      reply
        .header('Content-Type', 'text/event-stream; charset=utf-8')
        .header('Cache-Control', 'no-cache')
        .header('X-Accel-Buffering', 'no')
        .send(body);
      return stream;
    }
  };
}

/** Many clients, one publisher: every event goes to every client, with ids counting up. */
export class EventHub {
  private readonly clients = new Set<EventClient>();
  private nextId = 1;

  get size(): number {
    return this.clients.size;
  }

  /** Adds a client; returns its removal. */
  subscribe(client: EventClient): () => void {
    this.clients.add(client);
    return () => void this.clients.delete(client);
  }

  /** Sends one event to every client; returns its frame. */
  publish(event: string, data: unknown): string {
    const chunk = frame(event, data, this.nextId++);
    for (const client of this.clients) {
      client.write(chunk);
    }
    return chunk;
  }

  /** Ends every client. */
  close(): void {
    for (const client of this.clients) {
      client.end();
    }
    this.clients.clear();
  }
}
