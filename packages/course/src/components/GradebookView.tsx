import { ErrorView, LoadingView, ModelPanel, StaleNote, saveBlob } from '@hotstepper/core';
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';
import {
  type GradebookModel,
  type SortKey,
  columnSummary,
  distribution,
  gradebookCsv
} from '../gradebook';

export interface IGradebookViewProps {
  model: GradebookModel;
  trans: TranslationBundle;
  /** Bars of the distribution chart. */
  bins: number;
  /** Opens manual grading of one student's submission. */
  onGrade?: (assignment: string, student: string) => void;
}

const LazyChart = React.lazy(() =>
  import('./charts').then(m => ({ default: m.DistributionChart }))
);

/** Says so when the chart's chunk cannot be loaded rather than breaking the table. */
class ChartBoundary extends React.Component<
  { trans: TranslationBundle; children: React.ReactNode },
  { error?: Error }
> {
  state: { error?: Error } = {};

  static getDerivedStateFromError(error: Error): { error: Error } {
    return { error };
  }

  render(): React.ReactNode {
    if (this.state.error) {
      return (
        <p className="hs-Panel-error" role="alert">
          {this.props.trans.__('The chart could not be drawn: %1', this.state.error.message)}
        </p>
      );
    }
    return (
      <React.Suspense
        fallback={
          <p className="hs-Panel-loading" role="status">
            {this.props.trans.__('Loading chart…')}
          </p>
        }
      >
        {this.props.children}
      </React.Suspense>
    );
  }
}

const format = (n: number) =>
  new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 }).format(n);

