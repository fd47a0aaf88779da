/** A job's command line as the API answers it hides its secrets; the job itself runs with them. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from '@hotstepper/api';
import { httpRequest, startTestServer, type TestServer } from './helpers';
import { finished, getJob, stopJobsServer, submit, waitFor } from './jobs-helpers';

const base = mkdtempSync(join(tmpdir(), 'hotstepper-jobs-redact-'));
let server: TestServer;

beforeAll(async () => {
  mkdirSync(join(base, 'root'));
  server = await startTestServer({ rootDir: join(base, 'root') });
}, 60_000);

afterAll(async () => {
  await stopJobsServer(server);
  rmSync(base, { recursive: true, force: true });
});

it('answers the argv with tokens and keys as ***, in the submit answer, the job and the list', async () => {
  const res = await submit(server, {
    name: 'secretive',
    kind: 'command',
    command: ['sh', '-c', 'printf "%s\\n" "$@" > args.txt', 'sh', '--token=t0k3n', 'API_KEY=k3y']
  });
  expect(res.statusCode).toBe(201);
  const wire = ['sh', '-c', 'printf "%s\\n" "$@" > args.txt', 'sh', '--token=***', 'API_KEY=***'];
  const job: Job = res.json();
  expect(job.argv).toEqual(wire);
  expect((await waitFor(server, job.id, finished)).status).toBe('succeeded');
  expect((await getJob(server, job.id)).argv).toEqual(wire);
  const list = (await httpRequest(server.socket, { method: 'GET', path: '/api/v1/jobs/' })).json();
  expect(list.jobs.find((j: Job) => j.id === job.id).argv).toEqual(wire);
  // The job was given the real values.
  expect(readFileSync(join(base, 'root', 'args.txt'), 'utf8')).toBe('--token=t0k3n\nAPI_KEY=k3y\n');
}, 30_000);

it('answers the values of env variables named like secrets as ***; the job gets the real ones', async () => {
  const res = await submit(server, {
    name: 'secretive-env',
    kind: 'command',
    command: ['sh', '-c', 'printf "%s %s\\n" "$GITHUB_TOKEN" "$LEVEL" > env.txt'],
    env: { GITHUB_TOKEN: 'gh-s3cret', LEVEL: '3' }
  });
  expect(res.statusCode).toBe(201);
  const wire = { GITHUB_TOKEN: '***', LEVEL: '3' };
  const job: Job = res.json();
  expect(job.env).toEqual(wire);
  expect((await waitFor(server, job.id, finished)).status).toBe('succeeded');
  expect((await getJob(server, job.id)).env).toEqual(wire);
  const list = (await httpRequest(server.socket, { method: 'GET', path: '/api/v1/jobs/' })).json();
  expect(list.jobs.find((j: Job) => j.id === job.id).env).toEqual(wire);
  expect(readFileSync(join(base, 'root', 'env.txt'), 'utf8')).toBe('gh-s3cret 3\n');
}, 30_000);
