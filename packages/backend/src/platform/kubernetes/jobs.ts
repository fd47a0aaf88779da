import {
  createWriteStream,
  existsSync,
  type WriteStream,
  mkdirSync,
  truncateSync,
  writeFileSync
} from 'node:fs';
import { join } from 'node:path';
import type { JobQuota } from '@hotstepper/api';
import type {
  CoreV1Event,
  Informer,
  KubernetesObject,
  ObjectCache,
  V1Job,
  V1Pod,
  V1ResourceQuota
} from '@kubernetes/client-node';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config';
import {
  JobInputError,
  checkGpu,
  type JobLaunch,
  type JobRef,
  type JobRunner,
  type RunnerState
} from '../jobs';
import { apiError, type ClusterClients, type KubernetesCluster } from './cluster';
import { checkProgram } from '../programs';
import { ClusterGpuInventory } from './gpus';
import {
  CONTAINER,
  JOB_ID,
  MANAGED_SELECTOR,
  buildJobManifest,
  checkJobManifest,
  jobName,
  notebookPodFrom,
  parseQuantity,
  type NotebookPod
} from './jobs-manifest';

export interface KubernetesJobRunnerOptions {
  config: Config['jobs'];
  cluster: KubernetesCluster;
  /** The cluster's GPUs, shared with the platform; default: asked of `cluster`. */
  inventory?: Pick<ClusterGpuInventory, 'read'>;
  log?: FastifyBaseLogger;
  /**
   * A further check of every Job before it is sent; throwing refuses the job. The tests
   * put kubernetes-models' schema validation here (an ES module only for `import`, so it
   * is not loaded at run time, where `checkJobManifest` always runs).
   */
  validate?: (job: V1Job) => void;
  /** How long a finished job waits for the rest of its log before it is reported finished. */
  logGraceMs?: number;
  /** How long to wait before watching again after the watch failed. */
  rewatchMs?: number;
}

type Cache<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

/** One job's pod log being copied into stdout.log. */
interface Tail {
  pod: string;
  /** The container had ended when the copy began: the copy is then the whole log. */
  final: boolean;
  done: boolean;
  controller?: AbortController;
  out: WriteStream;
  /** The log could not be asked for. */
  failed?: boolean;
}

/** Why a Job has no pod: held by the namespace's quota (queued), or refused otherwise. */
interface PodHold {
  queued: boolean;
  reason: string;
}

const CANCELLED_MARKER = 'cancelled';
const RBAC =
  'ask the admin for a Role in this namespace allowing create, get, list, watch and delete on ' +
  'jobs (batch); get, list and watch on pods; get on pods/log; list on events and ' +
  'resourcequotas; and to bind it to the notebook’s service account';

const time = (value: Date | string | undefined): number | undefined =>
  value === undefined ? undefined : new Date(value).getTime();

/**
 * Jobs as batch/v1 Jobs in the notebook's own namespace, with the notebook pod's image,
 * volumes and user. Jobs and their pods are watched (one list + watch each, by our
 * managed-by label), so `state()` answers from memory; the pod log is followed into
 * `stdout.log` (Kubernetes merges stdout and stderr, so `stderr.log` stays empty).
 */
export class KubernetesJobRunner implements JobRunner {
  readonly name = 'kubernetes' as const;
  readonly namespace: string;
  private readonly cluster: KubernetesCluster;
  private caches?: { jobs: Cache<V1Job>; pods: Cache<V1Pod> };
  private synced = { jobs: false, pods: false };
  private watchErrors = { jobs: 0, pods: 0 };
  private timers = new Set<NodeJS.Timeout>();
  private tails = new Map<string, Tail>();
  private logDirs = new Map<string, string>();
  private finishedSeen = new Map<string, number>();
  private quotaEvents = new Map<string, { at: number; hold?: PodHold }>();
  private inventory?: Pick<ClusterGpuInventory, 'read'>;
  private closed = false;

  constructor(readonly options: KubernetesJobRunnerOptions) {
    this.cluster = options.cluster;
    this.namespace = options.cluster.namespace;
    this.inventory = options.inventory;
  }

