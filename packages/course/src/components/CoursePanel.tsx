import { ErrorView, LoadingView, ModelPanel, StaleNote } from '@hotstepper/core';
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';
import type { CourseModel } from '../model';
import { InstructorView } from './InstructorView';
import { StudentView } from './StudentView';

export interface ICoursePanelProps {
  model: CourseModel;
  trans: TranslationBundle;
  onOpen: (path: string) => void;
  onGrade: (assignment: string) => void;
  onGradebook: () => void;
  confirm: (title: string, body: string, accept: string) => Promise<boolean>;
}

/** The user's courses, a picker when there are several, and what the role in it allows. */
export function CoursePanelView(props: ICoursePanelProps): JSX.Element {
  const { model, trans } = props;
  const state = model.courses;
  let body: JSX.Element;
  if (!state.value) {
    body = state.error ? (
      <ErrorView message={state.error} onRetry={() => model.refresh()} trans={trans} />
    ) : (
      <LoadingView label={trans.__('Looking for your courses…')} trans={trans} />
    );
  } else if (!state.value.available) {
    body = (
      <p className="hs-Panel-error" role="alert">
        {state.value.problem ?? trans.__('nbgrader is not installed on this server.')}
      </p>
    );
  } else if (!state.value.courses.length) {
    body = (
      <p className="hs-Panel-empty">
        {trans.__(
          '%1 takes part in no course. Courses come from your JupyterHub groups (e.g. nbgrader-<course>) or the administrator’s list.',
          state.value.user
        )}
      </p>
    );
  } else {
    const course = model.course;
    const courses = state.value.courses;
    body = (
      <>
        {state.stale && <StaleNote error={state.error} updatedAt={state.updatedAt} trans={trans} />}
        <div className="hs-CoursePicker">
          {courses.length > 1 ? (
            <label>
              {trans.__('Course')}
              <select
                aria-label={trans.__('Course')}
                className="jp-mod-styled"
                value={course?.id ?? ''}
                onChange={e => model.select(e.target.value)}
              >
                {courses.map(c => (
                  <option key={c.id} value={c.id}>
                    {c.title || c.id} ·{' '}
                    {c.role === 'instructor' ? trans.__('instructor') : trans.__('student')}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <h3 className="hs-CoursePicker-title">{course?.title || course?.id}</h3>
          )}
          {course && (
            <span
              className={`hs-CourseBadge hs-mod-${course.role}`}
              title={
                course.source === 'hub'
                  ? trans.__('From the JupyterHub group %1', course.group ?? '')
                  : trans.__('From the administrator’s course list')
              }
            >
              {course.role === 'instructor' ? trans.__('instructor') : trans.__('student')}
            </span>
          )}
        </div>
        {course?.role === 'instructor' ? (
          <InstructorView {...props} />
        ) : course ? (
          <StudentView {...props} />
        ) : null}
      </>
    );
  }
  return (
    <div className="hs-Panel-content hs-CoursePanel-content">
      <h2 className="hs-Panel-title">{trans.__('Course')}</h2>
      {body}
    </div>
  );
}

/** The Course sidebar; the model belongs to the plugin (the cell toolbar asks it too). */
export class CoursePanel extends ModelPanel<CourseModel> {
  constructor(private readonly props: ICoursePanelProps) {
    super(props.model, { ownsModel: false });
    this.addClass('hs-Panel');
    this.addClass('hs-CoursePanel');
  }

  protected render(): JSX.Element {
    return <CoursePanelView {...this.props} />;
  }
}
