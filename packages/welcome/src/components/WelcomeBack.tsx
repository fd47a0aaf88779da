/**
 * The summary of a period: cells that finished, failed or still run, jobs, exposures and
 * kernels, each with its action. Every name is rendered as text (React escapes it): a file
 * may be called `<img src=x onerror=…>.ipynb`.
 */
import type {
  ActivityAiEvents,
  ActivityEvent,
  ActivitySummary,
  CellRun,
  IdleStatus,
  UsageCost
} from '@hotstepper/api';
import { ErrorView, formatDuration, formatMoney, LoadingView } from '@hotstepper/core';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { costOf, PERIODS, sinceOf, type Period, type WelcomeModel } from '../model';

/** What the summary's buttons do; an absent one has no button. */
export interface IWelcomeActions {
  openCell(path: string, count: number | null): void;
  openJob?: (id: string) => void;
  openUsage?: () => void;
  openStorage?: (name: string) => void;
}

export interface IWelcomeBackProps {
  model: WelcomeModel;
  actions: IWelcomeActions;
  trans: TranslationBundle;
  /** The period shown first. */
  period?: Period;
  /** With period "since-last-seen": the last page seen before this visit. */
  since?: number;
}

type State =
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; summary: ActivitySummary; idle?: IdleStatus; cost?: UsageCost };

export function WelcomeBack(props: IWelcomeBackProps): JSX.Element {
  const { model, trans, actions } = props;
  const [period, setPeriod] = React.useState<Period>(props.period ?? 'since-last-seen');
  const [state, setState] = React.useState<State>({ kind: 'loading' });
  const [attempt, setAttempt] = React.useState(0);
  const pickerId = React.useId();

  React.useEffect(() => {
    let live = true;
    setState({ kind: 'loading' });
    const since = period === 'since-last-seen' ? props.since : sinceOf(period, model.now());
    // The idle clean-up and the cost come from the usage feature, when it is there.
    Promise.all([model.summary(since), model.idle(), model.cost()]).then(
      ([summary, idle, cost]) => live && setState({ kind: 'ready', summary, idle, cost }),
      (err: Error) => live && setState({ kind: 'error', message: err.message })
    );
    return () => {
      live = false;
    };
  }, [period, attempt]);

  const labels: Record<Period, string> = {
    'since-last-seen': trans.__('Since my last visit'),
    day: trans.__('Last 24 hours'),
    week: trans.__('Last 7 days'),
    month: trans.__('Last 30 days')
  };

  return (
    <div className="hs-Welcome">
      <div className="hs-Welcome-period">
        <label htmlFor={pickerId}>{trans.__('Period')}</label>
        <select
          id={pickerId}
          className="jp-mod-styled"
          value={period}
          onChange={e => setPeriod(e.target.value as Period)}
        >
          {PERIODS.map(p => (
            <option key={p} value={p}>
              {labels[p]}
            </option>
          ))}
        </select>
      </div>
      {state.kind === 'loading' && <LoadingView trans={trans} />}
      {state.kind === 'error' && (
        <ErrorView
          trans={trans}
          message={trans.__('The summary could not be loaded: %1', state.message)}
          onRetry={() => setAttempt(a => a + 1)}
        />
      )}
      {state.kind === 'ready' && state.summary.ai && (
        <AiParagraph
          key={`${state.summary.since}-${state.summary.until}`}
          model={model}
          since={state.summary.since}
          until={state.summary.until}
          trans={trans}
        />
      )}
      {state.kind === 'ready' && (
        <Summary
          summary={state.summary}
          idle={state.idle}
          cost={state.cost}
          now={model.now()}
          actions={actions}
          trans={trans}
        />
      )}
    </div>
  );
}

type AiState =
  | { kind: 'writing'; text: string }
  | { kind: 'done'; text: string }
  | { kind: 'dropped'; reason: string };

