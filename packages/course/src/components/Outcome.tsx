import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';
import type { IOutcome } from '../model';

/** The last action's outcome on an assignment: its message, nbgrader's messages or log. */
export function Outcome(props: {
  outcome: IOutcome;
  trans: TranslationBundle;
  onDismiss: () => void;
}): JSX.Element {
  const { outcome, trans } = props;
  const problems = outcome.messages?.filter(m => m.kind !== 'passed') ?? [];
  return (
    <div
      className={`hs-CourseOutcome ${outcome.ok ? 'hs-mod-ok' : 'hs-mod-failed'}`}
      role={outcome.ok ? 'status' : 'alert'}
      data-action={outcome.action}
    >
      <div className="hs-CourseOutcome-head">
        <span className="hs-CourseOutcome-message">{outcome.message}</span>
        <button
          type="button"
          className="jp-Button jp-mod-minimal hs-CourseOutcome-dismiss"
          aria-label={trans.__('Dismiss')}
          title={trans.__('Dismiss')}
          onClick={props.onDismiss}
        >
          ×
        </button>
      </div>
      {outcome.warning && <p className="hs-CourseOutcome-warning">{outcome.warning}</p>}
      {problems.length > 0 && (
        <ul className="hs-CourseOutcome-messages" aria-label={trans.__('Validation messages')}>
          {problems.map((m, i) => (
            <li key={i} data-kind={m.kind}>
              <strong>
                {m.notebook}
                {m.cell ? ` · ${m.cell}` : ''}
              </strong>
              <pre>{m.message}</pre>
            </li>
          ))}
        </ul>
      )}
      {outcome.log && !outcome.ok && (
        <details className="hs-CourseOutcome-log">
          <summary>{trans.__('nbgrader’s log')}</summary>
          <pre>{outcome.log}</pre>
        </details>
      )}
    </div>
  );
}
