import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { Value } from '@sinclair/typebox/value';
import { JobQuota } from '@hotstepper/api';
import { parseConfig } from '../src/config';
import { JobInputError, type JobLaunch, type JobRef } from '../src/platform/jobs';
import { KubernetesCluster, type KubernetesClient } from '../src/platform/kubernetes/cluster';
import { KubernetesJobRunner } from '../src/platform/kubernetes/jobs';
import {
  buildJobManifest,
  checkJobManifest,
  labelValue,
  notebookPodFrom,
  parseQuantity
} from '../src/platform/kubernetes/jobs-manifest';
import { fixture, until } from './helpers';

/*
 * No Kubernetes API server can run here. Every Job the runner builds is validated with
 * kubernetes-models (the API's OpenAPI schema) and our own checks for what only the API
 * server enforces; the runner's calls go through the real @kubernetes/client-node to a
 * local HTTP server that answers request/response pairs recorded in the shape of a real
 * cluster's (test/fixtures/kubernetes/jobs), and checks method, path, query, body and token.
 */

const NS = 'jupyterhub-ada-prod-ns';
const TOKEN = 'sa-token-for-tests';

/** Node's own require: it loads ES modules (Node ≥ 20.19); jest's loader cannot. */
function nativeRequire(id: string): unknown {
  const proc = process as unknown as {
    getBuiltinModule(id: 'node:module'): typeof import('node:module');
  };
  return proc.getBuiltinModule('node:module').createRequire(__filename)(id);
}
const nativeClient = (): Promise<KubernetesClient> =>
  Promise.resolve(nativeRequire('@kubernetes/client-node') as KubernetesClient);

// kubernetes-models exports its files for `import` only: require the file itself.
function modelsDir(from = __dirname): string {
  const candidate = join(from, 'node_modules', 'kubernetes-models');
  return existsSync(candidate) ? candidate : modelsDir(dirname(from));
}
const { Job } = nativeRequire(join(modelsDir(), 'batch', 'v1', 'Job.js')) as {
  Job: new (data: unknown) => { validate(): void };
};
const validateWithModels = (job: V1Job) => new Job(job).validate();

interface Pair {
  request: { method: string; path: string; query: Record<string, string> };
  once?: boolean;
  response: {
    status: number;
    body?: unknown;
    events?: unknown[];
    chunks?: string[];
    end?: boolean;
    contentType?: string;
  };
}
const pair = (name: string): Pair & { name: string } => ({
  name,
  ...JSON.parse(readFileSync(fixture(`kubernetes/jobs/${name}.json`), 'utf8'))
});

interface Call {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
  pair?: string;
  authorization?: string;
}

/**
 * A substitute API server: answers each request with the first recorded pair of the same
 * method, path and query (a pair marked `once` only once). Watches and followed logs stay
 * open; the test sends their next event or chunk with `send(name)`.
 */
class ReplayApi {
  readonly calls: Call[] = [];
  private server: Server;
  private used = new Set<Pair>();
  private open = new Map<string, { res: ServerResponse; next: number }>();
  port = 0;

  constructor(private pairs: Array<Pair & { name: string }>) {
    this.server = createServer((req, res) => void this.answer(req, res));
  }

