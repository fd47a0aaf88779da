/**
 * The jobs list as the panel shows it: one page of jobs for the chosen filter, the counts per
 * status, and what the submit form needs (presets, limits, the quota). Kept live by the page's
 * one event stream (core's PageEvents: `job` and `job-deleted`); polls that back off and stand
 * by while the page is hidden catch up when the stream is down (and after it reopens), and
 * reconcile what events cannot say (the quota) while it is up. No DOM.
 */
import type { Job, JobList, JobStatus, JobSubmit, JobsInfo } from '@hotstepper/api';
import { ACTIVE_JOB_STATUSES, JOBS_PATHS, JOB_STATUSES } from '@hotstepper/api/constants';
import { type IPageEvents, PageEvents, ResourcePolls, requestBackend } from '@hotstepper/core';
import type { ServerConnection } from '@jupyterlab/services';
import { type ISignal, Signal } from '@lumino/signaling';

/** What the list shows: everything, the active jobs, or one status. */
export type JobFilter = 'all' | 'active' | JobStatus;

export function isActive(status: JobStatus): boolean {
  return ACTIVE_JOB_STATUSES.includes(status);
}

export function matchesFilter(status: JobStatus, filter: JobFilter): boolean {
  return filter === 'all' || (filter === 'active' ? isActive(status) : status === filter);
}

/** Newest first, as the backend lists them; ids break ties (they grow with time). */
function newestFirst(a: Job, b: Job): number {
  return b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);
}

export interface IJobsModelOptions {
  serverSettings: ServerConnection.ISettings;
  filter?: JobFilter;
  /** Jobs per page ("Show more" adds a page). */
  pageSize?: number;
  /** Milliseconds between list refreshes while the event stream is down. */
  pollInterval?: number;
  /** The page's event stream; default the one shared by the page (PageEvents.for). */
  events?: IPageEvents;
  /** Start following the event stream at once (tests may drive events by hand). */
  live?: boolean;
}

type Resources = { list: JobList; info: JobsInfo };

/** While the stream is up the poll only reconciles what events cannot say (the quota). */
const LIVE_INTERVAL = 60_000;
/** Events come in bursts (a job changing state several times): one list refresh per burst. */
const SETTLE_MS = 400;

export class JobsModel {
  constructor(options: IJobsModelOptions) {
    this.serverSettings = options.serverSettings;
    this._filter = options.filter ?? 'all';
    this._pageSize = options.pageSize ?? 50;
    this._limit = this._pageSize;
    this._pollInterval = options.pollInterval ?? 5000;
    // Polled while the page is shown, whether the panel is or not: open job views and the
    // submit form go by the list's events and the info.
    this._polls = new ResourcePolls<Resources>(
      {
        list: {
          factory: () => this._request<JobList>(`${JOBS_PATHS.list}?${this._query()}`),
          interval: this._pollInterval,
          standby: 'when-hidden'
        },
        // The quota changes as jobs start and end: asked for with the list.
        info: {
          factory: () => this._request<JobsInfo>(JOBS_PATHS.info),
          interval: this._pollInterval,
          standby: 'when-hidden'
        }
      },
      { name: '@hotstepper/jobs:JobsModel' }
    );
    this._polls.changed.connect(this._onAnswer, this);
    if (options.live !== false) {
      this._follow(options.events ?? PageEvents.for(this.serverSettings));
    }
  }

  readonly serverSettings: ServerConnection.ISettings;

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The page of jobs for the filter, newest first. */
  get jobs(): readonly Job[] {
    return this._jobs;
  }

  /** Jobs matching the filter on the server (may be more than are loaded). */
  get total(): number {
    return this._total;
  }

  /** Jobs per status, whatever the filter. */
  get counts(): Readonly<Record<string, number>> {
    return this._counts;
  }

  count(filter: JobFilter): number {
    const statuses =
      filter === 'all' ? JOB_STATUSES : filter === 'active' ? ACTIVE_JOB_STATUSES : [filter];
    return statuses.reduce((sum, s) => sum + (this._counts[s] ?? 0), 0);
  }