/**
 * The model's paragraph about the period, streamed in. Its text is untrusted: it is a React
 * text child (a text node), never HTML or markdown, so a link or an image in it stays inert.
 * Dropped (an error, past the time budget) it gives way to a quiet note; the summary below
 * stands either way.
 */
function AiParagraph(props: {
  model: WelcomeModel;
  since: number;
  until: number;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, since, until, trans } = props;
  const [state, setState] = React.useState<AiState>({ kind: 'writing', text: '' });
  const [sent, setSent] = React.useState<ActivityAiEvents['sent']>();

  React.useEffect(() => {
    const left = new AbortController();
    let text = '';
    void model
      .aiSummary(
        since,
        until,
        {
          sent: setSent,
          text: piece => {
            text += piece;
            setState({ kind: 'writing', text });
          }
        },
        left.signal
      )
      .then(reason => {
        if (!left.signal.aborted) {
          setState(reason === undefined ? { kind: 'done', text } : { kind: 'dropped', reason });
        }
      });
    return () => left.abort();
  }, [model, since, until]);

  return (
    <section
      className="hs-Welcome-ai"
      aria-label={trans.__('AI summary')}
      aria-busy={state.kind === 'writing'}
    >
      {state.kind === 'dropped' ? (
        <p className="hs-Panel-note hs-Welcome-ai-note">
          {trans.__('No AI summary this time (%1).', state.reason)}
        </p>
      ) : (
        <>
          <p className="hs-Welcome-ai-text">{state.text || trans.__('Writing a summary…')}</p>
          <p className="hs-Panel-note">
            {trans.__('Written by an AI model from the names and times below; it can be wrong.')}
          </p>
        </>
      )}
      {sent && (
        <details className="hs-Welcome-ai-sent">
          <summary>{trans.__('What was sent')}</summary>
          <p>{trans.__('To the model %1:', sent.model)}</p>
          {sent.messages.map((m, i) => (
            <pre key={i} className="hs-Welcome-ai-message">
              {`${m.role}:\n${m.content}`}
            </pre>
          ))}
        </details>
      )}
    </section>
  );
}

interface ISummaryProps {
  summary: ActivitySummary;
  idle?: IdleStatus;
  cost?: UsageCost;
  now: number;
  actions: IWelcomeActions;
  trans: TranslationBundle;
}

