/**
 * A job's log files, read as they grow. Offsets are bytes in each file; a chunk never ends
 * inside a UTF-8 character (until the job has finished), so text decodes cleanly and the
 * offsets a client resumes from always fall between characters.
 */
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobLogChunk, JobLogStream } from '@hotstepper/api';

export const LOG_STREAMS: readonly JobLogStream[] = ['stdout', 'stderr'];
/** At most this many bytes per chunk, so one event never holds a whole huge log. */
const MAX_CHUNK = 64 * 1024;

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
   * What was written since the last call, stdout first, each chunk with the offsets after it.
   * `final`: the job has finished, so a trailing partial character is sent as it is.
   */
  async read(final = false): Promise<Array<{ chunk: JobLogChunk; after: string }>> {
    const out: Array<{ chunk: JobLogChunk; after: string }> = [];
    for (const stream of LOG_STREAMS) {
      const path = logFile(this.logDir, stream);
      let end = await size(path);
      while (this.offsets[stream] < end) {
        const length = Math.min(MAX_CHUNK, end - this.offsets[stream]);
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