  /** Presets, defaults, limits and the quota; the last known while the backend fails. */
  get info(): JobsInfo | undefined {
    return this._polls.state('info').value;
  }

  /** True until the list and the info have first answered (or failed). */
  get loading(): boolean {
    return this._polls.state('list').loading || this._polls.state('info').loading;
  }

  /** Why the list could not be loaded, in the backend's words; undefined when it could. */
  get error(): string | undefined {
    return this._polls.state('list').error;
  }

  /** Whether the event stream is followed (the list is then live; the poll only reconciles). */
  get live(): boolean {
    return this._live;
  }

  get hasMore(): boolean {
    return this._jobs.length < this._total;
  }

  get filter(): JobFilter {
    return this._filter;
  }

  set filter(value: JobFilter) {
    if (value === this._filter) {
      return;
    }
    this._filter = value;
    this._limit = this._pageSize;
    // The old filter's jobs are not this one's: show loading, not stale rows.
    this._jobs = [];
    this._polls.reset('list');
  }

  /** Loads one more page. */
  showMore(): Promise<void> {
    this._limit += this._pageSize;
    return this.refresh();
  }

  /** Asks for the list now rather than at the next tick; resolves when it has arrived. */
  async refresh(): Promise<void> {
    const answered = this._polls.answered('list');
    this._polls.refresh();
    await answered;
  }

  /** A job from the loaded page, or fetched. */
  async get(id: string): Promise<Job> {
    return this._jobs.find(j => j.id === id) ?? this._request<Job>(JOBS_PATHS.job(id));
  }

  async submit(spec: JobSubmit): Promise<Job> {
    const job = await this._request<Job>(JOBS_PATHS.list, {
      method: 'POST',
      body: JSON.stringify(spec)
    });
    this.applyJob(job);
    return job;
  }

  async cancel(id: string): Promise<Job> {
    const job = await this._request<Job>(JOBS_PATHS.cancel(id), { method: 'POST' });
    this.applyJob(job);
    return job;
  }

  /** A new job with the same spec. */
  async rerun(id: string): Promise<Job> {
    const job = await this._request<Job>(JOBS_PATHS.rerun(id), { method: 'POST' });
    this.applyJob(job);
    return job;
  }

  async remove(id: string): Promise<void> {
    await this._request<unknown>(JOBS_PATHS.job(id), { method: 'DELETE' });
    this.applyDeleted(id);
  }

  /** A job changed (an event, or an answer to an action): update the list and the counts. */
  applyJob(job: Job): void {
    const before = this._known.get(job.id);
    if (before !== job.status) {
      if (before) {
        this._counts[before] = Math.max(0, (this._counts[before] ?? 0) - 1);
      }
      this._counts[job.status] = (this._counts[job.status] ?? 0) + 1;
      this._known.set(job.id, job.status);
    }
    const index = this._jobs.findIndex(j => j.id === job.id);
    const matches = matchesFilter(job.status, this._filter);
    if (index >= 0) {
      this._jobs = matches
        ? this._jobs.map(j => (j.id === job.id ? job : j))
        : this._jobs.filter(j => j.id !== job.id);
      if (!matches) {
        this._total = Math.max(0, this._total - 1);
      }
    } else if (matches) {
      const last = this._jobs[this._jobs.length - 1];
      // Older than the loaded page: it belongs to a page not shown yet.
      if (!this.hasMore || !last || newestFirst(job, last) < 0) {
        this._jobs = [...this._jobs, job].sort(newestFirst);
      }
      this._total++;
    }
    this._jobChanged.emit(job);
    this._changed.emit();
    this._settle();
  }

  applyDeleted(id: string): void {
    const before = this._known.get(id);
    if (before) {
      this._counts[before] = Math.max(0, (this._counts[before] ?? 0) - 1);
      this._known.delete(id);
    }
    if (this._jobs.some(j => j.id === id)) {
      this._jobs = this._jobs.filter(j => j.id !== id);
      this._total = Math.max(0, this._total - 1);
    }
    this._deleted.emit(id);
    this._changed.emit();
    this._settle();
  }

