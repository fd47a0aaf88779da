import type { Assignment, ClassDashboard } from '@hotstepper/api';
import { ErrorView, LoadingView, StaleNote } from '@hotstepper/core';
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';
import type { ActionName, CourseModel, InstructorAction } from '../model';
import { formatDue } from '../time';
import { AutogradeView } from './AutogradeView';
import { DueDateForm } from './DueDateForm';
import { Outcome } from './Outcome';

export interface IInstructorViewProps {
  model: CourseModel;
  trans: TranslationBundle;
  /** Opens manual grading of an assignment. */
  onGrade: (assignment: string) => void;
  /** Opens the course's gradebook. */
  onGradebook: () => void;
  /** Opens a file or folder relative to the Jupyter root (the assignment's source folder). */
  onOpen: (path: string) => void;
}

type DashboardEntry = ClassDashboard['assignments'][number];

const STATES = ['notStarted', 'fetched', 'submitted', 'late'] as const;

/** Who is where with a released assignment: a stacked bar and its figures, live. */
export function DashboardBar(props: {
  entry: DashboardEntry;
  students: number;
  trans: TranslationBundle;
}): JSX.Element {
  const { entry, trans } = props;
  const labels = {
    notStarted: trans.__('not started'),
    fetched: trans.__('fetched'),
    submitted: trans.__('submitted'),
    late: trans.__('late')
  };
  const total = Math.max(1, props.students);
  const summary = STATES.map(s => `${entry.counts[s]} ${labels[s]}`).join(', ');
  return (
    <div className="hs-CourseDashboard" data-assignment={entry.name}>
      <div className="hs-CourseDashboard-bar" role="img" aria-label={summary} title={summary}>
        {STATES.map(s => (
          <span
            key={s}
            className={`hs-CourseDashboard-part hs-mod-${s}`}
            style={{ width: `${(entry.counts[s] / total) * 100}%` }}
          />
        ))}
      </div>
      <ul className="hs-CourseDashboard-legend">
        {STATES.map(s => (
          <li key={s} className={`hs-mod-${s}`} data-state={s}>
            <span className="hs-CourseDashboard-swatch" />
            {entry.counts[s]} {labels[s]}
          </li>
        ))}
      </ul>
      <details className="hs-CourseDashboard-students">
        <summary>{trans.__('Students')}</summary>
        <ul>
          {entry.students.map(s => (
            <li key={s.student} data-state={s.state}>
              {s.student} <span className="hs-Panel-note">{labels[stateKey(s.state)]}</span>
            </li>
          ))}
        </ul>
      </details>
    </div>
  );
}

function stateKey(state: DashboardEntry['students'][number]['state']): (typeof STATES)[number] {
  return state === 'not-started' ? 'notStarted' : state;
}