  async listen(): Promise<void> {
    await new Promise<void>(resolve => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise(resolve => this.server.close(resolve));
  }

  add(...pairs: Array<Pair & { name: string }>): void {
    this.pairs.unshift(...pairs);
  }

  /** Writes the next event or chunk of an open stream; the last chunk of a log ends it. */
  send(name: string): void {
    const stream = this.open.get(name);
    if (!stream) {
      throw new Error(`${name} is not open`);
    }
    const p = this.pairs.find(x => x.name === name)!;
    const items = p.response.events ?? p.response.chunks ?? [];
    const item = items[stream.next++];
    stream.res.write(typeof item === 'string' ? item : JSON.stringify(item) + '\n');
    if (p.response.chunks && stream.next === items.length) {
      stream.res.end();
      this.open.delete(name);
    }
  }

  isOpen = (name: string) => this.open.has(name);
  count = (name: string) => this.calls.filter(c => c.pair === name).length;

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const query = Object.fromEntries(url.searchParams);
    let raw = '';
    for await (const chunk of req) {
      raw += chunk;
    }
    const call: Call = {
      method: req.method ?? '',
      path: url.pathname,
      query,
      body: raw ? JSON.parse(raw) : undefined,
      authorization: req.headers.authorization
    };
    this.calls.push(call);
    const p = this.pairs.find(
      x =>
        !(x.once && this.used.has(x)) &&
        x.request.method === call.method &&
        x.request.path === call.path &&
        JSON.stringify(sorted(x.request.query)) === JSON.stringify(sorted(query))
    );
    if (!p || req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(p ? 401 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', status: 'Failure', code: p ? 401 : 404 }));
      return;
    }
    this.used.add(p);
    call.pair = p.name;
    const { response } = p;
    if (response.events || (response.chunks && !response.end)) {
      res.writeHead(response.status, {
        'content-type': response.contentType ?? 'application/json',
        'transfer-encoding': 'chunked'
      });
      res.flushHeaders();
      this.open.set(p.name, { res, next: 0 });
      return;
    }
    res.writeHead(response.status, { 'content-type': response.contentType ?? 'application/json' });
    res.end(response.chunks ? response.chunks.join('') : JSON.stringify(response.body));
  }
}

function sorted(query: Record<string, string>): Array<[string, string]> {
  return Object.entries(query).sort(([a], [b]) => a.localeCompare(b));
}

const config = parseConfig({}).jobs;
const NOTEBOOK_POD: V1Pod = pair('read-pod').response.body as V1Pod;

describe('the Job manifest', () => {
  const notebook = notebookPodFrom(NOTEBOOK_POD);
  const launch = (over: Partial<JobLaunch> = {}): JobLaunch => ({
    id: 'j1',
    name: 'train resnet',
    argv: ['python', 'train.py', '--epochs', '3'],
    cwd: '/home/jovyan/work',
    env: { SEED: '7' },
    resources: { cpu: 1.5, memory: 4 * 1024 ** 3 },
    timeLimitSeconds: 3600,
    logDir: '/tmp/unused',
    ...over
  });
  const valid = (job: V1Job) => {
    expect(() => validateWithModels(job)).not.toThrow();
    expect(checkJobManifest(job)).toEqual([]);
  };

  it('takes the notebook’s image, home volume, user and pull secret, and leaves out the token', () => {
    expect(notebook).toEqual({
      image: 'cerit.io/jupyterhub/minimal-notebook:2026-10',
      volumes: [
        { name: 'volume-ada', persistentVolumeClaim: { claimName: 'claim-ada' } },
        { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } }
      ],
      volumeMounts: [
        { name: 'volume-ada', mountPath: '/home/jovyan' },
        { name: 'dshm', mountPath: '/dev/shm' }
      ],
      securityContext: { runAsUser: 1000, runAsGroup: 100, fsGroup: 100 },
      imagePullSecrets: [{ name: 'cerit-registry' }],
      owner: 'ada'
    });
  });

  it('without a GPU: requests = limits, labels, annotation, no retries, deadline, no token', () => {
    const job = buildJobManifest(launch(), notebook, config.kubernetes, NS);
    valid(job);
    expect(job.metadata).toEqual({
      name: 'hs-j1',
      namespace: NS,
      labels: {
        'app.kubernetes.io/managed-by': 'hotstepper',
        'hotstepper.io/job-id': 'j1',
        'hotstepper.io/owner': 'ada'
      },
      annotations: { 'hotstepper.io/job-name': 'train resnet', 'hotstepper.io/owner-name': 'ada' }
    });
    expect(job.spec).toMatchObject({
      backoffLimit: 0,
      ttlSecondsAfterFinished: 86400,
      activeDeadlineSeconds: 3600
    });
    const pod = job.spec!.template.spec!;
    expect(pod).toMatchObject({
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      securityContext: { runAsUser: 1000, fsGroup: 100 }
    });
    expect(pod.nodeSelector).toBeUndefined();
    expect(pod.containers).toHaveLength(1);
    const [c] = pod.containers;
    expect(c).toMatchObject({
      name: 'job',
      image: 'cerit.io/jupyterhub/minimal-notebook:2026-10',
      command: ['python', 'train.py', '--epochs', '3'],
      workingDir: '/home/jovyan/work',
      env: [{ name: 'SEED', value: '7' }]
    });
    expect(c.resources).toEqual({
      requests: { cpu: '1500m', memory: '4Gi' },
      limits: { cpu: '1500m', memory: '4Gi' }
    });
    expect(job.spec!.template.metadata!.labels).toEqual(job.metadata!.labels);
  });

  it('with a GPU model: a GPU count as request and limit, and a node selector on the model label', () => {
    const job = buildJobManifest(
      launch({
        resources: { cpu: 0.25, memory: 1_000_000_123, gpu: { count: 2, model: 'NVIDIA-A40' } },
        image: 'cerit.io/jupyterhub/pytorch:2026-10',
        timeLimitSeconds: undefined
      }),
      notebook,
      config.kubernetes,
      NS
    );
    valid(job);
    const pod = job.spec!.template.spec!;
    expect(pod.containers[0].image).toBe('cerit.io/jupyterhub/pytorch:2026-10');
    expect(pod.containers[0].resources!.limits).toEqual({
      cpu: '250m',
      memory: '1000000123',
      'nvidia.com/gpu': '2'
    });
    expect(pod.containers[0].resources!.requests).toEqual(pod.containers[0].resources!.limits);
    expect(pod.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-A40' });
    expect(job.spec!.activeDeadlineSeconds).toBeUndefined();
  });

  it('asks for a MIG profile as its own resource, and any GPU without a selector', () => {
    const mig = buildJobManifest(
      launch({ resources: { cpu: 1, memory: 2 ** 30, gpu: { count: 1, model: 'mig-1g.10gb' } } }),
      notebook,
      config.kubernetes,
      NS
    );
    valid(mig);
    expect(mig.spec!.template.spec!.containers[0].resources!.limits).toEqual({
      cpu: '1',
      memory: '1Gi',
      'nvidia.com/mig-1g.10gb': '1'
    });
    expect(mig.spec!.template.spec!.nodeSelector).toBeUndefined();
    const any = buildJobManifest(
      launch({ resources: { cpu: 1, memory: 2 ** 30, gpu: { count: 1 } } }),
      notebook,
      parseConfig({ jobs: { kubernetes: { gpuResource: 'amd.com/gpu' } } }).jobs.kubernetes,
      NS
    );
    valid(any);
    expect(any.spec!.template.spec!.containers[0].resources!.limits!['amd.com/gpu']).toBe('1');
    expect(any.spec!.template.spec!.nodeSelector).toBeUndefined();
  });

  it.each([
    ['ada.lovelace@example.org', 'ada.lovelace-example.org'],
    ['-_weird name_-', 'weird-name'],
    ['Žofie Nováková', 'ofie-Nov-kov'],
    ['x'.repeat(80) + '-y', 'x'.repeat(63)],
    ['@@@', 'unknown']
  ])(
    'turns the user name %j into a valid owner label %j, keeping it whole in an annotation',
    (user, label) => {
      expect(labelValue(user)).toBe(label);
      const job = buildJobManifest(launch(), { ...notebook, owner: user }, config.kubernetes, NS);
      valid(job);
      expect(job.metadata!.labels!['hotstepper.io/owner']).toBe(label);
      expect(job.metadata!.annotations!['hotstepper.io/owner-name']).toBe(user);
    }
  );

  it('keeps a long free-text job name and the longest id valid', () => {
    const job = buildJobManifest(
      launch({ id: 'j' + 'z9'.repeat(9) + 'a', name: 'Ünïcode: ' + 'n'.repeat(91) }),
      notebook,
      config.kubernetes,
      NS
    );
    valid(job);
    expect(job.metadata!.name).toBe('hs-j' + 'z9'.repeat(9) + 'a');
    expect(job.metadata!.annotations!['hotstepper.io/job-name']).toHaveLength(100);
  });

  it('our checks refuse what only the API server would: long or bad names, bad labels, restartPolicy', () => {
    const job = buildJobManifest(launch(), notebook, config.kubernetes, NS);
    const bad: V1Job = JSON.parse(JSON.stringify(job));
    bad.metadata!.name = 'hs-' + 'a'.repeat(61);
    bad.metadata!.labels!['hotstepper.io/owner'] = 'ada@example';
    bad.spec!.template.spec!.restartPolicy = 'Always';
    bad.spec!.template.spec!.nodeSelector = { 'nvidia.com/gpu.product': 'NVIDIA A40' };
    const problems = checkJobManifest(bad);
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/metadata.name .* at most 63/);
    expect(problems.join('\n')).toMatch(/hotstepper.io\/owner.*ada@example/);
    expect(problems.join('\n')).toMatch(/restartPolicy must be Never or OnFailure, not Always/);
    expect(problems.join('\n')).toMatch(/nodeSelector.*NVIDIA A40/);
    // kubernetes-models catches the schema's side: a wrong type.
    bad.spec!.backoffLimit = '0' as unknown as number;
    expect(() => validateWithModels(bad)).toThrow(/backoffLimit must be integer/);
  });

  it('parses Kubernetes quantities', () => {
    expect(parseQuantity('1500m')).toBe(1.5);
    expect(parseQuantity('16')).toBe(16);
    expect(parseQuantity('64Gi')).toBe(64 * 2 ** 30);
    expect(parseQuantity('12G')).toBe(12e9);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('512Ki')).toBe(512 * 1024);
    expect(parseQuantity('0.5')).toBe(0.5);
    expect(parseQuantity('2mi')).toBeUndefined();
    expect(parseQuantity('lots')).toBeUndefined();
    expect(parseQuantity(undefined)).toBeUndefined();
  });
});