  /** Every change of a job, e.g. for an open detail view. */
  get jobChanged(): ISignal<this, Job> {
    return this._jobChanged;
  }

  get deleted(): ISignal<this, string> {
    return this._deleted;
  }

  /** Handles one event of the stream; exposed for tests. */
  handle(event: { event?: string; data: string }): void {
    try {
      if (event.event === 'job') {
        this.applyJob(JSON.parse(event.data) as Job);
      } else if (event.event === 'job-deleted') {
        this.applyDeleted((JSON.parse(event.data) as { id: string }).id);
      }
    } catch (err) {
      console.warn('@hotstepper/jobs: an event could not be read', err);
    }
  }

  /**
   * Set by the panel. The list stays live while the panel is hidden: open job views and the
   * submit form go by its events and its info.
   */
  visible = false;

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._subscriptions.forEach(s => s.dispose());
    clearTimeout(this._settleTimer);
    this._polls.dispose();
    Signal.clearData(this);
  }

  private _request<T>(path: string, init?: RequestInit): Promise<T> {
    return requestBackend<T>(path, this.serverSettings, init);
  }

  /**
   * The counts of a job that was never seen cannot be moved by an event alone, and the quota
   * changes as jobs start and end: refresh once a burst of events is over.
   */
  private _settle(): void {
    clearTimeout(this._settleTimer);
    this._settleTimer = setTimeout(() => {
      this._polls.refresh();
    }, SETTLE_MS);
  }

  /** The list's query: the page asked for, and the statuses of the filter. */
  private _query(): URLSearchParams {
    const params = new URLSearchParams({ limit: String(this._limit), offset: '0' });
    if (this._filter !== 'all') {
      const active = ACTIVE_JOB_STATUSES.join(',');
      params.set('status', this._filter === 'active' ? active : this._filter);
    }
    return params;
  }

  private _onAnswer(_: unknown, key: keyof Resources): void {
    const list = this._polls.state('list').value;
    // A new list replaces what the events had built; a failure leaves it as it is.
    if (key === 'list' && list && list !== this._list) {
      this._list = list;
      this._jobs = [...list.jobs].sort(newestFirst);
      this._total = list.total;
      this._counts = { ...list.counts };
      for (const job of list.jobs) {
        this._known.set(job.id, job.status);
      }
    }
    this._changed.emit();
  }

  private _setLive(live: boolean): void {
    if (live === this._live || this._isDisposed) {
      return;
    }
    this._live = live;
    // Asks at once too: whatever happened while the stream was down is in the list only.
    this._polls.setInterval('list', live ? LIVE_INTERVAL : this._pollInterval);
    this._polls.setInterval('info', live ? LIVE_INTERVAL : this._pollInterval);
    this._changed.emit();
  }

  /** Follows the page's event stream until disposed; the poll fills in while it is down. */
  private _follow(events: IPageEvents): void {
    events.liveChanged.connect((_, live) => this._setLive(live), this);
    events.opened.connect(() => {
      // Reopened after the stream ended: catch up on what may have happened in between.
      if (this._live) {
        this._polls.refresh();
      }
    }, this);
    this._subscriptions.push(
      events.subscribe('job', job => this.applyJob(job)),
      events.subscribe('job-deleted', ({ id }) => this.applyDeleted(id))
    );
    this._setLive(events.live);
  }

  private _filter: JobFilter;
  private readonly _pageSize: number;
  private _limit: number;
  private readonly _pollInterval: number;
  private _jobs: Job[] = [];
  private _total = 0;
  private _counts: Record<string, number> = {};
  /** The last status seen of every job, so an event moves the counts. */
  private readonly _known = new Map<string, JobStatus>();
  /** The last list answered, so a failed poll does not undo the events applied since. */
  private _list: JobList | undefined;
  private _live = false;
  private _isDisposed = false;
  private _settleTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly _subscriptions: Array<{ dispose(): void }> = [];
  private readonly _polls: ResourcePolls<Resources>;
  private readonly _changed = new Signal<this, void>(this);
  private readonly _jobChanged = new Signal<this, Job>(this);
  private readonly _deleted = new Signal<this, string>(this);
}
