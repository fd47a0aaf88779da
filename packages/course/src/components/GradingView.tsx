import type { GradingCell } from '@hotstepper/api';
import { ErrorView, LoadingView, ModelPanel } from '@hotstepper/core';
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';
import { type CellGrade, type GradingModel, isGraded } from '../grading';

export interface IGradingViewProps {
  model: GradingModel;
  trans: TranslationBundle;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** The text of an nbformat output, as the autograder left it (tracebacks without colours). */
export function outputText(output: unknown): string {
  const o = output as {
    output_type?: string;
    text?: string | string[];
    data?: Record<string, string | string[]>;
    ename?: string;
    evalue?: string;
    traceback?: string[];
  };
  const join = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join('') : (v ?? ''));
  switch (o.output_type) {
    case 'stream':
      return join(o.text);
    case 'error':
      return (o.traceback?.join('\n') ?? `${o.ename}: ${o.evalue}`).replace(ANSI, '');
    case 'execute_result':
    case 'display_data':
      return join(o.data?.['text/plain']);
    default:
      return '';
  }
}

const number = (text: string): number | null => (text.trim() === '' ? null : Number(text));

function CellGradeForm(props: {
  cell: GradingCell;
  model: GradingModel;
  trans: TranslationBundle;
  active: boolean;
  index: number;
}): JSX.Element {
  const { cell, model, trans } = props;
  const id = cell.id!;
  const shown = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));
  const [points, setPoints] = React.useState(shown(cell.manualPoints));
  const [extra, setExtra] = React.useState(shown(cell.extraCredit));
  const [comment, setComment] = React.useState(cell.comment ?? '');
  const pointsRef = React.useRef<HTMLInputElement>(null);
  // The answer of a save (or another submission in the same place) resets the fields.
  React.useEffect(() => {
    setPoints(shown(cell.manualPoints));
    setExtra(shown(cell.extraCredit));
    setComment(cell.comment ?? '');
  }, [cell.manualPoints, cell.extraCredit, cell.comment]);
  React.useEffect(() => {
    if (props.active && !pointsRef.current?.contains(document.activeElement)) {
      pointsRef.current?.focus();
    }
  }, [props.active]);
  const save = (grade: CellGrade) => void model.grade(id, grade);
  const max = cell.maxPoints ?? 0;
  const invalid = (v: number | null) => v !== null && (!Number.isFinite(v) || v < 0);
  const savePoints = () => {
    const v = number(points);
    if (!invalid(v) && v !== (cell.manualPoints ?? null)) {
      save({ manualPoints: v });
    }
  };
  const saveExtra = () => {
    const v = number(extra);
    if (!invalid(v) && v !== (cell.extraCredit ?? null)) {
      save({ extraCredit: v });
    }
  };
  const saveComment = () => {
    if (comment !== (cell.comment ?? '')) {
      save({ comment: comment || null });
    }
  };
  const onEnter = (e: React.KeyboardEvent, run: () => void) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      run();
    }
  };
  return (
    <div className="hs-GradeForm" onFocus={() => model.setCell(props.index)}>
      <p className="hs-GradeForm-auto">
        {cell.autoPoints !== undefined && cell.autoPoints !== null
          ? trans.__('Autograder: %1 of %2', cell.autoPoints, max)
          : cell.needsManualGrade
            ? trans.__('Needs a grade (%1 pts)', max)
            : trans.__('%1 pts', max)}
      </p>
      <label>
        {trans.__('Points')}
        <input
          ref={pointsRef}
          aria-label={trans.__('Points of %1', id)}
          className="jp-mod-styled"
          type="number"
          min={0}
          max={max}
          step="any"
          aria-invalid={invalid(number(points))}
          placeholder={shown(cell.autoPoints)}
          value={points}
          onChange={e => setPoints(e.target.value)}
          onBlur={savePoints}
          onKeyDown={e => onEnter(e, savePoints)}
        />
        <span className="hs-GradeForm-max">/ {max}</span>
      </label>
      <label>
        {trans.__('Extra credit')}
        <input
          className="jp-mod-styled"
          type="number"
          min={0}
          step="any"
          aria-label={trans.__('Extra credit of %1', id)}
          value={extra}
          onChange={e => setExtra(e.target.value)}
          onBlur={saveExtra}
          onKeyDown={e => onEnter(e, saveExtra)}
        />
      </label>
      <label className="hs-GradeForm-comment">
        {trans.__('Comment')}
        <textarea
          className="jp-mod-styled"
          rows={2}
          aria-label={trans.__('Comment on %1', id)}
          value={comment}
          onChange={e => setComment(e.target.value)}
          onBlur={saveComment}
        />
      </label>
      {cell.autoComment && <p className="hs-Panel-note">{cell.autoComment}</p>}
      {model.saving(id) && (
        <span className="hs-Panel-note" role="status">
          {trans.__('Saving…')}
        </span>
      )}
    </div>
  );
}

