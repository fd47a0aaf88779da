import type { Job, JobLogStream } from '@hotstepper/api';
import { ErrorView, LoadingView, formatMoney } from '@hotstepper/core';
import { ReactWidget } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useLayoutEffect, useRef, useState } from 'react';
import { joinArgv } from '../argv';
import { shellLines } from '../command';
import {
  formatFailure,
  formatJobDuration,
  formatResources,
  limitSentence,
  runnerSentence
} from '../format';
import type { JobLogModel } from '../logModel';
import { isActive } from '../model';
import { useNow } from './useNow';
import { StatusBadge } from './StatusBadge';

export interface IJobActions {
  cancel: (job: Job) => Promise<void>;
  /** Starts a new job with the same spec. */
  rerun: (job: Job) => Promise<void>;
  /** Opens the submit form filled from this job. */
  edit: (job: Job) => void;
  /** Asks for confirmation, then deletes; resolves false when the user said no. */
  remove: (job: Job) => Promise<void>;
  download: (job: Job, stream: JobLogStream) => Promise<void>;
  /** Opens a file (the executed notebook) in JupyterLab. */
  openFile: (path: string) => void;
}

export interface IJobDetailProps {
  model: JobLogModel;
  trans: TranslationBundle;
  actions: IJobActions;
  /** Keep the log scrolled to its end as lines arrive (until the user scrolls up). */
  followLog?: boolean;
}

function when(iso: string | undefined): string | undefined {
  return iso ? new Date(iso).toLocaleString() : undefined;
}

