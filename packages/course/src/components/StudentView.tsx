import type { StudentAssignment } from '@hotstepper/api';
import { ErrorView, LoadingView, StaleNote, formatDuration } from '@hotstepper/core';
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';
import type { CourseModel } from '../model';
import { formatDue } from '../time';
import { Outcome } from './Outcome';

export interface IStudentViewProps {
  model: CourseModel;
  trans: TranslationBundle;
  /** Opens a file or folder relative to the Jupyter root. */
  onOpen: (path: string) => void;
  /** Asks the user; resolves true to go on. */
  confirm: (title: string, body: string, accept: string) => Promise<boolean>;
  now?: () => number;
}

function AssignmentCard(props: IStudentViewProps & { assignment: StudentAssignment }) {
  const { assignment: a, model, trans } = props;
  const now = (props.now ?? Date.now)();
  const busy = (action: 'fetch' | 'validate' | 'submit') => model.busy(a.name, action);
  const outcome = model.outcome(a.name);
  const overdue = model.isLate(a, now);
  const submit = async () => {
    if (overdue && model.settings.confirmLateSubmit) {
      const late = formatDuration((now - Date.parse(a.dueDate!)) / 1000);
      const go = await props.confirm(
        trans.__('Submit late?'),
        trans.__('The due date was %1 ago. The submission is taken, and marked late.', late),
        trans.__('Submit late')
      );
      if (!go) {
        return;
      }
    }
    await model.submit(a.name);
  };
  return (
    <li className="hs-Panel-card hs-CourseAssignment" data-assignment={a.name}>
      <div className="hs-Panel-cardHeader">
        <h3 className="hs-Panel-cardTitle">{a.name}</h3>
        {a.late && <span className="hs-CourseBadge hs-mod-late">{trans.__('late')}</span>}
        {a.score !== undefined && (
          <span className="hs-CourseBadge hs-mod-score" data-score={a.score}>
            {trans.__('%1 / %2', a.score, a.maxPoints ?? '–')}
          </span>
        )}
      </div>
      <div className="hs-Panel-cardBody">
        <p className={`hs-Panel-note${overdue ? ' hs-CourseDue-past' : ''}`}>
          {a.dueDate ? trans.__('Due %1', formatDue(a.dueDate)) : trans.__('No due date')}
        </p>
        <p className="hs-Panel-note hs-CourseAssignment-state">
          {a.submittedAt
            ? trans._n(
                'Submitted %2 (%1 submission)',
                'Submitted %2 (%1 submissions)',
                a.submissions,
                new Date(a.submittedAt).toLocaleString()
              )
            : a.fetched
              ? trans.__('Fetched, not submitted')
              : trans.__('Not fetched yet')}
        </p>
        <div className="hs-CourseActions">
          {!a.fetched ? (
            <button
              type="button"
              className="jp-mod-styled jp-mod-accept"
              disabled={busy('fetch')}
              onClick={() => void model.fetch(a.name)}
            >
              {busy('fetch') ? trans.__('Fetching…') : trans.__('Fetch')}
            </button>
          ) : (
            <>
              <button
                type="button"
                className="jp-mod-styled"
                disabled={!a.path}
                onClick={() => a.path && props.onOpen(a.path)}
              >
                {trans.__('Open')}
              </button>
              <button
                type="button"
                className="jp-mod-styled"
                disabled={busy('validate')}
                onClick={() => void model.validate(a.name)}
              >
                {busy('validate') ? trans.__('Validating…') : trans.__('Validate')}
              </button>
              <button
                type="button"
                className={`jp-mod-styled ${overdue ? 'jp-mod-warn' : 'jp-mod-accept'}`}
                disabled={busy('submit')}
                onClick={() => void submit()}
              >
                {busy('submit')
                  ? trans.__('Submitting…')
                  : overdue
                    ? trans.__('Submit (late)')
                    : trans.__('Submit')}
              </button>
            </>
          )}
        </div>
        {a.feedback.length > 0 && (
          <div className="hs-CourseFeedback">
            <span>{trans.__('Feedback:')}</span>
            {a.feedback.map(f => (
              <button
                key={f.path}
                type="button"
                className="jp-Button jp-mod-minimal hs-CourseLink"
                onClick={() => props.onOpen(f.path)}
              >
                {f.notebook}
              </button>
            ))}
          </div>
        )}
        {outcome && (
          <Outcome outcome={outcome} trans={trans} onDismiss={() => model.dismiss(a.name)} />
        )}
      </div>
    </li>
  );
}

/** A student's released assignments: fetch, open, validate, submit, feedback and score. */
export function StudentView(props: IStudentViewProps): JSX.Element {
  const { model, trans } = props;
  const state = model.studentAssignments;
  if (!state.value) {
    return state.error ? (
      <ErrorView message={state.error} onRetry={() => model.refresh()} trans={trans} />
    ) : (
      <LoadingView label={trans.__('Looking for your assignments…')} trans={trans} />
    );
  }
  const list = state.value.assignments;
  return (
    <>
      {state.stale && <StaleNote error={state.error} updatedAt={state.updatedAt} trans={trans} />}
      {list.length === 0 ? (
        <p className="hs-Panel-empty">
          {trans.__('No assignment has been released in this course yet.')}
        </p>
      ) : (
        <ul className="hs-CourseAssignments" aria-label={trans.__('Assignments')}>
          {list.map(a => (
            <AssignmentCard key={a.name} {...props} assignment={a} />
          ))}
        </ul>
      )}
    </>
  );
}