  async enforcement(): Promise<{ enforcement: 'scheduler'; note: string }> {
    return {
      enforcement: 'scheduler',
      note: 'Kubernetes holds each job to its requests = limits'
    };
  }

  /**
   * A GPU model the cluster's nodes have, and, for a job in the notebook's own image, its
   * program as the notebook's PATH finds it (another image has programs of its own).
   */
  async check(launch: JobLaunch): Promise<void> {
    if (!launch.image) {
      const env = { ...process.env, ...this.cluster.env, ...launch.env };
      await checkProgram(launch.argv, launch.cwd, env.PATH ?? '');
    }
    checkGpu(launch.resources.gpu, launch.resources.gpu ? await this.gpuModels() : []);
  }

  async start(launch: JobLaunch): Promise<{ externalId: string }> {
    const api = await this.connect();
    const notebook = await this.notebookPod().catch(err => {
      if (launch.image) {
        // The job can still run, only without the notebook's volumes: say why in the log.
        this.options.log?.warn({ err: apiError(err).message }, 'notebook pod not readable');
        return { volumes: [], volumeMounts: [] } as NotebookPod;
      }
      throw err;
    });
    if (!launch.image && !notebook.image) {
      throw new JobInputError('image: the notebook pod names no image; give the job one');
    }
    const manifest = buildJobManifest(
      launch,
      notebook,
      this.options.config.kubernetes,
      this.namespace
    );
    const problems = checkJobManifest(manifest);
    try {
      this.options.validate?.(manifest);
    } catch (err) {
      problems.push((err as Error).message);
    }
    if (problems.length) {
      throw new JobInputError(`The Kubernetes Job would be refused: ${problems.join('; ')}`);
    }
    try {
      await api.batch.createNamespacedJob({ namespace: this.namespace, body: manifest });
    } catch (err) {
      // Ours from an earlier attempt of the same id: it is the job asked for.
      if (apiError(err).code !== 409) {
        throw this.refusal(err, 'create jobs');
      }
    }
    mkdirSync(launch.logDir, { recursive: true });
    writeFileSync(join(launch.logDir, 'stdout.log'), '');
    writeFileSync(join(launch.logDir, 'stderr.log'), '');
    this.logDirs.set(launch.id, launch.logDir);
    this.watch();
    return { externalId: manifest.metadata!.name! };
  }

  async state(ref: JobRef): Promise<RunnerState> {
    this.logDirs.set(ref.id, ref.logDir);
    const api = await this.connect();
    this.watch();
    if (existsSync(join(ref.logDir, CANCELLED_MARKER))) {
      this.stopTail(ref.id);
      return { status: 'cancelled', reason: 'cancelled', exitCode: null };
    }
    const name = jobName(ref.id);
    const job = await this.job(api, name);
    const pods = await this.pods(api, ref.id);
    if (!job) {
      this.stopTail(ref.id);
      return {
        status: 'failed',
        reason: `The Kubernetes Job ${name} is gone: it was deleted, or removed after it finished`,
        exitCode: null
      };
    }
    // The newest pod is the one that counts (backoffLimit 0: there is at most one).
    const pod = pods.sort(
      (a, b) =>
        (time(b.metadata?.creationTimestamp) ?? 0) - (time(a.metadata?.creationTimestamp) ?? 0)
    )[0];
    const container = pod?.status?.containerStatuses?.find(c => c.name === CONTAINER);
    const running = container?.state?.running;
    const terminated = container?.state?.terminated;
    if (pod && (running || terminated)) {
      this.follow(api, ref, pod.metadata!.name!, Boolean(terminated));
    }
    const startedAt = time(running?.startedAt ?? terminated?.startedAt);
    const finished = this.finished(job, terminated);
    if (finished) {
      if (pod && (running || terminated) && !this.logCopied(api, ref, pod.metadata!.name!)) {
        return { status: 'running', startedAt };
      }
      this.finishedSeen.delete(ref.id);
      this.quotaEvents.delete(name);
      return { ...finished, startedAt };
    }
    if (running || terminated) {
      return { status: 'running', startedAt };
    }
    if (pod) {
      return { status: 'starting', reason: pendingReason(pod) };
    }
    const hold = await this.podHold(api, name);
    return hold
      ? { status: hold.queued ? 'queued' : 'starting', reason: hold.reason }
      : { status: 'starting' };
  }

