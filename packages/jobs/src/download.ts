import type { Job, JobLogStream } from '@hotstepper/api';
import { JOBS_PATHS } from '@hotstepper/api/constants';
import { fetchBackend, saveBlob } from '@hotstepper/core';
import type { ServerConnection } from '@jupyterlab/services';

/** Downloads one stream of a job's log as a file. */
export async function downloadLog(
  serverSettings: ServerConnection.ISettings,
  job: Pick<Job, 'id' | 'name'>,
  stream: JobLogStream
): Promise<void> {
  const response = await fetchBackend(`${JOBS_PATHS.log(job.id)}?stream=${stream}`, serverSettings);
  const name = job.name.replace(/[^A-Za-z0-9._-]+/g, '_') || job.id;
  saveBlob(await response.blob(), `${name}-${job.id}.${stream}.log`);
}
