import type { Storage } from '@hotstepper/api';
import {
  ErrorView,
  LoadingView,
  Meter,
  ModelPanel,
  StaleNote,
  formatBytes,
  formatPercent
} from '@hotstepper/core';
import type { TranslationBundle } from '@jupyterlab/translation';
import { copyIcon } from '@jupyterlab/ui-components';
import React from 'react';
import { KIND_ICONS } from '../icons';
import type { StorageModel } from '../model';

export interface IStorageCardsProps {
  model: StorageModel;
  trans: TranslationBundle;
  /** Opens the storage's browser (or Home's, the main one). */
  onOpen: (name: string) => void;
  onCopyPath: (name: string) => void;
}

function StorageCard(props: IStorageCardsProps & { storage: Storage }): JSX.Element {
  const { storage, model, trans } = props;
  const Icon = KIND_ICONS[storage.kind];
  const selected = model.selected === storage.name;
  const { fraction, level } = model.level(storage);
  const readOnly = storage.mode === 'ro';
  const open = () => props.onOpen(storage.name);
  return (
    <li
      className={`hs-Panel-card hs-StorageCard${selected ? ' hs-mod-selected' : ''}`}
      data-storage={storage.name}
      role="button"
      tabIndex={0}
      aria-pressed={selected}
      aria-label={trans.__('Browse %1', storage.label)}
      onClick={open}
      onKeyDown={e => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          open();
        }
      }}
    >
      <div className="hs-Panel-cardHeader">
        <Icon.react tag="span" className="hs-StorageCard-icon" />
        <h3 className="hs-Panel-cardTitle">{storage.label}</h3>
        <span
          className={`hs-StorageCard-badge hs-mod-${storage.mode}`}
          title={readOnly ? storage.reason : trans.__('You can read and write here')}
        >
          {readOnly ? trans.__('RO') : trans.__('RW')}
        </span>
        <button
          className="hs-StorageCard-copy jp-Button jp-mod-minimal"
          title={trans.__('Copy the path %1', storage.path)}
          aria-label={trans.__('Copy the path of %1', storage.label)}
          onClick={e => {
            e.stopPropagation();
            props.onCopyPath(storage.name);
          }}
        >
          <copyIcon.react tag="span" />
        </button>
      </div>
      <div className="hs-Panel-cardBody">
        <code className="hs-StorageCard-path">{storage.path}</code>
        {storage.description && <p className="hs-Panel-note">{storage.description}</p>}
        {storage.available && storage.capacity !== undefined ? (
          <Meter
            label={trans.__('Used')}
            part="storage"
            value={trans.__(
              '%1 of %2 (%3), %4 free',
              formatBytes(storage.used ?? 0),
              formatBytes(storage.capacity),
              formatPercent(fraction ?? 0),
              formatBytes(storage.free ?? 0)
            )}
            fraction={fraction}
            level={level}
            ariaLabel={trans.__('%1 used', storage.label)}
          />
        ) : (
          <p className="hs-Panel-error" role="status">
            {storage.problem ?? trans.__('Not available')}
          </p>
        )}
        {readOnly && storage.reason && (
          <p className="hs-StorageCard-reason" role="note">
            {storage.reason}
          </p>
        )}
      </div>
    </li>
  );
}

/** The user, their groups, and a card per storage. */
export function StorageCardsView(props: IStorageCardsProps): JSX.Element {
  const { model, trans } = props;
  const state = model.list;
  let body: JSX.Element;
  if (!state.value) {
    body = state.error ? (
      <ErrorView message={state.error} onRetry={() => model.refresh()} />
    ) : (
      <LoadingView label={trans.__('Looking for your storages…')} />
    );
  } else {
    const list = state.value;
    body = (
      <>
        <ul className="hs-StorageCards" aria-label={trans.__('Storages')}>
          {list.storages.map(s => (
            <StorageCard key={s.name} {...props} storage={s} />
          ))}
        </ul>
        <p className="hs-Panel-note hs-StorageCards-groups">
          {list.groups.length
            ? trans.__(
                '%1 · groups (%2): %3',
                list.user,
                list.groupsSource === 'hub' ? trans.__('JupyterHub') : trans.__('system'),
                list.groups.join(', ')
              )
            : trans.__('%1 · no groups', list.user)}
        </p>
        {state.stale && <StaleNote error={state.error} updatedAt={state.updatedAt} />}
      </>
    );
  }
  return (
    <div className="hs-Panel-content">
      <h2 className="hs-Panel-title">{trans.__('Storages')}</h2>
      {body}
    </div>
  );
}

/** The cards part of the panel; the model belongs to the plugin. */
export class StorageCards extends ModelPanel<StorageModel> {
  constructor(private readonly props: Omit<IStorageCardsProps, 'model'> & { model: StorageModel }) {
    super(props.model, { ownsModel: false });
    this.addClass('hs-Panel');
    this.addClass('hs-StorageCards-panel');
  }

  protected render(): JSX.Element {
    return <StorageCardsView {...this.props} />;
  }
}