  async cancel(ref: JobRef): Promise<void> {
    const api = await this.connect();
    const name = jobName(ref.id);
    const job = await this.job(api, name);
    if (!job || this.finished(job, undefined)) {
      return;
    }
    mkdirSync(ref.logDir, { recursive: true });
    writeFileSync(join(ref.logDir, CANCELLED_MARKER), new Date().toISOString());
    await this.delete(api, name);
  }

  async remove(ref: JobRef): Promise<void> {
    const api = await this.connect();
    this.stopTail(ref.id);
    this.logDirs.delete(ref.id);
    this.finishedSeen.delete(ref.id);
    this.quotaEvents.delete(jobName(ref.id));
    await this.delete(api, jobName(ref.id));
  }

  /**
   * The namespace's ResourceQuotas against cpu, memory and GPUs: for each, the tightest
   * hard limit among `requests.*`, `limits.*` and the bare name (jobs ask requests = limits).
   * What is used counts every pod in the namespace, the notebook's own included.
   */
  async quota(): Promise<JobQuota> {
    let quotas: V1ResourceQuota[];
    try {
      const api = await this.connect();
      quotas = (await api.core.listNamespacedResourceQuota({ namespace: this.namespace })).items;
    } catch (err) {
      const { code, message } = apiError(err);
      return {
        ...this.unlimited(),
        note:
          code === 403
            ? `The notebook’s service account cannot read ResourceQuotas: ${RBAC}. (${message})`
            : `Could not read the namespace’s ResourceQuotas: ${message}`
      };
    }
    if (!quotas.length) {
      return { ...this.unlimited(), note: `No ResourceQuota in namespace ${this.namespace}` };
    }
    const gpu = this.options.config.kubernetes.gpuResource;
    const cpu = tightest(quotas, ['requests.cpu', 'limits.cpu', 'cpu']);
    const memory = tightest(quotas, ['requests.memory', 'limits.memory', 'memory']);
    const gpus = tightest(quotas, [`requests.${gpu}`, `limits.${gpu}`]);
    return {
      source: 'resourcequota',
      cpu,
      memory,
      ...(gpus.limit !== null ? { gpu: gpus } : {}),
      note:
        `ResourceQuota ${quotas.map(q => q.metadata?.name).join(', ')} in namespace ` +
        `${this.namespace}; it counts the notebook too`
    };
  }

  async gpuModels(): Promise<string[]> {
    this.inventory ??= new ClusterGpuInventory(this.cluster);
    return (await this.inventory.read()).models.map(m => m.model);
  }