/**
 * Manual grading, one notebook of one submission at a time: every cell with its output, and
 * points and a comment beside each graded one. Keys: Alt+↓/↑ next/previous graded cell,
 * Alt+→/← next/previous submission (the next one is already loaded).
 */
export function GradingView(props: IGradingViewProps): JSX.Element {
  const { model, trans } = props;
  const current = model.current;
  const graded = model.gradedCells;
  const activeId = graded[model.cellIndex]?.id;
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (!e.altKey || e.ctrlKey || e.metaKey) {
      return;
    }
    const moves: Record<string, () => void> = {
      ArrowDown: () => model.moveCell(1),
      ArrowUp: () => model.moveCell(-1),
      ArrowRight: () => void model.next(),
      ArrowLeft: () => void model.previous()
    };
    const move = moves[e.key];
    if (move) {
      e.preventDefault();
      // A field left by the key saves first (its blur), then the view moves.
      (document.activeElement as HTMLElement | null)?.blur?.();
      move();
    }
  };
  let body: JSX.Element;
  if (!current) {
    body = model.error ? (
      <ErrorView message={model.error} trans={trans} />
    ) : model.loading ? (
      <LoadingView label={trans.__('Loading the submission…')} trans={trans} />
    ) : (
      <p className="hs-Panel-empty">{trans.__('No submission to grade yet.')}</p>
    );
  } else {
    body = (
      <>
        <header className="hs-Grading-header">
          <h2>{trans.__('%1 · %2 · %3', current.assignment, current.student, current.notebook)}</h2>
          {current.late && <span className="hs-CourseBadge hs-mod-late">{trans.__('late')}</span>}
          <span className="hs-CourseBadge hs-mod-score" data-score={current.score}>
            {trans.__('%1 / %2', current.score, current.maxPoints)}
          </span>
          <div className="hs-CourseActions">
            <button
              type="button"
              className="jp-mod-styled"
              disabled={!current.previous}
              title={trans.__('Previous submission (Alt+←)')}
              onClick={() => void model.previous()}
            >
              {trans.__('← Previous')}
            </button>
            <button
              type="button"
              className="jp-mod-styled"
              disabled={!current.next}
              title={trans.__('Next submission (Alt+→)')}
              onClick={() => void model.next()}
            >
              {trans.__('Next →')}
            </button>
          </div>
          {model.loading && (
            <span className="hs-Panel-note" role="status">
              {trans.__('Loading…')}
            </span>
          )}
        </header>
        {model.error && (
          <p className="hs-Panel-error" role="alert">
            {model.error}
          </p>
        )}
        <p className="hs-Panel-note hs-Grading-keys">
          {trans.__(
            'Alt+↓ / Alt+↑: next / previous graded cell · Alt+→ / Alt+←: next / previous submission'
          )}
        </p>
        <ol className="hs-Grading-cells">
          {current.cells.map((cell, i) => {
            const index = graded.indexOf(cell);
            return (
              <li
                key={`${current.student}/${current.notebook}/${cell.id ?? i}`}
                className={`hs-GradingCell hs-mod-${cell.kind}${cell.id && cell.id === activeId ? ' hs-mod-active' : ''}`}
                data-cell={cell.id}
                data-kind={cell.kind}
              >
                <div className="hs-GradingCell-main">
                  <pre className={`hs-GradingCell-source hs-mod-${cell.cellType}`}>
                    {cell.source}
                  </pre>
                  {cell.outputs.length > 0 && (
                    <pre className="hs-GradingCell-output" aria-label={trans.__('Output')}>
                      {cell.outputs.map(outputText).join('')}
                    </pre>
                  )}
                </div>
                {isGraded(cell) && (
                  <CellGradeForm
                    cell={cell}
                    model={model}
                    trans={trans}
                    index={index}
                    active={cell.id === activeId}
                  />
                )}
              </li>
            );
          })}
        </ol>
      </>
    );
  }
  return (
    <div className="hs-Grading" onKeyDown={onKeyDown}>
      {body}
    </div>
  );
}

/** The grading tab's content. */
export class GradingPanel extends ModelPanel<GradingModel> {
  constructor(private readonly props: IGradingViewProps) {
    super(props.model);
    this.addClass('hs-GradingPanel');
  }

  protected render(): JSX.Element {
    return <GradingView {...this.props} />;
  }
}
