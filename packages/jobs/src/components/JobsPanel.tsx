import type { Job } from '@hotstepper/api';
import { JOB_STATUSES } from '@hotstepper/api/constants';
import { ErrorView, LoadingView, ModelPanel, StaleNote } from '@hotstepper/core';
import type { TranslationBundle } from '@jupyterlab/translation';
import { addIcon } from '@jupyterlab/ui-components';
import React from 'react';
import type { JobViewTracker } from '../detail';
import { filterLabel, formatAge, formatJobDuration } from '../format';
import { type JobFilter, type JobsModel, isActive } from '../model';
import { QuotaBar } from './QuotaBar';
import { StatusBadge } from './StatusBadge';
import { useNow } from './useNow';

export interface IJobsPanelProps {
  model: JobsModel;
  trans: TranslationBundle;
  /** Opens a job's detail view. */
  onOpen: (job: Job) => void;
  /** Opens the submit form. */
  onNew: () => void;
  /** The open job views: the one last in front is marked in the list. */
  tracker?: JobViewTracker;
}

export const FILTERS: readonly JobFilter[] = [
  'all',
  'active',
  ...JOB_STATUSES.filter(s => s !== 'starting')
];

function JobRow({
  job,
  trans,
  now,
  onOpen,
  current
}: {
  job: Job;
  trans: TranslationBundle;
  now: number;
  onOpen: (job: Job) => void;
  /** Its view is the one open in front. */
  current: boolean;
}): JSX.Element {
  const duration = formatJobDuration(job, now);
  return (
    <li
      className={`hs-Jobs-item${current ? ' hs-mod-current' : ''}`}
      data-job-id={job.id}
      data-status={job.status}
    >
      <button
        className="hs-Jobs-itemButton"
        aria-current={current ? 'true' : undefined}
        onClick={() => onOpen(job)}
        title={trans.__('Open %1: log, resources, actions', job.name)}
      >
        <span className="hs-Jobs-itemTop">
          <span className="hs-Jobs-itemName">{job.name}</span>
          <StatusBadge status={job.status} trans={trans} />
        </span>
        <span className="hs-Panel-note hs-Jobs-itemMeta">
          <span className="hs-Jobs-itemRunner">{job.runner}</span>
          <span className="hs-Jobs-itemAge" title={new Date(job.createdAt).toLocaleString()}>
            {formatAge(job.createdAt, now)}
          </span>
          {duration && (
            <span className="hs-Jobs-itemDuration">
              {isActive(job.status)
                ? trans.__('running for %1', duration)
                : trans.__('took %1', duration)}
            </span>
          )}
        </span>
      </button>
    </li>
  );
}

export function JobsPanelView({
  model,
  trans,
  onOpen,
  onNew,
  tracker
}: IJobsPanelProps): JSX.Element {
  const currentId = tracker?.currentWidget?.content.model.jobId;
  const anyActive = model.jobs.some(j => isActive(j.status));
  const now = useNow(true, anyActive ? 1000 : 30_000);
  let body: React.ReactNode;
  if (model.loading && !model.jobs.length) {
    body = <LoadingView label={trans.__('Loading jobs…')} trans={trans} />;
  } else if (model.error && !model.jobs.length) {
    body = (
      <ErrorView
        message={trans.__('Could not load the jobs: %1', model.error)}
        onRetry={() => void model.refresh()}
        trans={trans}
      />
    );
  } else if (!model.jobs.length) {
    body =
      model.filter === 'all' ? (
        <p className="hs-Jobs-empty">
          {trans.__(
            'No jobs yet — run a script, a command or a notebook in the background with “New job”, or “Run as job” from a notebook’s toolbar. Jobs keep running when you close JupyterLab.'
          )}
        </p>
      ) : (
        <p className="hs-Jobs-empty">
          {trans.__('No %1 jobs.', filterLabel(model.filter, trans).toLowerCase())}
        </p>
      );
  } else {
    body = (
      <>
        <StaleNote error={model.error} trans={trans} />
        <ul className="hs-Jobs-list" aria-label={trans.__('Jobs, newest first')}>
          {model.jobs.map(job => (
            <JobRow
              key={job.id}
              job={job}
              trans={trans}
              now={now}
              onOpen={onOpen}
              current={job.id === currentId}
            />
          ))}
        </ul>
        {model.hasMore && (
          <button className="jp-mod-styled hs-Jobs-more" onClick={() => void model.showMore()}>
            {trans.__('Show more (%1 of %2 shown)', model.jobs.length, model.total)}
          </button>
        )}
      </>
    );
  }
  return (
    <div className="hs-Panel-content">
      <header className="hs-Panel-header">
        <h2 className="hs-Panel-title">{trans.__('Jobs')}</h2>
        <button
          className="jp-mod-styled jp-mod-accept hs-Jobs-new"
          onClick={onNew}
          title={trans.__('Run a command, a script or a notebook as a background job')}
        >
          <addIcon.react tag="span" className="hs-Jobs-newIcon" />
          {trans.__('New job')}
        </button>
      </header>
      {model.info && <QuotaBar quota={model.info.quota} trans={trans} />}
      <label className="hs-Jobs-filter">
        <span>{trans.__('Show')}</span>
        <select
          className="jp-mod-styled"
          value={model.filter}
          onChange={e => (model.filter = e.currentTarget.value as JobFilter)}
        >
          {FILTERS.map(f => (
            <option key={f} value={f}>
              {trans.__('%1 (%2)', filterLabel(f, trans), model.count(f))}
            </option>
          ))}
        </select>
      </label>
      {body}
    </div>
  );
}

/** The left-sidebar widget. */
export class JobsPanel extends ModelPanel<JobsModel> {
  constructor(private readonly props: IJobsPanelProps) {
    super(props.model);
    this.addClass('hs-Panel');
    this.addClass('hs-Jobs');
    this.title.caption = props.trans.__('Jobs');
    // The mark follows the view in front, and goes with the last view closed.
    props.tracker?.currentChanged.connect(() => this.update(), this);
    props.tracker?.widgetUpdated.connect(() => this.update(), this);
  }

  protected render(): JSX.Element {
    return <JobsPanelView {...this.props} />;
  }
}
