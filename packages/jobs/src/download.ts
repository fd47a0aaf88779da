import type { Job, JobLogStream } from '@hotstepper/api';
import { BackendError, backendUrl } from '@hotstepper/core';
import { ServerConnection } from '@jupyterlab/services';
import { JOBS_PATH } from './model';

/** Downloads one stream of a job's log as a file (a plain link would lack the token). */
export async function downloadLog(
  serverSettings: ServerConnection.ISettings,
  job: Pick<Job, 'id' | 'name'>,
  stream: JobLogStream
): Promise<void> {
  const url = `${backendUrl(`${JOBS_PATH}/${job.id}/log`, serverSettings)}?stream=${stream}`;
  const response = await ServerConnection.makeRequest(url, {}, serverSettings);
  if (!response.ok) {
    let message = `The log could not be downloaded (HTTP ${response.status})`;
    try {
      message = JSON.parse(await response.text()).message ?? message;
    } catch {
      // keep the generic message
    }
    throw new BackendError(response.status, message);
  }
  const blob = await response.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = `${job.name.replace(/[^A-Za-z0-9._-]+/g, '_') || job.id}-${job.id}.${stream}.log`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
