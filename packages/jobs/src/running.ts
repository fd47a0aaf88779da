/**
 * Running jobs in JupyterLab's Running panel, beside kernels and terminals: each job's name,
 * opened as its view, shut down as a cancel. Fed by the jobs model's events; asks the backend
 * for the active jobs when the panel refreshes (the list may be filtered to something else).
 */
import type { Job, JobList } from '@hotstepper/api';
import { ACTIVE_JOB_STATUSES, JOBS_PATHS } from '@hotstepper/api/constants';
import { requestBackend } from '@hotstepper/core';
import type { IRunningSessions } from '@jupyterlab/running';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';
import { jobsIcon } from './icons';
import { type JobsModel, isActive } from './model';

export interface IRunningJobsOptions {
  /** The model, made on first need (this panel may be the first to need it). */
  model: () => JobsModel;
  trans: TranslationBundle;
  open: (id: string) => void;
}

export class RunningJobs implements IRunningSessions.IManager {
  constructor(private readonly options: IRunningJobsOptions) {
    this.name = options.trans.__('Jobs');
    this.shutdownAllLabel = options.trans.__('Cancel All');
    this.shutdownAllConfirmationText = options.trans.__(
      'Are you sure you want to cancel all running jobs?'
    );
  }

  readonly name: string;
  readonly shutdownAllLabel: string;
  readonly shutdownAllConfirmationText: string;
  readonly runningChanged = new Signal<this, void>(this);
  readonly supportsMultipleViews = false;
  readonly shutdownItemIcon = undefined;

  shutdownLabel = (): string => this.options.trans.__('Cancel Job');

  /** Connects to the model once it exists (made by this panel or by the jobs panel). */
  attach(model: JobsModel): void {
    if (this._model) {
      return;
    }
    this._model = model;
    model.jobChanged.connect((_, job) => this._apply(job));
    model.deleted.connect((_, id) => {
      if (this._jobs.delete(id)) {
        this.runningChanged.emit();
      }
    });
    model.changed.connect(() => model.jobs.forEach(job => this._apply(job)));
    this.refreshRunning();
  }

  running(): IRunningSessions.IRunningItem[] {
    if (!this._model) {
      this.attach(this.options.model());
    }
    const { trans } = this.options;
    return [...this._jobs.values()].map(job => ({
      icon: () => jobsIcon,
      label: () => job.name,
      labelTitle: () => trans.__('%1 (%2), job %3', job.name, job.status, job.id),
      detail: () => job.status,
      className: 'hs-Jobs-runningItem',
      open: () => this.options.open(job.id),
      shutdown: () => void this._cancel(job.id)
    }));
  }

  shutdownAll(): void {
    for (const id of [...this._jobs.keys()]) {
      void this._cancel(id);
    }
  }

  refreshRunning(): void {
    const model = this._model ?? this.options.model();
    const query = new URLSearchParams({ status: ACTIVE_JOB_STATUSES.join(','), limit: '500' });
    requestBackend<JobList>(`${JOBS_PATHS.list}?${query}`, model.serverSettings)
      .then(list => {
        this._jobs = new Map(list.jobs.map(j => [j.id, j]));
        this.runningChanged.emit();
      })
      .catch(err => console.warn('@hotstepper/jobs: the running jobs could not be listed', err));
  }

  private async _cancel(id: string): Promise<void> {
    try {
      await (this._model ?? this.options.model()).cancel(id);
    } catch (err) {
      console.warn(`@hotstepper/jobs: job ${id} could not be cancelled`, err);
    }
  }

  private _apply(job: Job): void {
    const had = this._jobs.get(job.id);
    if (isActive(job.status)) {
      if (had?.status !== job.status || had.name !== job.name) {
        this._jobs.set(job.id, job);
        this.runningChanged.emit();
      }
    } else if (had) {
      this._jobs.delete(job.id);
      this.runningChanged.emit();
    }
  }

  private _model: JobsModel | undefined;
  private _jobs = new Map<string, Job>();
}
