import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';
import type { CardName, IResourceState } from '../panelModel';

export interface ICardProps<T> {
  name: CardName;
  title: string;
  state: IResourceState<T>;
  trans: TranslationBundle;
  /** Whether an answer has nothing to show. */
  isEmpty?: (data: T) => boolean;
  /** What the card says when the answer is empty. */
  empty?: string;
  /** Shown beside the title, e.g. the "Estimate" label. */
  badge?: React.ReactNode;
  /** Shown in the header, right-aligned, e.g. the range toggle. */
  tools?: React.ReactNode;
  children: (data: T) => React.ReactNode;
}

/**
 * A card of the usage panel with its loading, empty and error states. A
 * failed refresh keeps the last figures and says they are out of date.
 */
export function Card<T>(props: ICardProps<T>): JSX.Element {
  const { name, title, state, trans } = props;
  const titleId = `hs-UsageCard-${name}-title`;
  let body: React.ReactNode;
  if (state.data === undefined) {
    body = state.error ? (
      <p className="hs-UsageCard-error" role="alert">
        {trans.__('Could not load: %1', state.error)}
      </p>
    ) : (
      <p className="hs-UsageCard-loading" role="status">
        {trans.__('Loading…')}
      </p>
    );
  } else if (props.isEmpty?.(state.data)) {
    body = <p className="hs-UsageCard-empty">{props.empty ?? trans.__('Nothing to show yet')}</p>;
  } else {
    body = props.children(state.data);
  }
  return (
    <section
      className={`hs-UsageCard hs-UsageCard-${name}`}
      aria-labelledby={titleId}
      data-state={
        state.data === undefined
          ? state.error
            ? 'error'
            : 'loading'
          : state.error
            ? 'stale'
            : 'ok'
      }
    >
      <header className="hs-UsageCard-header">
        <h3 className="hs-UsageCard-title" id={titleId}>
          {title}
        </h3>
        {props.badge}
        {props.tools && <div className="hs-UsageCard-tools">{props.tools}</div>}
      </header>
      {state.data !== undefined && state.error && (
        <p className="hs-UsageCard-stale" role="alert">
          {state.updatedAt
            ? trans.__(
                'Not updated since %1: %2',
                new Date(state.updatedAt).toLocaleTimeString(),
                state.error
              )
            : trans.__('Not updated: %1', state.error)}
        </p>
      )}
      <div className="hs-UsageCard-body">{body}</div>
    </section>
  );
}