function AssignmentCard(props: IInstructorViewProps & { assignment: Assignment }): JSX.Element {
  const { assignment: a, model, trans } = props;
  const [editing, setEditing] = React.useState(false);
  const outcome = model.outcome(a.name);
  const autograde = model.autogradeIfOpen(a.name);
  const dashboard = model.dashboard.value;
  const entry = dashboard?.assignments.find(d => d.name === a.name);
  const released = a.status === 'released' || a.status === 'closed';
  // Autograding started earlier (or by another grader) shows its progress and failures.
  React.useEffect(() => {
    if (released && a.collected > 0 && !model.autogradeIfOpen(a.name)) {
      void model.autograde(a.name).load();
    }
  }, [released, a.collected]);
  const button = (
    action: ActionName,
    label: string,
    busyLabel: string,
    run: () => void,
    accent = false
  ) => (
    <button
      type="button"
      className={`jp-mod-styled${accent ? ' jp-mod-accept' : ''}`}
      data-action={action}
      disabled={model.busy(a.name, action)}
      onClick={run}
    >
      {model.busy(a.name, action) ? busyLabel : label}
    </button>
  );
  const act = (action: InstructorAction, label: string, busyLabel: string, accent = false) =>
    button(action, label, busyLabel, () => void model.act(action, a.name), accent);
  const statusLabel = {
    draft: trans.__('draft'),
    generated: trans.__('generated'),
    released: trans.__('released'),
    closed: trans.__('closed')
  }[a.status];
  return (
    <li className="hs-Panel-card hs-CourseAssignment" data-assignment={a.name}>
      <div className="hs-Panel-cardHeader">
        <h3 className="hs-Panel-cardTitle">{a.name}</h3>
        <span className={`hs-CourseBadge hs-mod-${a.status}`}>{statusLabel}</span>
        <span className="hs-CourseBadge">{trans.__('%1 pts', a.maxPoints)}</span>
      </div>
      <div className="hs-Panel-cardBody">
        {editing ? (
          <DueDateForm
            trans={trans}
            dueDate={a.dueDate}
            timeZone={a.timeZone}
            submitLabel={trans.__('Save due date')}
            onSubmit={async ({ dueDate, timeZone }) => {
              await model.setDueDate(a.name, dueDate, timeZone);
              const failed = model.outcome(a.name);
              if (failed?.action === 'save' && !failed.ok) {
                throw new Error(failed.message);
              }
              setEditing(false);
            }}
            onCancel={() => setEditing(false)}
          />
        ) : (
          <p className="hs-Panel-note">
            {a.dueDate
              ? trans.__('Due %1', formatDue(a.dueDate, a.timeZone))
              : trans.__('No due date')}{' '}
            <button
              type="button"
              className="jp-Button jp-mod-minimal hs-CourseLink"
              onClick={() => setEditing(true)}
            >
              {trans.__('Change')}
            </button>
          </p>
        )}
        {a.notebooks.length > 0 ? (
          <p className="hs-Panel-note">
            {a.notebooks.map(n => trans.__('%1 (%2 pts)', n.name, n.maxPoints)).join(', ')}
          </p>
        ) : (
          <p className="hs-Panel-note">
            {trans.__('No notebook yet: put them in source/%1/.', a.name)}{' '}
            {a.sourcePath && (
              <button
                type="button"
                className="jp-Button jp-mod-minimal hs-CourseLink"
                onClick={() => props.onOpen(a.sourcePath!)}
              >
                {trans.__('Open folder')}
              </button>
            )}
          </p>
        )}
        {released && (
          <p className="hs-Panel-note hs-CourseCounts">
            {trans.__(
              '%1 waiting to be collected · %2 collected · %3 autograded · %4 to grade by hand',
              a.inbound,
              a.collected,
              a.autograded,
              a.needsManualGrade
            )}
          </p>
        )}
        {released && entry && dashboard && (
          <DashboardBar entry={entry} students={dashboard.students} trans={trans} />
        )}
        <div className="hs-CourseActions">
          {button(
            'validate',
            trans.__('Validate'),
            trans.__('Validating…'),
            () => void model.validate(a.name)
          )}
          {!released && act('generate', trans.__('Generate'), trans.__('Generating…'))}
          {a.status === 'generated' &&
            act('release', trans.__('Release'), trans.__('Releasing…'), true)}
          {released && (
            <>
              {act('unrelease', trans.__('Unrelease'), trans.__('Unreleasing…'))}
              {act('collect', trans.__('Collect'), trans.__('Collecting…'), a.inbound > 0)}
              <button
                type="button"
                className="jp-mod-styled"
                data-action="autograde"
                disabled={autograde?.starting || autograde?.running || a.collected === 0}
                onClick={() => void model.autograde(a.name).start()}
              >
                {autograde?.running ? trans.__('Autograding…') : trans.__('Autograde')}
              </button>
              <button
                type="button"
                className="jp-mod-styled"
                data-action="grade"
                disabled={a.autograded === 0}
                onClick={() => props.onGrade(a.name)}
              >
                {trans.__('Grade')}
              </button>
              {act('feedback', trans.__('Generate feedback'), trans.__('Generating feedback…'))}
              {act(
                'releaseFeedback',
                trans.__('Release feedback'),
                trans.__('Releasing feedback…')
              )}
            </>
          )}
        </div>
        {autograde && <AutogradeView autograde={autograde} trans={trans} />}
        {outcome && outcome.action !== 'save' && (
          <Outcome outcome={outcome} trans={trans} onDismiss={() => model.dismiss(a.name)} />
        )}
      </div>
    </li>
  );
}

/** An instructor's course: new assignment, the assignments with their actions, the class. */
export function InstructorView(props: IInstructorViewProps): JSX.Element {
  const { model, trans } = props;
  const [creating, setCreating] = React.useState(false);
  const state = model.assignments;
  let body: JSX.Element;
  if (!state.value) {
    body = state.error ? (
      <ErrorView message={state.error} onRetry={() => model.refresh()} trans={trans} />
    ) : (
      <LoadingView label={trans.__('Looking for the assignments…')} trans={trans} />
    );
  } else {
    const list = state.value.assignments;
    body = (
      <>
        {state.stale && <StaleNote error={state.error} updatedAt={state.updatedAt} trans={trans} />}
        {model.dashboard.error && (
          <p className="hs-Panel-stale" role="alert">
            {trans.__('Class dashboard: %1', model.dashboard.error)}
          </p>
        )}
        {list.length === 0 ? (
          <p className="hs-Panel-empty">
            {trans.__('No assignment yet: create one, then put its notebooks in source/.')}
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
  return (
    <>
      <div className="hs-CourseToolbar">
        <button
          type="button"
          className="jp-mod-styled"
          aria-expanded={creating}
          onClick={() => setCreating(!creating)}
        >
          {trans.__('New assignment')}
        </button>
        <button type="button" className="jp-mod-styled" onClick={props.onGradebook}>
          {trans.__('Gradebook')}
        </button>
      </div>
      {creating && (
        <DueDateForm
          trans={trans}
          withName
          submitLabel={trans.__('Create')}
          onSubmit={async ({ name, dueDate, timeZone }) => {
            await model.create({
              name,
              ...(dueDate ? { dueDate, timeZone } : {})
            });
            setCreating(false);
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      {body}
    </>
  );
}
