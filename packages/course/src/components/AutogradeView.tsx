import type { TranslationBundle } from '@jupyterlab/translation';
import { Meter } from '@hotstepper/core';
import React from 'react';
import { type AutogradeModel, isActive } from '../autograde';

/** Autograding progress of one assignment: a bar, the active jobs, each failure with a re-run. */
export function AutogradeView(props: {
  autograde: AutogradeModel;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { autograde, trans } = props;
  const progress = autograde.progress;
  if (!progress) {
    return autograde.error ? (
      <p className="hs-Panel-error" role="alert">
        {autograde.error}
      </p>
    ) : null;
  }
  const { done, failed, total } = progress;
  const active = progress.entries.filter(isActive);
  return (
    <section className="hs-CourseAutograde" aria-label={trans.__('Autograding')}>
      {total > 0 && (
        <Meter
          label={trans.__('Autograded')}
          part="autograde"
          value={trans.__('%1 of %2, %3 failed', done, total, failed)}
          fraction={total ? (done + failed) / total : null}
          level={failed ? 'warn' : 'ok'}
        />
      )}
      {active.length > 0 && (
        <p className="hs-Panel-note" role="status">
          {trans.__('Running: %1', active.map(e => e.student).join(', '))}
        </p>
      )}
      {autograde.failures.length > 0 && (
        <ul className="hs-CourseAutograde-failures" aria-label={trans.__('Failed autograding')}>
          {autograde.failures.map(e => (
            <li key={e.student} data-student={e.student}>
              <strong>{e.student}</strong>
              <span className="hs-CourseAutograde-reason">
                {e.reason ?? trans.__('no reason given')}
              </span>
              <button
                type="button"
                className="jp-mod-styled"
                disabled={autograde.starting}
                onClick={() => void autograde.rerun(e.student)}
              >
                {trans.__('Re-run')}
              </button>
            </li>
          ))}
        </ul>
      )}
      {autograde.error && (
        <p className="hs-Panel-stale" role="alert">
          {autograde.error}
        </p>
      )}
    </section>
  );
}
