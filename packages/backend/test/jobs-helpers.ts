/** What the jobs specs share: requests with the XSRF pair, and an event stream reader. */
import { request } from 'node:http';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Job } from '@hotstepper/api';
import { httpRequest, sleep, type HttpResponse, type TestServer } from './helpers';

const XSRF = '2|abc|';
export const WRITE = { 'x-xsrftoken': XSRF, cookie: `_xsrf=${XSRF}` };
export const JSON_WRITE = { ...WRITE, 'content-type': 'application/json' };

/** The repo's venv Python: it has papermill, nbconvert and ipykernel. */
export const VENV_PYTHON = join(__dirname, '..', '..', '..', '.venv', 'bin', 'python');

export const submit = (server: TestServer, body: unknown): Promise<HttpResponse> =>
  httpRequest(server.socket, {
    method: 'POST',
    path: '/api/v1/jobs/',
    headers: JSON_WRITE,
    body: JSON.stringify(body)
  });

export const post = (server: TestServer, path: string) =>
  httpRequest(server.socket, { method: 'POST', path, headers: WRITE });

export async function getJob(server: TestServer, id: string): Promise<Job> {
  const res = await httpRequest(server.socket, { method: 'GET', path: `/api/v1/jobs/${id}` });
  expect(res.statusCode).toBe(200);
  return res.json();
}

/** Polls a job until `done` holds for it (the test's timeout bounds the wait). */
export async function waitFor(
  server: TestServer,
  id: string,
  done: (job: Job) => boolean
): Promise<Job> {
  for (;;) {
    const job = await getJob(server, id);
    if (done(job)) {
      return job;
    }
    await sleep(100);
  }
}

export const finished = (job: Job) =>
  ['succeeded', 'failed', 'cancelled', 'timed-out'].includes(job.status);

/** The job directories under the test server's data dir. */
export function jobDirs(server: TestServer): string[] {
  const dir = join(dirname(server.socket), 'data', 'jobs');
  return existsSync(dir) ? readdirSync(dir) : [];
}

const urlParts = (url: URL) => ({
  host: url.hostname,
  port: Number(url.port),
  path: url.pathname + url.search
});

export interface SseEvent {
  id?: string;
  event: string;
  data: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * Reads an event stream over the unix socket until `stop` says so for the events so far (or
 * the server ends it); aborts the request either way.
 */
export function readEvents(
  socket: string,
  path: string,
  stop: (events: SseEvent[]) => boolean,
  headers: Record<string, string> = {}
): Promise<{ events: SseEvent[]; contentType?: string }> {
  return new Promise((resolve, reject) => {
    const events: SseEvent[] = [];
    let buffer = '';
    // `socket` is a unix socket, or the base URL of a Jupyter server in front of the backend.
    const target = socket.startsWith('http')
      ? { ...urlParts(new URL(path, socket)) }
      : { socketPath: socket, path };
    const req = request(
      { ...target, headers: { accept: 'text/event-stream', ...headers } },
      res => {
        const contentType = res.headers['content-type'];
        const done = () => {
          req.destroy();
          resolve({ events, contentType });
        };
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          buffer += text;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event: Partial<SseEvent> & { lines: string[] } = { lines: [] };
            for (const line of block.split('\n')) {
              if (line.startsWith('id: ')) {
                event.id = line.slice(4);
              } else if (line.startsWith('event: ')) {
                event.event = line.slice(7);
              } else if (line.startsWith('data: ')) {
                event.lines.push(line.slice(6));
              }
            }
            if (event.event) {
              events.push({
                ...(event.id !== undefined ? { id: event.id } : {}),
                event: event.event,
                data: JSON.parse(event.lines.join('\n'))
              });
              if (stop(events)) {
                return done();
              }
            }
          }
        });
        res.on('end', done);
        res.on('error', reject);
      }
    );
    req.on('error', err =>
      (err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)
    );
    req.end();
  });
}

/** Waits for the job to finish and expects `status`; a mismatch shows the job's stderr. */
export async function expectFinished(
  server: TestServer,
  id: string,
  status: Job['status']
): Promise<Job> {
  const job = await waitFor(server, id, finished);
  if (job.status !== status) {
    const log = await httpRequest(server.socket, {
      method: 'GET',
      path: `/api/v1/jobs/${id}/log?stream=stderr`
    });
    expect({ status: job.status, reason: job.reason, stderr: log.body.slice(-600) }).toEqual({
      status
    });
  }
  return job;
}

/** Cancels whatever is still active, so nothing outlives the suite, then stops the server. */
export async function stopJobsServer(server: TestServer): Promise<void> {
  const list = (
    await httpRequest(server.socket, {
      method: 'GET',
      path: '/api/v1/jobs/?status=queued,starting,running'
    })
  ).json() as { jobs: Array<{ id: string }> };
  for (const job of list.jobs) {
    await post(server, `/api/v1/jobs/${job.id}/cancel`);
  }
  await server.close();
}