/** Students × assignments: totals, sort, filter, late flags, a distribution per assignment, CSV. */
export function GradebookView(props: IGradebookViewProps): JSX.Element {
  const { model, trans } = props;
  const [column, setColumn] = React.useState(0);
  const state = model.gradebook;
  const gradebook = state.value;
  if (!gradebook) {
    return (
      <div className="hs-Gradebook">
        {state.error ? (
          <ErrorView message={state.error} onRetry={() => model.refresh()} trans={trans} />
        ) : (
          <LoadingView label={trans.__('Reading the gradebook…')} trans={trans} />
        )}
      </div>
    );
  }
  const view = model.view;
  const rows = model.rows;
  const sortHeader = (key: SortKey, label: string, title?: string) => {
    const sorted = view.sort === key;
    return (
      <th
        scope="col"
        aria-sort={sorted ? (view.descending ? 'descending' : 'ascending') : 'none'}
        title={title}
      >
        <button type="button" className="hs-Gradebook-sort" onClick={() => model.sortBy(key)}>
          {label}
          {sorted ? (view.descending ? ' ▼' : ' ▲') : ''}
        </button>
      </th>
    );
  };
  const exportCsv = () => {
    const blob = new Blob([gradebookCsv(gradebook, rows)], { type: 'text/csv' });
    saveBlob(blob, `${gradebook.course}-gradebook.csv`);
  };
  const chosen = Math.min(column, Math.max(0, gradebook.assignments.length - 1));
  const summary = gradebook.assignments.length ? columnSummary(gradebook, chosen) : null;
  return (
    <div className="hs-Gradebook">
      <header className="hs-Gradebook-header">
        <h2>{trans.__('Gradebook · %1', gradebook.course)}</h2>
        <label>
          {trans.__('Filter')}
          <input
            className="jp-mod-styled"
            type="search"
            aria-label={trans.__('Filter')}
            placeholder={trans.__('student or name')}
            value={view.filter}
            onChange={e => model.setView({ filter: e.target.value })}
          />
        </label>
        <label>
          <input
            type="checkbox"
            checked={view.lateOnly}
            onChange={e => model.setView({ lateOnly: e.target.checked })}
          />
          {trans.__('Late only')}
        </label>
        <label>
          <input
            type="checkbox"
            checked={view.needsGradingOnly}
            onChange={e => model.setView({ needsGradingOnly: e.target.checked })}
          />
          {trans.__('Needs grading')}
        </label>
        <button type="button" className="jp-mod-styled" onClick={exportCsv}>
          {trans.__('Export CSV')}
        </button>
      </header>
      {state.stale && <StaleNote error={state.error} updatedAt={state.updatedAt} trans={trans} />}
      {gradebook.rows.length === 0 ? (
        <p className="hs-Panel-empty">{trans.__('No student in the gradebook yet.')}</p>
      ) : (
        <>
          <p className="hs-Panel-note" role="status">
            {trans.__('%1 of %2 students', rows.length, gradebook.rows.length)}
          </p>
          <div className="hs-Gradebook-scroll">
            <table className="hs-Gradebook-table">
              <thead>
                <tr>
                  {sortHeader('student', trans.__('Student'))}
                  {sortHeader('name', trans.__('Name'))}
                  {gradebook.assignments.map((a, j) => (
                    <React.Fragment key={a.name}>
                      {sortHeader(j, a.name, trans.__('%1 pts', a.maxPoints))}
                    </React.Fragment>
                  ))}
                  {sortHeader('total', trans.__('Total'))}
                </tr>
              </thead>
              <tbody>
                {rows.map(row => (
                  <tr key={row.student} data-student={row.student}>
                    <th scope="row">{row.student}</th>
                    <td>{[row.firstName, row.lastName].filter(Boolean).join(' ')}</td>
                    {row.scores.map((s, j) => (
                      <td
                        key={j}
                        className={`hs-Gradebook-score${s.late ? ' hs-mod-late' : ''}${s.needsManualGrade ? ' hs-mod-needsGrade' : ''}`}
                        data-assignment={gradebook.assignments[j]?.name}
                      >
                        {s.score === null ? '–' : format(s.score)}
                        {s.late && (
                          <span className="hs-CourseBadge hs-mod-late" title={trans.__('late')}>
                            {trans.__('late')}
                          </span>
                        )}
                        {s.needsManualGrade &&
                          (props.onGrade ? (
                            <button
                              type="button"
                              className="jp-Button jp-mod-minimal hs-CourseLink"
                              title={trans.__('Needs a grade by hand: grade it')}
                              onClick={() =>
                                props.onGrade!(gradebook.assignments[j].name, row.student)
                              }
                            >
                              ✎
                            </button>
                          ) : (
                            <span title={trans.__('Needs a grade by hand')}>✎</span>
                          ))}
                      </td>
                    ))}
                    <td className="hs-Gradebook-total">
                      {trans.__('%1 / %2', format(row.total), format(row.maxTotal))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      {gradebook.assignments.length > 0 && summary && (
        <section className="hs-Gradebook-distribution" aria-label={trans.__('Score distribution')}>
          <label>
            {trans.__('Score distribution of')}
            <select
              aria-label={trans.__('Score distribution of')}
              className="jp-mod-styled"
              value={chosen}
              onChange={e => setColumn(Number(e.target.value))}
            >
              {gradebook.assignments.map((a, j) => (
                <option key={a.name} value={j}>
                  {a.name}
                </option>
              ))}
            </select>
          </label>
          <p className="hs-Panel-note">
            {trans.__(
              '%1 submitted · %2 late · %3 to grade by hand · mean %4',
              summary.submitted,
              summary.late,
              summary.needsGrading,
              summary.mean === null ? '–' : format(summary.mean)
            )}
          </p>
          <div
            className="hs-Gradebook-chart"
            role="img"
            tabIndex={0}
            aria-label={distribution(gradebook, chosen, props.bins)
              .map(b => `${b.label}: ${b.count}`)
              .join(', ')}
          >
            <ChartBoundary trans={trans}>
              <LazyChart
                bins={distribution(gradebook, chosen, props.bins)}
                countLabel={trans.__('students')}
              />
            </ChartBoundary>
          </div>
        </section>
      )}
    </div>
  );
}

/** The gradebook tab's content. */
export class GradebookPanel extends ModelPanel<GradebookModel> {
  constructor(private readonly props: IGradebookViewProps) {
    super(props.model);
    this.addClass('hs-GradebookPanel');
  }

  /** Bars of the chart, from the settings. */
  set bins(value: number) {
    (this.props as { bins: number }).bins = value;
    this.update();
  }

  protected render(): JSX.Element {
    return <GradebookView {...this.props} />;
  }
}