  async defaultImage(): Promise<string | undefined> {
    try {
      return (await this.notebookPod()).image;
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers.clear();
    for (const id of [...this.tails.keys()]) {
      this.stopTail(id);
    }
    if (this.caches) {
      await Promise.all([this.caches.jobs.stop(), this.caches.pods.stop()]);
    }
  }

  /** The cluster's clients; the namespace must be known first. */
  private connect(): Promise<ClusterClients> {
    if (!this.namespace) {
      return Promise.reject(
        new Error('The notebook’s namespace is unknown: set POD_NAMESPACE or run in a pod')
      );
    }
    return this.cluster.clients();
  }

  /** The notebook's own pod (the cluster reads it once), as a job takes after it. */
  private async notebookPod(): Promise<NotebookPod> {
    if (!this.cluster.podName) {
      throw new JobInputError('image: HOSTNAME is unset, so the notebook pod is unknown');
    }
    await this.connect();
    try {
      return notebookPodFrom(await this.cluster.notebookPod(), this.cluster.env);
    } catch (err) {
      throw this.refusal(err, 'read its own pod');
    }
  }

  /** Starts watching our Jobs and their pods, once; a failed watch starts again later. */
  private watch(): void {
    if (this.caches || this.closed) {
      return;
    }
    void this.connect().then(api => {
      if (this.caches || this.closed) {
        return;
      }
      const { k8s, kc, batch, core } = api;
      const namespace = this.namespace;
      const labelSelector = MANAGED_SELECTOR;
      const jobs = k8s.makeInformer<V1Job>(
        kc,
        `/apis/batch/v1/namespaces/${namespace}/jobs`,
        () => batch.listNamespacedJob({ namespace, labelSelector }),
        labelSelector
      );
      const pods = k8s.makeInformer<V1Pod>(
        kc,
        `/api/v1/namespaces/${namespace}/pods`,
        () => core.listNamespacedPod({ namespace, labelSelector }),
        labelSelector
      );
      this.caches = { jobs, pods };
      const keep = (which: 'jobs' | 'pods', informer: Cache<KubernetesObject>) => {
        informer.on('error', err => {
          this.synced[which] = false;
          this.watchErrors[which] += 1;
          this.options.log?.warn({ err: apiError(err).message }, `watching ${which} failed`);
          this.later(() => this.startWatch(which, informer), this.options.rewatchMs ?? 5000);
        });
        this.startWatch(which, informer);
      };
      keep('jobs', jobs);
      keep('pods', pods);
      pods.on('update', pod => this.podChanged(api, pod));
      pods.on('add', pod => this.podChanged(api, pod));
    });
  }

  private startWatch(which: 'jobs' | 'pods', informer: Cache<KubernetesObject>): void {
    if (this.closed) {
      return;
    }
    const errors = this.watchErrors[which];
    informer.start().then(
      () => {
        // start() also resolves after a failed list: the error handler ran then.
        this.synced[which] = this.watchErrors[which] === errors && !this.closed;
      },
      () => undefined
    );
  }

  /** A pod of ours began or ended: copy its log without waiting to be asked. */
  private podChanged(api: ClusterClients, pod: V1Pod): void {
    const id = pod.metadata?.labels?.[JOB_ID];
    const logDir = id && this.logDirs.get(id);
    const state = pod.status?.containerStatuses?.find(c => c.name === CONTAINER)?.state;
    if (id && logDir && (state?.running || state?.terminated)) {
      this.follow(
        api,
        { id, logDir, externalId: jobName(id) },
        pod.metadata!.name!,
        Boolean(state.terminated)
      );
    }
  }

  private later(fn: () => void, ms: number): void {
    if (this.closed) {
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  /** The Job from the watch, else from the API; undefined when it no longer exists. */
  private async job(api: ClusterClients, name: string): Promise<V1Job | undefined> {
    // A Job the watch does not know yet may be one just created: ask the API.
    const cached = this.synced.jobs ? this.caches?.jobs.get(name, this.namespace) : undefined;
    if (cached) {
      return cached;
    }
    try {
      return await api.batch.readNamespacedJob({ name, namespace: this.namespace });
    } catch (err) {
      if (apiError(err).code === 404) {
        return undefined;
      }
      throw this.refusal(err, 'read jobs');
    }
  }

  private async pods(api: ClusterClients, id: string): Promise<V1Pod[]> {
    if (this.caches && this.synced.pods) {
      return this.caches.pods.list(this.namespace).filter(p => p.metadata?.labels?.[JOB_ID] === id);
    }
    try {
      return (
        await api.core.listNamespacedPod({
          namespace: this.namespace,
          labelSelector: `${JOB_ID}=${id}`
        })
      ).items;
    } catch (err) {
      throw this.refusal(err, 'list pods');
    }
  }

  /** Succeeded, failed or timed out, from the Job's conditions; undefined while it runs. */
  private finished(
    job: V1Job,
    terminated: { exitCode: number; reason?: string; message?: string } | undefined
  ): RunnerState | undefined {
    const conditions = job.status?.conditions ?? [];
    const complete = conditions.find(c => c.type === 'Complete' && c.status === 'True');
    if (complete) {
      return {
        status: 'succeeded',
        exitCode: terminated?.exitCode ?? 0,
        finishedAt: time(job.status?.completionTime ?? complete.lastTransitionTime)
      };
    }
    const failed = conditions.find(c => c.type === 'Failed' && c.status === 'True');
    if (!failed) {
      return undefined;
    }
    const finishedAt = time(failed.lastTransitionTime);
    if (failed.reason === 'DeadlineExceeded') {
      return {
        status: 'timed-out',
        reason: 'killed at the time limit',
        exitCode: terminated?.exitCode ?? null,
        finishedAt
      };
    }
    const reason =
      terminated?.reason === 'OOMKilled'
        ? 'out of memory: killed for using more than its memory limit (OOMKilled)'
        : terminated?.message || failed.message || failed.reason || 'failed';
    return { status: 'failed', reason, exitCode: terminated?.exitCode ?? null, finishedAt };
  }

  /**
   * Whether the log of a container that ran is copied whole: a job is shown finished only
   * then (or after a grace), so a reader that stops at "finished" misses nothing.
   */
  private logCopied(api: ClusterClients, ref: JobRef, pod: string): boolean {
    const tail = this.tails.get(ref.id);
    if (tail?.done) {
      return true;
    }
    const now = Date.now();
    const seen = this.finishedSeen.get(ref.id) ?? now;
    this.finishedSeen.set(ref.id, seen);
    if (now - seen <= (this.options.logGraceMs ?? 10_000)) {
      return false;
    }
    if (tail && !tail.final) {
      // A followed stream that never ended (a dropped connection): read the log whole once more.
      this.stopTail(ref.id);
      this.follow(api, ref, pod, true);
      this.finishedSeen.set(ref.id, now);
      return false;
    }
    return true;
  }

  /**
   * Copies the pod's log into stdout.log while it runs. Each copy starts at the log's
   * beginning and overwrites the file in place (after a restart, or a dropped stream),
   * so a reader at any offset never sees the file shrink or repeat.
   */
  private follow(api: ClusterClients, ref: JobRef, pod: string, ended: boolean): void {
    const current = this.tails.get(ref.id);
    // One copy at a time; a running container's stream ends by itself when it ends.
    if (this.closed || (current && current.pod === pod)) {
      return;
    }
    if (current) {
      this.stopTail(ref.id);
    }
    const path = join(ref.logDir, 'stdout.log');
    mkdirSync(ref.logDir, { recursive: true });
    const out = createWriteStream(path, { flags: existsSync(path) ? 'r+' : 'w', start: 0 });
    const tail: Tail = { pod, final: ended, done: false, out };
    this.tails.set(ref.id, tail);
    const retry = () => {
      if (this.tails.get(ref.id) === tail) {
        this.tails.delete(ref.id);
      }
    };
    out.on('error', err => {
      this.options.log?.warn({ err: err.message, job: ref.id }, 'cannot write the job log');
      retry();
    });
    out.on('close', () => {
      if (this.tails.get(ref.id) !== tail || tail.failed) {
        return;
      }
      if (tail.final) {
        // The whole log of an ended container: nothing may stay from a longer earlier copy.
        truncateSync(path, out.bytesWritten);
        tail.done = true;
      } else if (this.containerEnded(pod)) {
        // The stream ended with the container: read it whole once, in case it was cut short.
        retry();
        this.follow(api, ref, pod, true);
      } else {
        this.later(retry, 1000);
      }
    });
    new api.k8s.Log(api.kc)
      .log(this.namespace, pod, CONTAINER, out, { follow: true })
      .then(controller => (tail.controller = controller))
      .catch(err => {
        // Nothing was copied: the file keeps what an earlier copy wrote.
        tail.failed = true;
        out.destroy();
        const { code } = apiError(err);
        // The pod is gone (cancelled, or removed after it finished): the copy is what there is.
        if (code === 404 && this.tails.get(ref.id) === tail) {
          tail.done = true;
        } else {
          this.later(retry, 2000);
        }
      });
  }

  private containerEnded(pod: string): boolean {
    const cached = this.caches?.pods.get(pod, this.namespace);
    return Boolean(
      cached?.status?.containerStatuses?.find(c => c.name === CONTAINER)?.state?.terminated
    );
  }

  private stopTail(id: string): void {
    const tail = this.tails.get(id);
    tail?.controller?.abort();
    tail?.out.destroy();
    this.tails.delete(id);
  }

  /**
   * Why a Job without pods waits: its newest FailedCreate event (the namespace's quota,
   * or another refusal). Asked at most every 5 s per job.
   */
  private async podHold(api: ClusterClients, name: string): Promise<PodHold | undefined> {
    const cached = this.quotaEvents.get(name);
    if (cached && Date.now() - cached.at < 5000) {
      return cached.hold;
    }
    let events: CoreV1Event[];
    try {
      events = (
        await api.core.listNamespacedEvent({
          namespace: this.namespace,
          fieldSelector: `involvedObject.name=${name}`
        })
      ).items;
    } catch (err) {
      this.options.log?.warn({ err: apiError(err).message }, 'cannot read job events');
      return cached?.hold;
    }
    const newest = events
      .filter(e => e.reason === 'FailedCreate')
      .sort((a, b) => eventTime(b) - eventTime(a))[0];
    const message = newest?.message ?? '';
    const at = message.indexOf('exceeded quota');
    // Anything else that refuses the pod (a LimitRange, an admission policy) is said as it is.
    const hold: PodHold | undefined = !newest
      ? undefined
      : at >= 0
        ? { queued: true, reason: `waiting for quota: ${message.slice(at)}` }
        : { queued: false, reason: `the pod cannot be created: ${message}` };
    this.quotaEvents.set(name, { at: Date.now(), hold });
    return hold;
  }

  private async delete(api: ClusterClients, name: string): Promise<void> {
    try {
      await api.batch.deleteNamespacedJob({
        name,
        namespace: this.namespace,
        propagationPolicy: 'Background'
      });
    } catch (err) {
      if (apiError(err).code !== 404) {
        throw this.refusal(err, 'delete jobs');
      }
    }
  }

  /** What used = requests of our unfinished pods, with no limit: the namespace has no quota. */
  private unlimited(): JobQuota {
    const pods = this.caches?.pods.list(this.namespace) ?? [];
    let cpu = 0;
    let memory = 0;
    for (const pod of pods) {
      if (pod.status?.phase !== 'Pending' && pod.status?.phase !== 'Running') {
        continue;
      }
      for (const c of pod.spec?.containers ?? []) {
        cpu += parseQuantity(c.resources?.requests?.cpu) ?? 0;
        memory += parseQuantity(c.resources?.requests?.memory) ?? 0;
      }
    }
    return {
      source: 'none',
      cpu: { used: cpu, limit: null },
      memory: { used: memory, limit: null }
    };
  }

  /** An API refusal as an error a person can act on. */
  private refusal(err: unknown, what: string): Error {
    if (err instanceof JobInputError) {
      return err;
    }
    const { code, message } = apiError(err);
    if (code === 403) {
      return new JobInputError(
        `The notebook’s service account may not ${what} in namespace ${this.namespace}: ${RBAC}. (${message})`
      );
    }
    if (code === 422) {
      return new JobInputError(`Kubernetes refused the job: ${message}`);
    }
    return new Error(`Kubernetes API (${what}): ${message}`);
  }
}

/** The pod's reason for not running yet: a waiting container's, else the scheduler's. */
function pendingReason(pod: V1Pod): string | undefined {
  const waiting = pod.status?.containerStatuses?.find(c => c.name === CONTAINER)?.state?.waiting;
  if (waiting?.reason) {
    return waiting.message ? `${waiting.reason}: ${waiting.message}` : waiting.reason;
  }
  const scheduled = pod.status?.conditions?.find(c => c.type === 'PodScheduled');
  if (scheduled?.status === 'False') {
    return [scheduled.reason, scheduled.message].filter(Boolean).join(': ') || undefined;
  }
  return undefined;
}

function eventTime(event: CoreV1Event): number {
  return time(event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp) ?? 0;
}

/** Among the quotas and keys given, the one with the smallest hard limit; null when none sets one. */
function tightest(
  quotas: V1ResourceQuota[],
  keys: string[]
): { used: number; limit: number | null } {
  let best: { used: number; limit: number | null } = { used: 0, limit: null };
  for (const quota of quotas) {
    const hard = quota.status?.hard ?? quota.spec?.hard ?? {};
    const used = quota.status?.used ?? {};
    for (const key of keys) {
      const limit = parseQuantity(hard[key]);
      if (limit !== undefined && (best.limit === null || limit < best.limit)) {
        best = { used: parseQuantity(used[key]) ?? 0, limit };
      }
    }
  }
  return best;
}