function Summary(props: ISummaryProps): JSX.Element {
  const { summary: s, idle, cost, now, actions, trans } = props;
  const ago = (t: number) => trans.__('%1 ago', formatDuration((now - t) / 1000));
  const empty =
    !s.finished.length &&
    !s.failed.length &&
    !s.running.length &&
    !s.jobs.length &&
    !s.exposures.length &&
    !s.kernels.length &&
    !s.idle.length &&
    !s.storage.length;
  return (
    <div className="hs-Welcome-summary">
      <p className="hs-Welcome-period-note">
        {trans.__(
          'From %1 to %2.',
          new Date(s.since).toLocaleString(),
          new Date(s.until).toLocaleString()
        )}
      </p>
      {!s.watching && (
        <p className="hs-Panel-note">
          {trans.__(
            'Kernels are not watched on this server, so cells run with no page open are not listed.'
          )}
        </p>
      )}
      {empty && <p className="hs-Panel-empty">{trans.__('Nothing happened in this period.')}</p>}
      <Group id="finished" title={trans.__('Finished while you were away')} items={s.finished}>
        {(c: CellRun) => (
          <CellItem
            cell={c}
            text={trans.__(
              'ran %1 and finished %2',
              formatDuration(c.durationMs / 1000),
              ago(c.endedAt ?? now)
            )}
            actions={actions}
            trans={trans}
          />
        )}
      </Group>
      <Group id="failed" title={trans.__('Failed')} items={s.failed}>
        {(c: CellRun) => (
          <CellItem
            cell={c}
            text={
              c.status === 'interrupted'
                ? trans.__(
                    'was interrupted after %1, %2',
                    formatDuration(c.durationMs / 1000),
                    ago(c.endedAt ?? now)
                  )
                : trans.__(
                    'failed with %1 after %2, %3',
                    c.ename ?? trans.__('an error'),
                    formatDuration(c.durationMs / 1000),
                    ago(c.endedAt ?? now)
                  )
            }
            actions={actions}
            trans={trans}
          />
        )}
      </Group>
      <Group id="running" title={trans.__('Still running')} items={s.running}>
        {(c: CellRun) => (
          <CellItem
            cell={c}
            text={trans.__('running for %1', formatDuration(c.durationMs / 1000))}
            actions={actions}
            trans={trans}
          />
        )}
      </Group>
      <Group id="jobs" title={trans.__('Jobs')} items={s.jobs}>
        {(e: ActivityEvent) => (
          <>
            <span className="hs-Welcome-text">
              <span className="hs-Welcome-name">{e.name}</span>{' '}
              {e.kind === 'job-finished'
                ? trans.__('finished %1', ago(e.at))
                : trans.__('failed (%1) %2', e.detail ?? '', ago(e.at))}
            </span>
            {actions.openJob && e.ref && (
              <button
                type="button"
                className="jp-mod-styled hs-Welcome-action"
                onClick={() => actions.openJob!(e.ref!)}
                aria-label={trans.__('Open the log of job %1', e.name ?? '')}
              >
                {trans.__('Open log')}
              </button>
            )}
          </>
        )}
      </Group>
      <Group id="exposures" title={trans.__('Exposures')} items={s.exposures}>
        {(e: ActivityEvent) => (
          <span className="hs-Welcome-text">
            <span className="hs-Welcome-name">{e.name}</span> {trans.__('ended %1', ago(e.at))}
          </span>
        )}
      </Group>
      <Group id="kernels" title={trans.__('Kernels')} items={s.kernels}>
        {(e: ActivityEvent) => (
          <span className="hs-Welcome-text">
            <span className="hs-Welcome-name">{e.name ?? e.ref}</span> {kernelText(e, trans)}{' '}
            {ago(e.at)}
          </span>
        )}
      </Group>
      <Group id="storage" title={trans.__('Storage')} items={s.storage}>
        {(e: ActivityEvent) => (
          <>
            <span className="hs-Welcome-text">
              <span className="hs-Welcome-name">{e.name}</span>{' '}
              {trans.__('was nearly full (%1) %2', e.detail ?? '', ago(e.at))}
            </span>
            {actions.openStorage && e.ref && (
              <button
                type="button"
                className="jp-mod-styled hs-Welcome-action"
                onClick={() => actions.openStorage!(e.ref!)}
                aria-label={trans.__('Browse %1', e.name ?? e.ref)}
              >
                {trans.__('Browse')}
              </button>
            )}
          </>
        )}
      </Group>
      {((idle?.enabled && (idle.idleDays > 0 || idle.removalAt)) || s.idle.length > 0) && (
        <section className="hs-Welcome-group" aria-labelledby="hs-Welcome-idle" data-group="idle">
          <h3 id="hs-Welcome-idle">{trans.__('Idle clean-up')}</h3>
          {idle?.enabled && (idle.idleDays > 0 || idle.removalAt) && (
            <p>
              {idle.removalAt
                ? trans.__(
                    'Idle for %1 of %2 days: this server will be removed on %3 unless it is used.',
                    idle.idleDays,
                    idle.maxIdleDays,
                    new Date(idle.removalAt).toLocaleString()
                  )
                : trans.__('Idle for %1 of %2 days.', idle.idleDays, idle.maxIdleDays)}
            </p>
          )}
          {s.idle.length > 0 && (
            <ul>
              {s.idle.map((e, i) => (
                <li key={i} className="hs-Welcome-item">
                  <span className="hs-Welcome-text">{idleText(e, trans)}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
      {(cost || actions.openUsage) && (
        <section className="hs-Welcome-group" aria-labelledby="hs-Welcome-usage" data-group="usage">
          <h3 id="hs-Welcome-usage">{trans.__('Usage and cost')}</h3>
          {cost && <CostLine cost={cost} since={s.since} until={s.until} trans={trans} />}
          {actions.openUsage && (
            <button
              type="button"
              className="jp-mod-styled hs-Welcome-action"
              onClick={actions.openUsage}
            >
              {trans.__('Open the usage panel')}
            </button>
          )}
        </section>
      )}
      {s.truncated && (
        <p className="hs-Panel-note">
          {trans.__('Only the latest entries of long lists are shown.')}
        </p>
      )}
    </div>
  );
}

function CostLine(props: {
  cost: UsageCost;
  since: number;
  until: number;
  trans: TranslationBundle;
}): JSX.Element {
  const { amount, hours, currency } = costOf(props.cost, props.since, props.until);
  return (
    <p>
      {props.trans.__(
        'Estimated cost of the days in this period: %1 (the server ran %2).',
        formatMoney(amount, currency),
        formatDuration(hours * 3600)
      )}
    </p>
  );
}

/** A daily idle check: "1/4" counted a day, a reset says how many days it had. */
function idleText(e: ActivityEvent, trans: TranslationBundle): string {
  const day = e.name ?? '';
  if (e.kind === 'idle-reset') {
    return trans.__(
      '%1: used again, the idle counter went back to 0 (from %2)',
      day,
      e.detail ?? ''
    );
  }
  const [n, max] = (e.detail ?? '').split('/');
  return trans.__('%1: counted as idle day %2 of %3', day, n, max);
}

function kernelText(e: ActivityEvent, trans: TranslationBundle): string {
  switch (e.kind) {
    case 'kernel-started':
      return trans.__('kernel started');
    case 'kernel-stopped':
      return trans.__('kernel shut down');
    case 'kernel-restarted':
      return trans.__('kernel restarted');
    default:
      return e.detail ? trans.__('kernel died (%1)', e.detail) : trans.__('kernel died');
  }
}

function Group<T>(props: {
  id: string;
  title: string;
  items: T[];
  children: (item: T) => React.ReactNode;
}): JSX.Element | null {
  if (!props.items.length) {
    return null;
  }
  const heading = `hs-Welcome-${props.id}`;
  return (
    <section className="hs-Welcome-group" aria-labelledby={heading} data-group={props.id}>
      <h3 id={heading}>
        {props.title} <span className="hs-Welcome-count">({props.items.length})</span>
      </h3>
      <ul>
        {props.items.map((item, i) => (
          <li key={i} className="hs-Welcome-item">
            {props.children(item)}
          </li>
        ))}
      </ul>
    </section>
  );
}

function CellItem(props: {
  cell: CellRun;
  text: string;
  actions: IWelcomeActions;
  trans: TranslationBundle;
}): JSX.Element {
  const { cell: c, text, actions, trans } = props;
  const where = c.path ?? trans.__('a kernel with no notebook');
  return (
    <>
      <span className="hs-Welcome-text">
        <span className="hs-Welcome-name">{where}</span>
        {c.count !== null && <span className="hs-Welcome-count"> [{c.count}]</span>} {text}
        {c.lastLine && (
          <>
            {'; '}
            {trans.__('its last line was')} <code className="hs-Welcome-line">{c.lastLine}</code>
          </>
        )}
      </span>
      {c.path && (
        <button
          type="button"
          className="jp-mod-styled hs-Welcome-action"
          onClick={() => actions.openCell(c.path!, c.count)}
          aria-label={
            c.count !== null
              ? trans.__('Open %1 at cell [%2]', c.path, c.count)
              : trans.__('Open %1', c.path)
          }
        >
          {trans.__('Open')}
        </button>
      )}
    </>
  );
}
