import type { Job, JobLogStream } from '@hotstepper/api';
import { JOBS_PATHS } from '@hotstepper/api/constants';
import { BackendError, fetchBackend, saveBlob } from '@hotstepper/core';
import type { ServerConnection } from '@jupyterlab/services';

/**
 * Bytes per request. jupyter-server-proxy holds a whole answer in memory and tornado gives
 * up at 100 MB, so a log is fetched in parts well under that.
 */
export const LOG_PART_BYTES = 32 * 1024 * 1024;

/**
 * One stream of a job's log, as it was when the download began: fetched in byte ranges and
 * assembled. A backend that answers the whole log at once (200) is taken at its word.
 */
export async function fetchLog(
  serverSettings: ServerConnection.ISettings,
  job: Pick<Job, 'id'>,
  stream: JobLogStream,
  partBytes = LOG_PART_BYTES
): Promise<Blob> {
  const path = `${JOBS_PATHS.log(job.id)}?stream=${stream}`;
  const parts: Blob[] = [];
  let start = 0;
  let size: number | undefined;
  do {
    const last = size === undefined ? start + partBytes - 1 : Math.min(start + partBytes, size) - 1;
    const response = await fetchBackend(path, serverSettings, {
      headers: { Range: `bytes=${start}-${last}` }
    });
    if (response.status !== 206) {
      return response.blob();
    }
    // "bytes a-b/size": the size when the first part was sent bounds the download, so a log
    // that keeps growing still ends.
    if (size === undefined) {
      const header = response.headers.get('Content-Range');
      size = Number(/\/(\d+)$/.exec(header ?? '')?.[1]);
      if (!Number.isFinite(size)) {
        // Without the size the download cannot know where the log ends: a part is not the whole.
        throw new BackendError(
          response.status,
          `Could not download the ${stream} log: the server did not say its size (Content-Range: ${header ?? 'missing'})`
        );
      }
    }
    const part = await response.blob();
    const asked = Math.min(last, size - 1) - start + 1;
    if (part.size < asked) {
      throw new BackendError(
        response.status,
        `Could not download the ${stream} log: got ${part.size} bytes at ${start} where ${asked} were asked, before its end (${size} bytes)`
      );
    }
    parts.push(part);
    start += part.size;
  } while (start < size);
  return new Blob(parts, { type: 'text/plain' });
}

/** Downloads one stream of a job's log as a file. */
export async function downloadLog(
  serverSettings: ServerConnection.ISettings,
  job: Pick<Job, 'id' | 'name'>,
  stream: JobLogStream
): Promise<void> {
  const blob = await fetchLog(serverSettings, job, stream);
  const name = job.name.replace(/[^A-Za-z0-9._-]+/g, '_') || job.id;
  saveBlob(blob, `${name}-${job.id}.${stream}.log`);
}
