import { ErrorView, type IResourceState, LoadingView, StaleNote } from '@hotstepper/core';
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';
import type { CardName } from '../model';

export interface ICardProps<T> {
  name: CardName;
  title: string;
  state: IResourceState<T>;
  trans: TranslationBundle;
  /** Whether an answer has nothing to show. */
  isEmpty?: (value: T) => boolean;
  /** What the card says when the answer is empty. */
  empty?: string;
  /** Shown beside the title, e.g. the "Estimate" label. */
  badge?: React.ReactNode;
  /** Shown in the header, right-aligned, e.g. the range toggle. */
  tools?: React.ReactNode;
  children: (value: T) => React.ReactNode;
}

/**
 * A card of the usage panel with its loading, empty and error states. A
 * failed refresh keeps the last figures and says they are out of date.
 */
export function Card<T>(props: ICardProps<T>): JSX.Element {
  const { name, title, state, trans } = props;
  const titleId = `hs-UsageCard-${name}-title`;
  let body: React.ReactNode;
  if (state.value === undefined) {
    body = state.error ? (
      <ErrorView
        className="hs-Panel-error hs-UsageCard-error"
        message={trans.__('Could not load: %1', state.error)}
        trans={trans}
      />
    ) : (
      <LoadingView className="hs-UsageCard-loading" trans={trans} />
    );
  } else if (props.isEmpty?.(state.value)) {
    body = (
      <p className="hs-Panel-empty hs-UsageCard-empty">
        {props.empty ?? trans.__('Nothing to show yet')}
      </p>
    );
  } else {
    body = props.children(state.value);
  }
  return (
    <section
      className={`hs-Panel-card hs-UsageCard hs-UsageCard-${name}`}
      aria-labelledby={titleId}
      data-state={
        state.value === undefined
          ? state.error
            ? 'error'
            : 'loading'
          : state.stale
            ? 'stale'
            : 'ok'
      }
    >
      <header className="hs-Panel-cardHeader hs-UsageCard-header">
        <h3 className="hs-Panel-cardTitle hs-UsageCard-title" id={titleId}>
          {title}
        </h3>
        {props.badge}
        {props.tools && <div className="hs-Panel-cardTools hs-UsageCard-tools">{props.tools}</div>}
      </header>
      {state.stale && (
        <StaleNote
          className="hs-UsageCard-stale"
          error={state.error}
          refreshing={state.loading}
          updatedAt={state.updatedAt}
          trans={trans}
        />
      )}
      <div className="hs-Panel-cardBody hs-UsageCard-body">{body}</div>
    </section>
  );
}