describe('KubernetesJobRunner against recorded API answers', () => {
  // Each test is a few hundred ms; the margin is for a machine shared with other work.
  jest.setTimeout(20_000);
  let dir: string;
  const cleanup: Array<() => Promise<void>> = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hotstepper-k8s-jobs-'));
  });
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) {
      await fn();
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function setUp(names: string[], over: { logGraceMs?: number } = {}) {
    const api = new ReplayApi(names.map(pair));
    await api.listen();
    cleanup.push(() => api.close());
    const runner = new KubernetesJobRunner({
      config,
      cluster: new KubernetesCluster({
        env: { HOSTNAME: 'jupyter-ada', POD_NAMESPACE: NS },
        load: nativeClient,
        kubeConfig: k8s => {
          const kc = new k8s.KubeConfig();
          kc.loadFromOptions({
            clusters: [{ name: 't', server: `http://127.0.0.1:${api.port}`, skipTLSVerify: true }],
            users: [{ name: 'u', token: TOKEN }],
            contexts: [{ name: 'c', cluster: 't', user: 'u', namespace: NS }],
            currentContext: 'c'
          });
          return kc;
        }
      }),
      validate: validateWithModels,
      rewatchMs: 60_000,
      ...over
    });
    cleanup.push(() => runner.close());
    return { api, runner };
  }

  const launch = (id: string): JobLaunch => ({
    id,
    name: 'train resnet',
    argv: ['python', 'train.py', '--epochs', '3'],
    cwd: '/home/jovyan/work',
    env: { SEED: '7' },
    resources: { cpu: 1.5, memory: 4 * 1024 ** 3 },
    timeLimitSeconds: 3600,
    logDir: join(dir, id)
  });
  const ref = (id: string): JobRef => ({ id, externalId: `hs-${id}`, logDir: join(dir, id) });

  /** Waits until state() says `status`, asking as the jobs feature does. */
  async function stateBecomes(runner: KubernetesJobRunner, r: JobRef, status: string) {
    let last = await runner.state(r);
    while (last.status !== status) {
      await new Promise(resolve => setTimeout(resolve, 50));
      last = await runner.state(r);
    }
    return last;
  }

  it('creates the Job, follows it through the watch to success, and copies the followed log', async () => {
    const { api, runner } = await setUp([
      'read-pod',
      'create-job',
      'list-jobs-empty',
      'list-pods-empty',
      'watch-jobs',
      'watch-pods',
      'read-job-new',
      'list-pods-j1-empty',
      'events-j1-none',
      'log-follow',
      'log-whole'
    ]);
    const r = ref('j1');
    expect(await runner.start(launch('j1'))).toEqual({ externalId: 'hs-j1' });

    const created = api.calls.find(c => c.pair === 'create-job')!;
    const recorded = pair('create-job').response.body as V1Job;
    // What we sent is what the cluster answered with, less the fields the API server fills in.
    const sent = created.body as V1Job;
    expect(recorded).toMatchObject(stripNulls(sent));
    expect(sent.spec!.template.spec!.volumes!.map(v => v.name)).toEqual(['volume-ada', 'dshm']);
    expect(api.calls.every(c => c.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(readFileSync(join(r.logDir, 'stderr.log'), 'utf8')).toBe('');

    await until(() => api.isOpen('watch-jobs') && api.isOpen('watch-pods'));
    api.send('watch-jobs'); // ADDED, no pods yet
    api.send('watch-jobs'); // active: 1
    api.send('watch-pods'); // ADDED, ContainerCreating
    expect(await stateBecomes(runner, r, 'starting')).toEqual({
      status: 'starting',
      reason: 'ContainerCreating'
    });

    api.send('watch-pods'); // running
    api.send('watch-jobs');
    const running = await stateBecomes(runner, r, 'running');
    expect(running.startedAt).toBe(Date.parse('2026-11-25T10:15:09Z'));

    await until(() => api.isOpen('log-follow'));
    api.send('log-follow');
    api.send('log-follow');
    const log = join(r.logDir, 'stdout.log');
    // What a reader of the file sees while the job runs.
    await until(() => readFileSync(log, 'utf8') === 'epoch 1/3 loss=0.912\nepoch 2/3 loss=0.407\n');

    api.send('watch-pods'); // terminated, exit 0
    api.send('watch-jobs'); // Complete
    api.send('log-follow'); // the last chunk; the stream ends with the container
    const done = await stateBecomes(runner, r, 'succeeded');
    expect(done).toEqual({
      status: 'succeeded',
      exitCode: 0,
      startedAt: Date.parse('2026-11-25T10:15:09Z'),
      finishedAt: Date.parse('2026-11-25T10:16:41Z')
    });
    expect(readFileSync(log, 'utf8')).toBe(
      'epoch 1/3 loss=0.912\nepoch 2/3 loss=0.407\nepoch 3/3 loss=0.233\nsaved model to /home/jovyan/work/model.pt\n'
    );
    expect(readFileSync(join(r.logDir, 'stderr.log'), 'utf8')).toBe('');

    const watches = api.calls.filter(c => c.query.watch === 'true');
    expect(watches.map(c => [c.path, c.query.labelSelector]).sort()).toEqual([
      [`/api/v1/namespaces/${NS}/pods`, 'app.kubernetes.io/managed-by=hotstepper'],
      [`/apis/batch/v1/namespaces/${NS}/jobs`, 'app.kubernetes.io/managed-by=hotstepper']
    ]);
    expect(api.count('read-pod')).toBe(1);
    expect(api.calls.filter(c => !c.pair)).toEqual([]);
  });

  /** A backend started again beside a finished job whose log it had partly copied. */
  async function restarted(withLog: boolean) {
    const finishedJob = (pair('watch-jobs').response.events as Array<{ object: V1Job }>)[3].object;
    const endedPod = (pair('watch-pods').response.events as Array<{ object: V1Pod }>)[2].object;
    const list = (kind: string, items: unknown[]) => ({
      kind,
      apiVersion: kind === 'JobList' ? 'batch/v1' : 'v1',
      metadata: { resourceVersion: '48230000' },
      items
    });
    const { api, runner } = await setUp(
      withLog ? ['watch-jobs', 'watch-pods', 'log-whole'] : ['watch-jobs', 'watch-pods']
    );
    // The same Job and pod from the watch's list, and from a direct read before it is synced.
    const jobs = pair('list-jobs-empty');
    jobs.response.body = list('JobList', [finishedJob]);
    const pods = pair('list-pods-empty');
    pods.response.body = list('PodList', [endedPod]);
    const readJob = pair('read-job-new');
    readJob.response.body = finishedJob;
    const podsOfJob = pair('list-pods-j1-empty');
    podsOfJob.response.body = list('PodList', [endedPod]);
    api.add(jobs, pods, readJob, podsOfJob);
    const r = { ...ref('j1'), logDir: join(dir, withLog ? 'j1-restart' : 'j1-nolog') };
    // What an earlier backend had copied before it stopped.
    mkdirSync(r.logDir, { recursive: true });
    writeFileSync(join(r.logDir, 'stdout.log'), 'epoch 1/3 loss=0.912\n');

    await runner.state(r);
    await until(() => api.isOpen('watch-jobs') && api.isOpen('watch-pods'));
    const done = await stateBecomes(runner, r, 'succeeded');
    return { api, done, log: readFileSync(join(r.logDir, 'stdout.log'), 'utf8') };
  }

  it('after a restart, rewrites stdout.log from the whole log of the pod', async () => {
    const { api, done, log } = await restarted(true);
    expect(done.exitCode).toBe(0);
    expect(log).toBe(
      'epoch 1/3 loss=0.912\nepoch 2/3 loss=0.407\nepoch 3/3 loss=0.233\nsaved model to /home/jovyan/work/model.pt\n'
    );
    expect(api.count('log-whole')).toBe(1);
    expect(api.calls.filter(c => !c.pair)).toEqual([]);
  });

  it('keeps what was copied when the pod’s log is gone (404)', async () => {
    const { api, done, log } = await restarted(false);
    expect(done.exitCode).toBe(0);
    expect(log).toBe('epoch 1/3 loss=0.912\n');
    expect(api.calls.filter(c => !c.pair).map(c => c.path)).toEqual([
      `/api/v1/namespaces/${NS}/pods/hs-j1-x7k2p/log`
    ]);
  });

  it('maps failed, timed-out, out-of-memory and waiting Jobs from the watched Jobs and pods', async () => {
    const { api, runner } = await setUp([
      'list-jobs-mixed',
      'list-pods-mixed',
      'watch-jobs-quiet',
      'watch-pods-quiet'
    ]);
    const logOf = (pod: string, text: string) => {
      const p = pair('log-whole');
      p.name = `log-${pod}`;
      p.request.path = `/api/v1/namespaces/${NS}/pods/${pod}/log`;
      p.response.chunks = [text];
      return p;
    };
    api.add(
      logOf(
        'hs-j7-m2v8d',
        'Traceback (most recent call last):\nValueError: no such column: "lr"\n'
      ),
      logOf('hs-j8-r5c1x', 'loading 48 GB of embeddings\n')
    );
    await runner.state(ref('j6')).catch(() => undefined);
    await until(() => api.isOpen('watch-jobs-quiet') && api.isOpen('watch-pods-quiet'));
    expect(await stateBecomes(runner, ref('j6'), 'timed-out')).toEqual({
      status: 'timed-out',
      reason: 'killed at the time limit',
      exitCode: null,
      finishedAt: Date.parse('2026-11-25T11:15:03Z')
    });
    const synced = api.calls.length;
    const failed = await stateBecomes(runner, ref('j7'), 'failed');
    expect(failed).toEqual({
      status: 'failed',
      reason: 'Job has reached the specified backoff limit',
      exitCode: 3,
      startedAt: Date.parse('2026-11-25T10:15:09Z'),
      finishedAt: Date.parse('2026-11-25T10:20:12Z')
    });
    expect(readFileSync(join(dir, 'j7', 'stdout.log'), 'utf8')).toMatch(/ValueError/);
    expect(await stateBecomes(runner, ref('j8'), 'failed')).toMatchObject({
      reason: 'out of memory: killed for using more than its memory limit (OOMKilled)',
      exitCode: 137
    });
    expect(await runner.state(ref('j9'))).toEqual({
      status: 'starting',
      reason: 'ImagePullBackOff: Back-off pulling image "cerit.io/jupyterhub/pytorch:2026-13"'
    });
    expect(await runner.state(ref('j10'))).toEqual({
      status: 'starting',
      reason: expect.stringMatching(
        /^Unschedulable: 0\/12 nodes are available: .*Insufficient nvidia.com\/gpu/
      )
    });
    // Once the watch is up, answered from it: no Job is read on its own.
    expect(api.calls.slice(synced).filter(c => /\/jobs\/hs-/.test(c.path))).toEqual([]);
  });

  it('offers the cluster’s GPU models, and none when it may not list nodes', async () => {
    const raw = (name: string) =>
      JSON.parse(readFileSync(fixture(`kubernetes/${name}.json`), 'utf8'));
    const answer = (
      name: string,
      path: string,
      query: Record<string, string>,
      status: number,
      body: unknown
    ) => ({
      name,
      request: { method: 'GET', path, query },
      response: { status, body }
    });
    const nodes = answer('nodes', '/api/v1/nodes', {}, 200, raw('nodes'));
    const pods = answer(
      'pods',
      '/api/v1/pods',
      { fieldSelector: 'status.phase=Running' },
      200,
      raw('pods-running')
    );
    const cluster = await setUp([]);
    cluster.api.add(nodes, pods);
    expect(await cluster.runner.gpuModels()).toEqual(['NVIDIA-A40', 'mig-1g.10gb']);

    const refused = await setUp([]);
    refused.api.add(answer('forbidden', '/api/v1/nodes', {}, 403, raw('forbidden-nodes')));
    expect(await refused.runner.gpuModels()).toEqual([]);
  });

  it('cancel deletes the running Job in the background and the job then shows cancelled', async () => {
    const { api, runner } = await setUp([
      'read-job-j2-running',
      'delete-job-j2',
      'list-jobs-empty',
      'list-pods-empty',
      'watch-jobs',
      'watch-pods'
    ]);
    const r = ref('j2');
    await runner.cancel(r);
    const del = api.calls.find(c => c.method === 'DELETE')!;
    expect(del).toMatchObject({
      pair: 'delete-job-j2',
      path: `/apis/batch/v1/namespaces/${NS}/jobs/hs-j2`,
      query: { propagationPolicy: 'Background' }
    });
    expect(await runner.state(r)).toEqual({
      status: 'cancelled',
      reason: 'cancelled',
      exitCode: null
    });

    // remove(): the Job is already gone, which is fine.
    api.add(pair('delete-job-j2-gone'));
    await expect(runner.remove(r)).resolves.toBeUndefined();
    expect(api.count('delete-job-j2-gone')).toBe(1);
  });

  it('does not cancel a Job that is already gone', async () => {
    const { api, runner } = await setUp(['read-job-j2-gone']);
    const gone = { ...ref('j2'), logDir: join(dir, 'j2-gone') };
    await runner.cancel(gone);
    expect(api.calls.map(c => c.method)).toEqual(['GET']);
    expect(existsSync(join(gone.logDir, 'cancelled'))).toBe(false);
  });

  it('shows a Job held by the quota as queued, with the reason from its newest FailedCreate event', async () => {
    const { api, runner } = await setUp(['read-job-j3', 'list-pods-j3-empty', 'events-j3-quota']);
    const state = await runner.state(ref('j3'));
    expect(state).toEqual({
      status: 'queued',
      reason:
        'waiting for quota: exceeded quota: jupyterhub-ada-quota, requested: requests.nvidia.com/gpu=1, ' +
        'used: requests.nvidia.com/gpu=1, limited: requests.nvidia.com/gpu=1'
    });
    const events = api.calls.find(c => c.pair === 'events-j3-quota')!;
    expect(events.query).toEqual({ fieldSelector: 'involvedObject.name=hs-j3' });
  });

  it('reads the namespace’s ResourceQuotas as the jobs quota', async () => {
    const { runner } = await setUp(['list-resourcequotas']);
    const quota = await runner.quota();
    expect(quota).toMatchObject({
      source: 'resourcequota',
      cpu: { used: 3.5, limit: 16 },
      memory: { used: 12 * 2 ** 30, limit: 64 * 2 ** 30 },
      gpu: { used: 1, limit: 1 }
    });
    expect(quota.note).toMatch(/jupyterhub-ada-quota, object-counts/);
    expect([...Value.Errors(JobQuota, quota)]).toEqual([]);
  });

  it('says there is no quota when the namespace has none', async () => {
    const { runner } = await setUp(['list-resourcequotas-none']);
    const quota = await runner.quota();
    expect(quota).toMatchObject({
      source: 'none',
      cpu: { limit: null },
      memory: { limit: null }
    });
    expect(quota.gpu).toBeUndefined();
    expect([...Value.Errors(JobQuota, quota)]).toEqual([]);
  });

  it('turns a 403 on create into a message naming the RBAC the service account needs, leaving nothing', async () => {
    const { runner } = await setUp(['read-pod', 'create-job-forbidden']);
    const err = await runner.start(launch('j4')).catch(e => e);
    expect(err).toBeInstanceOf(JobInputError);
    expect(err.message).toMatch(
      /^The notebook’s service account may not create jobs in namespace jupyterhub-ada-prod-ns: ask the admin for a Role .* create, get, list, watch and delete on jobs \(batch\)/
    );
    expect(err.message).toContain('cannot create resource \\"jobs\\"'.replace(/\\/g, ''));
    expect(existsSync(join(dir, 'j4'))).toBe(false);
  });

  it('passes on the API server’s 422 message', async () => {
    const { runner } = await setUp(['read-pod', 'create-job-invalid']);
    const err = await runner.start(launch('j5')).catch(e => e);
    expect(err).toBeInstanceOf(JobInputError);
    expect(err.message).toBe(
      'Kubernetes refused the job: Job.batch "hs-j1" is invalid: spec.template.spec.containers[0].image: ' +
        'Invalid value: " cerit.io/jupyterhub/scipy-notebook:2026-10": must not have leading or trailing whitespace'
    );
  });

  it('gives the notebook’s image as the default and says how limits are held', async () => {
    const { api, runner } = await setUp(['read-pod']);
    expect(await runner.defaultImage()).toBe('cerit.io/jupyterhub/minimal-notebook:2026-10');
    expect(await runner.defaultImage()).toBe('cerit.io/jupyterhub/minimal-notebook:2026-10');
    expect(api.count('read-pod')).toBe(1);
    expect(await runner.enforcement()).toEqual({
      enforcement: 'scheduler',
      note: 'Kubernetes holds each job to its requests = limits'
    });
  });
});

/** The manifest as JSON carries `undefined` fields as absent; compare only what was sent. */
function stripNulls<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}
