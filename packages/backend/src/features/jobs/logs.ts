/**
 * A job's log files, read as they grow. Offsets are bytes in each file; a chunk never ends
 * inside a UTF-8 character (until the job has finished), so text decodes cleanly and the
 * offsets a client resumes from always fall between characters.
 */
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  FINISHED_JOB_STATUSES,
  type Job,
  type JobLogChunk,
  type JobLogStream
} from '@hotstepper/api';
import type { EventStream } from '../../sse';

export const LOG_STREAMS: readonly JobLogStream[] = ['stdout', 'stderr'];
/** How often a followed log is checked for growth. */
export const LOG_POLL_MS = 150;
/** At most this many bytes per chunk, so one event never holds a whole huge log. */
const MAX_CHUNK = 64 * 1024;
/**
 * At most this many bytes of each stream per `read`: a follower that opens a huge log holds
 * one step of it in memory, not all of it.
 */
export const MAX_READ = 1024 * 1024;

export const logFile = (logDir: string, stream: JobLogStream) => join(logDir, `${stream}.log`);

export type Offsets = Record<JobLogStream, number>;

/** "<stdout>:<stderr>" as the SSE id and `?from=` carry it. */
export const formatOffsets = (o: Offsets) => `${o.stdout}:${o.stderr}`;

export function parseOffsets(value: string | undefined): Offsets | undefined {
  const match = value === undefined ? null : /^(\d+):(\d+)$/.exec(value.trim());
  return match ? { stdout: Number(match[1]), stderr: Number(match[2]) } : undefined;
}

/** How many leading bytes of `buf` are whole UTF-8 characters. */
export function wholeCharacters(buf: Buffer): number {
  const end = buf.length;
  for (let i = end - 1; i >= Math.max(0, end - 4); i--) {
    const byte = buf[i];
    if ((byte & 0xc0) === 0x80) {
      continue; // a continuation byte: look further back for its lead
    }
    const size = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return i + size <= end ? end : i;
  }
  return end;
}

async function size(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0; // not written yet
  }
}

/** Follows one job's two log files from the given offsets. */
export class LogFollower {
  readonly offsets: Offsets;

  constructor(
    private readonly logDir: string,
    from: Offsets = { stdout: 0, stderr: 0 }
  ) {
    this.offsets = { ...from };
  }

  /**
   * What was written since the last call, up to `maxBytes` of each stream, stdout first, each
   * chunk with the offsets after it; empty once all is read. `final`: the job has finished, so
   * a trailing partial character is sent as it is.
   */
  async read(
    final = false,
    maxBytes = MAX_READ
  ): Promise<Array<{ chunk: JobLogChunk; after: string }>> {
    const out: Array<{ chunk: JobLogChunk; after: string }> = [];
    for (const stream of LOG_STREAMS) {
      const path = logFile(this.logDir, stream);
      const start = this.offsets[stream];
      const limit = () => Math.min(end, start + maxBytes);
      let end = await size(path);
      while (this.offsets[stream] < limit()) {
        const length = Math.min(MAX_CHUNK, limit() - this.offsets[stream]);
        const buf = Buffer.alloc(length);
        const file = await open(path, 'r');
        let read: number;
        try {
          ({ bytesRead: read } = await file.read(buf, 0, length, this.offsets[stream]));
        } finally {
          await file.close();
        }
        if (read === 0) {
          break; // truncated under us
        }
        const whole =
          final && read === end - this.offsets[stream]
            ? read
            : wholeCharacters(buf.subarray(0, read));
        if (whole === 0) {
          break; // only part of a character so far
        }
        const offset = this.offsets[stream];
        this.offsets[stream] += whole;
        out.push({
          chunk: { stream, offset, text: buf.subarray(0, whole).toString('utf8') },
          after: formatOffsets(this.offsets)
        });
        if (final) {
          end = Math.max(end, await size(path));
        }
      }
    }
    return out;
  }
}

/** Subscribes to every change of every job; returns the unsubscription. */
export type JobChanges = (listener: (job: Job) => void) => () => void;

/**
 * Writes a job's log to an event stream as it grows: `status` now and on each change of the
 * job, `log` chunks with their offsets as ids ("<stdout>:<stderr>", what a client resumes
 * from), and `end` once the job has finished and its log is all sent; then the stream ends.
 * The log is read a step at a time, each step once the client has taken the one before: a
 * slow client of a huge log costs a step of memory, not the log.
 */
export async function followLog(
  stream: EventStream,
  job: Job,
  logDir: string,
  from: Offsets | undefined,
  changes: JobChanges
): Promise<void> {
  const follower = new LogFollower(logDir, from);
  const finishedStatus = (j: Job) => FINISHED_JOB_STATUSES.includes(j.status);
  let finished = finishedStatus(job);
  let wake: (() => void) | undefined;
  const unsubscribe = changes(changed => {
    if (changed.id === job.id && !stream.closed) {
      stream.send('status', changed);
      finished ||= finishedStatus(changed);
      wake?.();
    }
  });
  stream.onClose(() => {
    unsubscribe();
    wake?.();
  });
  stream.send('status', job);

  while (!stream.closed) {
    const last = finished;
    const chunks = await follower.read(last);
    for (const { chunk, after } of chunks) {
      if (stream.closed) {
        return;
      }
      stream.send('log', chunk, after);
      await stream.drained();
    }
    if (chunks.length) {
      continue; // more may be waiting: read on without pausing
    }
    if (last) {
      stream.send('end', {});
      stream.end();
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
}

/**
 * The byte range a `Range` header asks of a file of `size` bytes: `bytes=a-b`, `bytes=a-` or
 * `bytes=-n`. Undefined: answer the whole file (no header, or one this does not serve, such
 * as several ranges); 'unsatisfiable': the range starts past the end.
 */
export function byteRange(
  header: string | undefined,
  size: number
): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) {
    return undefined;
  }
  if (match[1] === '') {
    const suffix = Number(match[2]);
    return suffix === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size) {
    return 'unsatisfiable';
  }
  return end < start ? undefined : { start, end };
}
