import type { HubServer, HubServerList } from '@hotstepper/api';
import { formatDuration } from '@hotstepper/core';
import { Dialog, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';
import type { UsageModel } from '../model';
import { Card } from './Card';
import type { ICardViewProps } from './NowCard';

const STATE_MOD: Record<HubServer['state'], string> = {
  running: 'hs-mod-success',
  starting: 'hs-mod-info',
  stopping: 'hs-mod-warn',
  stopped: 'hs-mod-neutral'
};

/** JupyterHub's own rule for a new server's name (it refuses others). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

function stateLabel(state: HubServer['state'], trans: TranslationBundle): string {
  switch (state) {
    case 'running':
      return trans.__('running');
    case 'starting':
      return trans.__('starting');
    case 'stopping':
      return trans.__('stopping');
    default:
      return trans.__('stopped');
  }
}

/** The user's servers under JupyterHub, each started or stopped from here; the hub's limit. */
export function ServersCard({ model, trans }: ICardViewProps): JSX.Element {
  const list = model.servers.value;
  return (
    <Card<HubServerList>
      name="servers"
      title={trans.__('My servers')}
      state={model.servers}
      trans={trans}
      badge={
        list?.available ? (
          <span className="hs-ServersCard-count">{trans.__('%1 running', list.running)}</span>
        ) : undefined
      }
    >
      {value =>
        value.available ? (
          <ServerList list={value} model={model} trans={trans} />
        ) : (
          <p className="hs-Panel-error" role="status">
            {value.reason}
          </p>
        )
      }
    </Card>
  );
}

function ServerList(props: {
  list: HubServerList;
  model: UsageModel;
  trans: TranslationBundle;
}): JSX.Element {
  const { list, model, trans } = props;
  const [busy, setBusy] = React.useState<string | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [name, setName] = React.useState('');
  const act = async (server: string, action: 'start' | 'stop' | 'remove') => {
    if (action === 'remove') {
      const answer = await showDialog({
        title: trans.__('Remove the server %1?', server),
        body: trans.__(
          'JupyterHub forgets the stopped server %1; on some platforms its own volume goes with it. Your home stays.',
          server
        ),
        buttons: [
          Dialog.cancelButton({ label: trans.__('Cancel') }),
          Dialog.warnButton({ label: trans.__('Remove') })
        ]
      });
      if (!answer.button.accept) {
        return;
      }
    }
    setBusy(server);
    setError(null);
    try {
      await model.serverAction({ name: server, action });
      if (action === 'start' && server === name) {
        setName('');
      }
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(null);
    }
  };
  // The hub's limit counts named servers, running or stopped; the default one is not counted.
  const named = list.servers.filter(s => s.name !== '').length;
  const full = list.limit !== null && named >= list.limit;
  const fullReason = trans.__(
    'You have %1 of %2 named servers: remove a stopped one before making another',
    named,
    list.limit ?? 0
  );
  const taken = list.servers.some(s => s.name === name);
  const nameProblem =
    name === ''
      ? null
      : !NAME.test(name)
        ? trans.__('Letters, digits, ".", "_" and "-", starting with a letter or digit')
        : taken
          ? trans.__('You already have a server called %1', name)
          : null;
  const now = Date.now();
  return (
    <>
      <ul className="hs-ServersCard-list" aria-label={trans.__('Your servers')}>
        {list.servers.map(s => {
          const label = s.name || trans.__('default');
          return (
            <li key={s.name} className="hs-ServersCard-item" data-server={s.name}>
              <div className="hs-ServersCard-line">
                <span className="hs-ServersCard-name">{label}</span>
                <span className={`hs-Badge ${STATE_MOD[s.state]}`}>
                  {stateLabel(s.state, trans)}
                </span>
                {s.current && (
                  <span className="hs-ServersCard-current">{trans.__('this page')}</span>
                )}
              </div>
              {s.lastActivity && (
                <div className="hs-ServersCard-activity">
                  {trans.__(
                    'last active %1 ago',
                    formatDuration(Math.max(0, (now - Date.parse(s.lastActivity)) / 1000))
                  )}
                </div>
              )}
              {!s.current && (
                <div className="hs-ServersCard-actions">
                  {s.state === 'running' && s.url && (
                    <a
                      className="jp-Button jp-mod-styled jp-mod-reject hs-ServersCard-open"
                      href={s.url}
                      target="_blank"
                      rel="noopener noreferrer"
                      aria-label={trans.__('Open %1 in a new tab', label)}
                    >
                      {trans.__('Open')}
                    </a>
                  )}
                  {s.state === 'stopped' ? (
                    <>
                      <button
                        type="button"
                        className="jp-Button jp-mod-styled jp-mod-accept"
                        disabled={busy !== null}
                        aria-label={trans.__('Start %1', label)}
                        onClick={() => void act(s.name, 'start')}
                      >
                        {trans.__('Start')}
                      </button>
                      {s.name !== '' && (
                        <button
                          type="button"
                          className="jp-Button jp-mod-styled jp-mod-reject"
                          disabled={busy !== null}
                          aria-label={trans.__('Remove %1', label)}
                          onClick={() => void act(s.name, 'remove')}
                        >
                          {trans.__('Remove')}
                        </button>
                      )}
                    </>
                  ) : (
                    <button
                      type="button"
                      className="jp-Button jp-mod-styled jp-mod-warn"
                      disabled={busy !== null || s.state === 'stopping'}
                      aria-label={trans.__('Stop %1', label)}
                      onClick={() => void act(s.name, 'stop')}
                    >
                      {trans.__('Stop')}
                    </button>
                  )}
                </div>
              )}
            </li>
          );
        })}
      </ul>
      <form
        className="hs-ServersCard-new"
        onSubmit={e => {
          e.preventDefault();
          if (name && !nameProblem && !full) {
            void act(name, 'start');
          }
        }}
      >
        <label className="hs-ServersCard-newLabel">
          {list.limit !== null
            ? trans.__('New server (%1 of %2 named)', named, list.limit)
            : trans.__('New server')}
          <input
            className="jp-mod-styled hs-ServersCard-newName"
            value={name}
            placeholder={trans.__('name')}
            aria-invalid={nameProblem !== null}
            onChange={e => setName(e.target.value.trim())}
          />
        </label>
        <button
          type="submit"
          className="jp-Button jp-mod-styled jp-mod-accept"
          disabled={!name || nameProblem !== null || full || busy !== null}
          title={full ? fullReason : undefined}
        >
          {trans.__('Start')}
        </button>
      </form>
      {(nameProblem || (full && name)) && (
        <p className="hs-Panel-note hs-ServersCard-hint">{nameProblem ?? fullReason}</p>
      )}
      {error && (
        <p className="hs-Panel-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
