/**
 * The jobs feature's state: every job is a row in SQLite before its runner hears of it, a
 * monitor asks the runner about active jobs every second, and the local quota admits queued
 * jobs in submission order. Jobs outlive the backend: a new one reads the active rows and
 * carries on watching them.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { readFile, realpath, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  FINISHED_JOB_STATUSES,
  JobListQuery,
  type Job,
  type JobList,
  type JobStatus,
  JobSubmit,
  type JobsInfo
} from '@hotstepper/api';
import { Value } from '@sinclair/typebox/value';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config';
import {
  JobInputError,
  type JobAdapters,
  type JobAdmission,
  type JobLaunch,
  type JobRef,
  type JobRunner,
  type RunnerState
} from '../../platform/jobs';
import { HttpError, allowed } from '../../errors';
import type { Store } from '../../store';
import { hourlyRate } from '../../pricing';
import { redactArgv, redactEnv } from '../../redact';
import { logFile } from './logs';
import { notebookFailure } from './notebook';
import {
  confine,
  confineAtLaunch,
  defaultsOf,
  presetsOf,
  probePapermill,
  resolveJob
} from './resolve';
import { JobTable, type JobRow, type JobUpdate } from './table';

const DAY_MS = 24 * 3600_000;
const ACTIVE: readonly JobStatus[] = ['queued', 'starting', 'running'];
const PAPERMILL_TIMED_OUT =
  'could not check papermill (timed out); it is asked again at the next request';

export const isFinished = (status: JobStatus) => FINISHED_JOB_STATUSES.includes(status);

/** "j" + base36 milliseconds + random: sortable by eye, at most 20 characters. */
export function newJobId(now = Date.now()): string {
  const random = BigInt('0x' + randomBytes(6).toString('hex'))
    .toString(36)
    .padStart(6, '0');
  return `j${now.toString(36)}${random.slice(-6)}`;
}

export interface JobServiceOptions {
  config: Config;
  store: Store;
  jobs: JobAdapters;
  /** Absolute: job files live in `<dataDir>/jobs/<id>/`. */
  dataDir: string;
  /** Absolute: the Jupyter server's root; job paths are relative to it and confined to it. */
  rootDir: string;
  /** HOTSTEPPER_PYTHON and PATH are read from here; default: process.env. */
  env?: NodeJS.ProcessEnv;
  log?: FastifyBaseLogger;
  /** How often active jobs are asked about; default 1 s. */
  monitorMs?: number;
  /** How long `import papermill` may take before the probe says it could not tell; 20 s. */
  papermillTimeoutMs?: number;
}

export class JobService extends EventEmitter<{ job: [Job]; deleted: [{ id: string }] }> {
  readonly table: JobTable;
  private readonly env: NodeJS.ProcessEnv;
  private timer?: NodeJS.Timeout;
  private retention?: NodeJS.Timeout;
  private lock: Promise<unknown> = Promise.resolve();
  private ticking = false;
  private stopped = false;
  private papermill?: Promise<'yes' | 'no' | 'timed out'>;
  /** Stops the papermill probe when the backend stops first. */
  private readonly aborts = new AbortController();
  private readonly runner: JobRunner;
  private readonly admission: JobAdmission;

  constructor(private readonly options: JobServiceOptions) {
    super();
    this.setMaxListeners(0);
    this.table = new JobTable(options.store.db);
    this.env = options.env ?? process.env;
    ({ runner: this.runner, admission: this.admission } = options.jobs);
  }

  get python(): string {
    return this.env.HOTSTEPPER_PYTHON || 'python3';
  }

  logDir(id: string): string {
    return join(this.options.dataDir, 'jobs', id);
  }

  /** Resumes watching the jobs a previous backend left, and starts the daily clean-up. */
  async start(): Promise<void> {
    // Importing papermill takes seconds: learn it now, not while someone waits on a submit.
    void this.probePapermill();
    await this.expire().catch(err => this.options.log?.warn({ err }, 'job retention failed'));
    await this.exclusive(() => this.recover()).catch(err =>
      this.options.log?.warn({ err }, 'could not recover the jobs a previous backend was starting')
    );
    this.retention = setInterval(() => void this.expire().catch(() => undefined), DAY_MS);
    this.retention.unref();
    this.timer = setInterval(() => void this.tick(), this.options.monitorMs ?? 1000);
    this.timer.unref();
    void this.tick();
  }