function Row({ label, children }: { label: string; children: React.ReactNode }): JSX.Element {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

/** The log, interleaved as it arrived, stderr marked; follows the end until scrolled up. */
function LogView({
  model,
  trans,
  follow,
  quietStderr
}: {
  model: JobLogModel;
  trans: TranslationBundle;
  follow: boolean;
  /** Leave stderr out (a notebook job's: papermill's progress, the kernel's warnings). */
  quietStderr: boolean;
}): JSX.Element {
  const ref = useRef<HTMLPreElement>(null);
  const [pinned, setPinned] = useState(follow);
  useLayoutEffect(() => {
    const node = ref.current;
    if (node && pinned) {
      node.scrollTop = node.scrollHeight;
    }
  });
  const onScroll = () => {
    const node = ref.current;
    if (node) {
      // At (or within a line of) the end: keep following; above it: the user is reading.
      setPinned(node.scrollHeight - node.scrollTop - node.clientHeight < 24);
    }
  };
  const entries = quietStderr ? model.entries.filter(e => e.stream !== 'stderr') : model.entries;
  return (
    <div className="hs-Jobs-log">
      {model.truncated && (
        <p className="hs-Jobs-logNote">
          {trans.__('Earlier output is not shown here; the downloads have all of it.')}
        </p>
      )}
      <pre
        ref={ref}
        className="hs-Jobs-logText"
        onScroll={onScroll}
        tabIndex={0}
        role="log"
        aria-live="off"
        aria-label={trans.__('Log: output and errors in the order they arrived')}
      >
        {entries.length === 0 ? (
          <span className="hs-Jobs-logEmpty">
            {quietStderr && model.entries.length
              ? trans.__('No output from the notebook; papermill’s messages are above.')
              : model.ended
                ? trans.__('No output.')
                : trans.__('No output yet…')}
          </span>
        ) : (
          entries.map((e, i) => (
            <span
              key={i}
              className={`hs-Jobs-logChunk hs-mod-${e.stream}`}
              data-stream={e.stream}
              title={e.stream === 'stderr' ? trans.__('stderr') : undefined}
            >
              {e.text}
            </span>
          ))
        )}
      </pre>
      {!pinned && !model.ended && (
        <button className="jp-mod-styled hs-Jobs-logFollow" onClick={() => setPinned(true)}>
          {trans.__('Follow the log')}
        </button>
      )}
      {model.error && !model.ended && (
        <p className="hs-Jobs-logError" role="alert">
          {trans.__('The log stream was interrupted: %1 — reconnecting…', model.error)}
        </p>
      )}
    </div>
  );
}

/**
 * A notebook job's stderr (papermill's progress bars, the kernel's warnings, the CLI's
 * traceback) folded under one line: the failure when there is one.
 */
function NotebookMessages({
  model,
  trans,
  failure
}: {
  model: JobLogModel;
  trans: TranslationBundle;
  failure?: string;
}): JSX.Element | null {
  const stderr = model.entries
    .filter(e => e.stream === 'stderr')
    .map(e => e.text)
    .join('');
  if (!failure && !stderr) {
    return null;
  }
  return (
    <details className={`hs-Jobs-messages${failure ? ' hs-Jobs-failure' : ''}`}>
      <summary role={failure ? 'alert' : undefined}>
        {failure ?? trans.__('Messages from papermill and the kernel')}
      </summary>
      <pre className="hs-Jobs-messagesText">{stderr || trans.__('No messages.')}</pre>
    </details>
  );
}

export function JobDetailView(props: IJobDetailProps): JSX.Element {
  const { model, trans, actions } = props;
  const job = model.job;
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string>();
  const running = job ? isActive(job.status) : false;
  const now = useNow(running, 1000);

  if (!job) {
    return (
      <div className="hs-Jobs-detail">
        {model.error ? (
          <ErrorView message={trans.__('Could not load the job: %1', model.error)} />
        ) : (
          <LoadingView label={trans.__('Loading the job…')} />
        )}
      </div>
    );
  }

  const act = (fn: (job: Job) => Promise<void>) => async () => {
    setBusy(true);
    setActionError(undefined);
    try {
      await fn(job);
    } catch (err) {
      setActionError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const failure = formatFailure(job, trans);
  const duration = formatJobDuration(job, now);
  const envEntries = Object.entries(job.env ?? {});
  const lines = job.kind === 'command' ? shellLines(job.argv) : undefined;
  return (
    <div className="hs-Jobs-detail" data-status={job.status}>
      <header className="hs-Jobs-detailHeader">
        <h2 className="hs-Jobs-detailTitle">{job.name}</h2>
        <StatusBadge status={job.status} trans={trans} />
        <div className="hs-Jobs-actions">
          {isActive(job.status) ? (
            <button
              className="jp-mod-styled jp-mod-warn"
              disabled={busy}
              onClick={act(actions.cancel)}
            >
              {trans.__('Cancel')}
            </button>
          ) : (
            <>
              <button
                className="jp-mod-styled jp-mod-accept"
                disabled={busy}
                onClick={act(actions.rerun)}
                title={trans.__('Run it again as it was')}
              >
                {trans.__('Re-run')}
              </button>
              <button
                className="jp-mod-styled"
                disabled={busy}
                onClick={() => actions.edit(job)}
                title={trans.__('Open the form filled from this job, change it, then run it')}
              >
                {trans.__('Edit and re-run')}
              </button>
              <button
                className="jp-mod-styled jp-mod-warn"
                disabled={busy}
                onClick={act(actions.remove)}
              >
                {trans.__('Delete')}
              </button>
            </>
          )}
        </div>
      </header>
      {actionError && <ErrorView message={actionError} />}
      {job.reason && <p className="hs-Jobs-reason">{job.reason}</p>}
      {failure && job.kind === 'notebook' ? (
        <NotebookMessages model={model} trans={trans} failure={failure} />
      ) : failure ? (
        <p className="hs-Jobs-failure" role="alert">
          {failure}
        </p>
      ) : job.kind === 'notebook' ? (
        <NotebookMessages model={model} trans={trans} />
      ) : null}
      <dl className="hs-Jobs-facts">
        {job.exitCode !== undefined && job.exitCode !== null && (
          <Row label={trans.__('Exit code')}>{job.exitCode}</Row>
        )}
        <Row label={trans.__('Runs')}>
          {lines ? (
            <>
              <span className="hs-Panel-note">
                {trans.__('With sh -ec, one command a line, stopping at the first that fails:')}
              </span>
              <pre className="hs-Jobs-command">{lines.join('\n')}</pre>
            </>
          ) : (
            <code className="hs-Jobs-command">{joinArgv(job.argv)}</code>
          )}
        </Row>
        {job.file && <Row label={trans.__('File')}>{job.file}</Row>}
        {job.output && (
          <Row label={trans.__('Executed notebook')}>
            <button className="hs-Jobs-link" onClick={() => actions.openFile(job.output!)}>
              {job.output}
            </button>
          </Row>
        )}
        <Row label={trans.__('Working directory')}>{job.cwd || trans.__('(root)')}</Row>
        {envEntries.length > 0 && (
          <Row label={trans.__('Environment')}>
            <code>{envEntries.map(([k, v]) => `${k}=${v}`).join(' ')}</code>
          </Row>
        )}
        {job.parameters && Object.keys(job.parameters).length > 0 && (
          <Row label={trans.__('Parameters')}>
            <code>{JSON.stringify(job.parameters)}</code>
          </Row>
        )}
        <Row label={trans.__('Resources')}>
          {formatResources(job.resources, trans)}
          {job.preset ? ` (${job.preset})` : ''}
        </Row>
        <Row label={trans.__('Limits')}>{limitSentence(job.enforcement, trans)}</Row>
        {job.timeLimitSeconds !== undefined && (
          <Row label={trans.__('Time limit')}>
            {trans.__('%1 min', Math.round((job.timeLimitSeconds / 60) * 10) / 10)}
          </Row>
        )}
        {job.image && <Row label={trans.__('Image')}>{job.image}</Row>}
        <Row label={trans.__('Runs on')}>{runnerSentence(job, trans)}</Row>
        <Row label={trans.__('Submitted')}>{when(job.createdAt)}</Row>
        {job.startedAt && <Row label={trans.__('Started')}>{when(job.startedAt)}</Row>}
        {job.finishedAt && <Row label={trans.__('Finished')}>{when(job.finishedAt)}</Row>}
        {duration && (
          <Row label={trans.__('Duration')}>
            <span className="hs-Jobs-duration">{duration}</span>
          </Row>
        )}
        {job.cost && (
          <Row label={trans.__('Cost (estimate)')}>
            <span className="hs-Jobs-cost">
              {trans.__('≈ %1', formatMoney(job.cost.amount, job.cost.currency))}
            </span>
          </Row>
        )}
      </dl>
      <div className="hs-Jobs-logHeader">
        <h3>{trans.__('Log')}</h3>
        <button className="jp-mod-styled" onClick={act(j => actions.download(j, 'stdout'))}>
          {trans.__('Download output')}
        </button>
        <button className="jp-mod-styled" onClick={act(j => actions.download(j, 'stderr'))}>
          {trans.__('Download errors')}
        </button>
      </div>
      <LogView
        model={model}
        trans={trans}
        follow={props.followLog !== false}
        quietStderr={job.kind === 'notebook'}
      />
    </div>
  );
}

/** A job in the main area; follows the job until closed. */
export class JobDetail extends ReactWidget {
  constructor(private readonly props: IJobDetailProps) {
    super();
    this.addClass('hs-Panel');
    this.addClass('hs-Jobs-detailWidget');
    props.model.changed.connect(this._onChange, this);
    this._onChange();
  }

  get model(): JobLogModel {
    return this.props.model;
  }

  protected render(): JSX.Element {
    return <JobDetailView {...this.props} />;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.props.model.dispose();
    super.dispose();
  }

  private _onChange(): void {
    const job = this.props.model.job;
    this.title.label = job ? job.name : this.props.model.jobId;
    this.title.caption = job
      ? this.props.trans.__('Job %1: %2', job.name, job.status)
      : this.props.model.jobId;
    this.update();
  }
}