  /** Stops watching; the jobs keep running. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.aborts.abort();
    clearInterval(this.timer);
    clearInterval(this.retention);
    await this.lock.catch(() => undefined);
  }

  /** Runs `fn` after every other change has finished: one change at a time. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Learnt once; a probe that timed out is no answer: the next call asks again. */
  probePapermill(): Promise<'yes' | 'no' | 'timed out'> {
    if (!this.papermill) {
      const probe = probePapermill(
        this.python,
        this.aborts.signal,
        this.options.papermillTimeoutMs
      );
      this.papermill = probe;
      void probe.then(answer => {
        if (answer === 'timed out' && this.papermill === probe) {
          this.papermill = undefined;
        }
      });
    }
    return this.papermill;
  }

  async hasPapermill(): Promise<boolean> {
    const answer = await this.probePapermill();
    if (answer === 'timed out') {
      throw new HttpError(503, PAPERMILL_TIMED_OUT);
    }
    return answer === 'yes';
  }

  private async rootDir(): Promise<string> {
    try {
      return await realpath(this.options.rootDir);
    } catch {
      return resolve(this.options.rootDir);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Reading.

  /** A row as the wire shows it, with its cost so far. */
  view(row: JobRow, now = Date.now()): Job {
    const { spec, extra } = row;
    const iso = (t: number | null) => (t === null ? undefined : new Date(t).toISOString());
    const job: Job = {
      id: row.id,
      name: row.name,
      kind: row.kind,
      runner: row.runner,
      status: row.status,
      ...(row.reason ? { reason: row.reason } : {}),
      ...(row.exitCode !== null || isFinished(row.status) ? { exitCode: row.exitCode } : {}),
      argv: redactArgv(spec.argv),
      cwd: spec.cwd,
      ...(spec.file !== undefined ? { file: spec.file } : {}),
      env: redactEnv(spec.env),
      ...(spec.parameters ? { parameters: spec.parameters } : {}),
      ...(spec.preset ? { preset: spec.preset } : {}),
      resources: spec.resources,
      ...(spec.timeLimitSeconds ? { timeLimitSeconds: spec.timeLimitSeconds } : {}),
      ...(spec.image ? { image: spec.image } : {}),
      enforcement: extra.enforcement,
      ...(row.externalId ? { externalId: row.externalId } : {}),
      ...(spec.output ? { output: spec.output } : {}),
      ...(extra.failure ? { failure: extra.failure } : {}),
      createdAt: iso(row.createdAt)!,
      ...(row.startedAt !== null ? { startedAt: iso(row.startedAt) } : {}),
      ...(row.finishedAt !== null ? { finishedAt: iso(row.finishedAt) } : {})
    };
    if (row.startedAt !== null) {
      const hours = Math.max(0, (row.finishedAt ?? now) - row.startedAt) / 3600_000;
      const prices = this.options.config.prices;
      const rate = hourlyRate(spec.resources, prices);
      job.cost = { amount: rate * hours, currency: prices.currency, estimate: true };
    }
    return job;
  }

  get(id: string): Job | undefined {
    const row = this.table.get(id);
    return row && this.view(row);
  }

  /** The job, or a 404 naming the id. */
  job(id: string): Job {
    return this.view(this.row(id));
  }

  /** The row, or a 404 naming the id. */
  private row(id: string): JobRow {
    const row = this.table.get(id);
    if (!row) {
      throw new HttpError(404, `There is no job ${id}; it may have been deleted`);
    }
    return row;
  }

  list(query: JobListQuery): JobList {
    let statuses: JobStatus[] | undefined;
    if (query.status) {
      const asked = query.status.split(',').map(s => s.trim()) as JobStatus[];
      const known = [...ACTIVE, ...FINISHED_JOB_STATUSES];
      const unknown = asked.filter(s => !known.includes(s));
      if (unknown.length) {
        throw new HttpError(
          400,
          `status: unknown status ${unknown.join(', ')}; the statuses are ${known.join(', ')}`
        );
      }
      statuses = asked;
    }
    const counts = this.table.counts();
    const total = statuses
      ? statuses.reduce((sum, s) => sum + (counts[s] ?? 0), 0)
      : Object.values(counts).reduce((sum, n) => sum + n, 0);
    // The schema bounds both, but fastify's coercion lets "1e400" through as Infinity.
    for (const field of ['limit', 'offset'] as const) {
      const value = query[field];
      if (value !== undefined && !Number.isSafeInteger(value)) {
        throw new HttpError(
          400,
          `"${field}" is ${value}; it must be ${allowed(JobListQuery.properties[field])}`
        );
      }
    }
    const now = Date.now();
    const rows = this.table.list(statuses, query.limit ?? 100, query.offset ?? 0);
    return { jobs: rows.map(r => this.view(r, now)), total, counts };
  }

  async info(): Promise<JobsInfo> {
    const { runner, admission } = this;
    const { config } = this.options;
    const [{ enforcement, note }, gpuModels, papermill, quota, ceiling, image] = await Promise.all([
      runner.enforcement(),
      runner.gpuModels(),
      this.probePapermill(),
      admission.quota(this.taken()),
      admission.ceiling(),
      runner.defaultImage?.()
    ]);
    return {
      runner: runner.name,
      enforcement,
      enforcementNote: note,
      presets: presetsOf(config.jobs),
      defaults: {
        ...defaultsOf(config.jobs, ceiling),
        ...(image ? { image } : {})
      },
      maxTimeLimitSeconds: config.jobs.maxTimeLimitMinutes * 60,
      gpuModels,
      papermill: papermill === 'yes',
      ...(papermill === 'timed out' ? { papermillNote: PAPERMILL_TIMED_OUT } : {}),
      quota
    };
  }

  /** What the active jobs that hold resources take: all but those still waiting to start. */
  private taken(active = this.table.activeJobs()) {
    return active
      .filter(j => j.externalId !== null || j.status !== 'queued')
      .map(j => j.spec.resources);
  }

  // -------------------------------------------------------------------------------------------
  // Changing.

  private changed(id: string): void {
    const row = this.table.get(id);
    if (row) {
      this.emit('job', this.view(row));
    }
  }

  private update(row: JobRow, update: JobUpdate): void {
    this.table.update(row.id, update);
    this.changed(row.id);
  }

  private ref(row: JobRow): JobRef {
    return { id: row.id, externalId: row.externalId ?? '', logDir: this.logDir(row.id) };
  }

  /** Starts a recorded job, its paths confined again: they may have changed while it waited. */
  private async launch(row: JobRow): Promise<string> {
    const root = await this.rootDir();
    const cwd = await confineAtLaunch(root, row.spec);
    if (row.spec.outputTemp) {
      // Whatever is at the job's own scratch name (a planted link) goes, never written through.
      await rm(join(root, row.spec.outputTemp), { force: true });
    }
    const launch = { ...(await this.launchOf(row.id, row.name, row.spec)), cwd };
    const { externalId } = await this.runner.start(launch);
    return externalId;
  }

  /** The executed notebook, renamed from its scratch name over `output` (a link is replaced). */
  private async publishOutput(spec: JobRow['spec']): Promise<void> {
    if (!spec.output || !spec.outputTemp) {
      return;
    }
    const root = await this.rootDir();
    // Only while its folder is still inside the root.
    const folder = await confine(root, dirname(spec.output), 'output').catch(() => undefined);
    if (folder) {
      await rename(
        join(folder, basename(spec.outputTemp)),
        join(folder, basename(spec.output))
      ).catch(
        () => undefined // not written: the job failed before, or nbconvert wrote nothing
      );
    }
  }

  /** What the runner is handed for a job: its spec with absolute paths. */
  private async launchOf(id: string, name: string, spec: JobRow['spec']): Promise<JobLaunch> {
    return {
      id,
      name,
      argv: spec.argv,
      cwd: join(await this.rootDir(), spec.cwd),
      env: spec.env,
      resources: spec.resources,
      ...(spec.timeLimitSeconds ? { timeLimitSeconds: spec.timeLimitSeconds } : {}),
      logDir: this.logDir(id),
      ...(spec.image ? { image: spec.image } : {})
    };
  }

  /**
   * Validates, records and starts (or queues) a job. A repeated idempotency key answers the
   * first job (`created: false`). A refusal leaves neither a row nor a directory behind.
   */
  async submit(body: JobSubmit): Promise<{ job: Job; created: boolean }> {
    const { runner, admission } = this;
    const first = body.idempotencyKey && this.table.byIdempotencyKey(body.idempotencyKey);
    if (first) {
      return { job: this.view(first), created: false };
    }
    const [papermill, { enforcement }, rootDir, ceiling] = await Promise.all([
      body.kind === 'notebook' ? this.hasPapermill() : Promise.resolve(false),
      runner.enforcement(),
      this.rootDir(),
      admission.ceiling()
    ]);
    const resolved = await resolveJob(body, {
      quota: ceiling,
      config: this.options.config.jobs,
      rootDir,
      python: this.python,
      papermill
    });
    const resources = resolved.spec.resources;
    const id = newJobId();
    // What depends on where the job runs, asked of the runner once, before anything is written.
    await runner.check(await this.launchOf(id, body.name, resolved.spec));
    await admission.refuse(resources);

    return this.exclusive(async () => {
      const again = body.idempotencyKey && this.table.byIdempotencyKey(body.idempotencyKey);
      if (again) {
        return { job: this.view(again), created: false };
      }
      const active = this.table.activeJobs();
      const ahead = active.filter(j => j.status === 'queued' && j.externalId === null).length;
      const reason =
        (await admission.wait(resources, this.taken(active))) ??
        (ahead ? `waiting for ${ahead} job${ahead > 1 ? 's' : ''} queued before it` : undefined);

      const logDir = this.logDir(id);
      // One step: the row and its directory exist together or not at all.
      this.options.store.db.transaction(() => {
        this.table.insert({
          id,
          name: body.name,
          kind: body.kind,
          runner: runner.name,
          status: reason ? 'queued' : 'starting',
          reason: reason ?? null,
          spec: resolved.spec,
          idempotencyKey: body.idempotencyKey ?? null,
          createdAt: Date.now(),
          extra: { enforcement }
        });
        mkdirSync(logDir, { recursive: true, mode: 0o700 });
      })();

      if (!reason) {
        const row = this.table.get(id)!;
        try {
          const externalId = await this.launch(row);
          this.table.update(id, { externalId });
          this.soon();
        } catch (err) {
          this.table.delete(id);
          await rm(logDir, { recursive: true, force: true });
          if (err instanceof JobInputError) {
            throw err;
          }
          this.options.log?.error({ err, job: id }, 'the job runner could not start a job');
          throw new HttpError(
            500,
            `The job could not be started: ${err instanceof Error ? err.message : String(err)}`
          );
        }
      }
      this.changed(id);
      return { job: this.view(this.table.get(id)!), created: true };
    });
  }

  /**
   * A new job with the same request as `id`. The stored request is checked against today's
   * schema first: a row stored before a rule was added (an env name "A=B", a cpu of 1e-300)
   * must not run again unchecked.
   */
  async rerun(id: string): Promise<Job> {
    const row = this.row(id);
    const error = Value.Errors(JobSubmit, row.spec.submit).First();
    if (error) {
      const where = error.path ? `"${error.path.slice(1).replace(/\//g, '.')}": ` : '';
      throw new HttpError(
        400,
        `This job's stored request no longer passes today's rules: ${where}${error.message}`
      );
    }
    const { job } = await this.submit(row.spec.submit);
    return job;
  }

  async cancel(id: string): Promise<Job> {
    const job = await this.exclusive(async () => {
      const row = this.row(id);
      if (isFinished(row.status)) {
        throw new HttpError(409, `Job ${id} has already finished (${row.status})`);
      }
      if (row.externalId === null) {
        this.update(row, {
          status: 'cancelled',
          reason: 'cancelled before it started',
          finishedAt: Date.now()
        });
      } else {
        await this.runner.cancel(this.ref(row));
        await this.apply(row, await this.runner.state(this.ref(row)));
      }
      return this.view(this.table.get(id)!);
    });
    void this.admitNow();
    return job;
  }

  /** Deletes a finished job: its row, its log directory and what its runner keeps. */
  async remove(id: string): Promise<void> {
    await this.exclusive(async () => {
      const row = this.row(id);
      if (!isFinished(row.status)) {
        throw new HttpError(
          409,
          `Job ${id} is ${row.status}; cancel it first, then delete it once it has stopped`
        );
      }
      await this.forget(row);
    });
  }

  private async forget(row: JobRow): Promise<void> {
    this.table.delete(row.id);
    await rm(this.logDir(row.id), { recursive: true, force: true });
    if (row.externalId !== null) {
      await this.runner
        .remove(this.ref(row))
        .catch(err => this.options.log?.warn({ err, job: row.id }, 'the runner kept a job'));
    }
    this.emit('deleted', { id: row.id });
  }

  /** Forgets finished jobs older than `jobs.retentionDays`. */
  async expire(now = Date.now()): Promise<number> {
    return this.exclusive(async () => {
      const old = this.table.finishedBefore(now - this.options.config.jobs.retentionDays * DAY_MS);
      for (const row of old) {
        await this.forget(row);
      }
      return old.length;
    });
  }

  // -------------------------------------------------------------------------------------------
  // Watching.

  /** Records what the runner says of a job; a failed notebook gets its failing cell. */
  private async apply(row: JobRow, state: RunnerState): Promise<void> {
    const update: JobUpdate = {};
    if (state.status !== row.status) {
      update.status = state.status;
    }
    const reason = state.reason ?? null;
    if (reason !== row.reason) {
      update.reason = reason;
    }
    if (state.exitCode !== undefined && state.exitCode !== row.exitCode) {
      update.exitCode = state.exitCode;
    }
    const startedAt =
      state.startedAt ??
      (state.status !== 'queued' && state.status !== 'starting' ? Date.now() : undefined);
    if (row.startedAt === null && startedAt !== undefined && state.status !== 'queued') {
      update.startedAt = startedAt;
    }
    if (isFinished(state.status) && row.finishedAt === null) {
      update.finishedAt = state.finishedAt ?? Date.now();
      await this.publishOutput(row.spec);
      if (row.kind === 'notebook' && state.status === 'failed' && row.spec.file) {
        const root = await this.rootDir();
        const stderr = await readFile(logFile(this.logDir(row.id), 'stderr'), 'utf8').catch(
          () => ''
        );
        const failure = await notebookFailure(
          join(root, row.spec.file),
          join(root, row.spec.output ?? ''),
          stderr
        );
        if (failure) {
          update.extra = { ...row.extra, failure };
        }
      }
    }
    if (Object.keys(update).length) {
      this.update(row, update);
    }
  }

  /**
   * Rows a killed backend left "starting" without the runner's id: it died between handing
   * the job over and recording the answer. The runner finds what became of each; one that
   * surely never started goes back to the head of the queue.
   */
  private async recover(): Promise<void> {
    for (const row of this.table.activeJobs()) {
      if (row.status !== 'starting' || row.externalId !== null) {
        continue;
      }
      if (!this.runner.adopt) {
        this.update(row, {
          status: 'failed',
          reason:
            `the backend stopped while handing it to ${this.runner.name}; ` +
            'it may have started there all the same',
          finishedAt: Date.now()
        });
        continue;
      }
      const adopted = await this.runner.adopt({ id: row.id, logDir: this.logDir(row.id) });
      this.update(row, adopted ? { externalId: adopted.externalId } : { status: 'queued' });
    }
  }

  /** One round of the monitor: every started active job's state, then admission. */
  async tick(): Promise<void> {
    if (this.ticking || this.stopped) {
      return;
    }
    this.ticking = true;
    try {
      await this.exclusive(async () => {
        for (const row of this.table.activeJobs()) {
          if (row.externalId === null || this.stopped) {
            continue;
          }
          try {
            await this.apply(row, await this.runner.state(this.ref(row)));
          } catch (err) {
            this.options.log?.warn({ err, job: row.id }, 'could not read a job’s state');
          }
        }
        await this.admit();
      });
    } finally {
      this.ticking = false;
    }
  }

  /**
   * Asks again shortly after a launch: a job is running within milliseconds, and the list
   * should say so without waiting for the next round of the monitor.
   */
  private soon(): void {
    for (const ms of [50, 100, 200, 400, 700]) {
      setTimeout(() => void this.tick(), ms).unref();
    }
  }

  private admitNow(): Promise<void> {
    return this.exclusive(() => this.admit());
  }

  /** Starts queued jobs in submission order while the next one fits the local quota. */
  private async admit(): Promise<void> {
    const active = this.table.activeJobs();
    const waiting = active.filter(j => j.status === 'queued' && j.externalId === null);
    if (!waiting.length || this.stopped) {
      return;
    }
    const taken = this.taken(active);
    for (const row of waiting) {
      const wait = await this.admission.wait(row.spec.resources, taken);
      if (wait) {
        if (wait !== row.reason) {
          this.update(row, { reason: wait });
        }
        return;
      }
      try {
        this.update(row, { status: 'starting', reason: null });
        const externalId = await this.launch(row);
        this.update(row, { externalId });
        this.soon();
        taken.push(row.spec.resources);
      } catch (err) {
        this.update(row, {
          status: 'failed',
          reason: `could not start: ${err instanceof Error ? err.message : String(err)}`,
          finishedAt: Date.now()
        });
      }
    }
  }
}
