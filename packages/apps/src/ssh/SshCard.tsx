import type { SshAuthorizedKey, SshKeyInfo, SshStatus } from '@hotstepper/api';
import { ErrorView, LoadingView } from '@hotstepper/core';
import { Clipboard } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useEffect, useRef, useState } from 'react';
import type { SshModel } from './model';

export interface ISshCardProps {
  model: SshModel;
  trans: TranslationBundle;
}

/** A command with a Copy button (which says so for two seconds); the text stays selectable. */
function Copyable(props: { text: string; label: string; trans: TranslationBundle }): JSX.Element {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) {
      return;
    }
    const timer = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(timer);
  }, [copied]);
  return (
    <div className="hs-SshCard-copyable">
      <pre className="hs-SshCard-command" aria-label={props.label}>
        {props.text}
      </pre>
      <button
        type="button"
        className="jp-mod-styled hs-SshCard-copy"
        aria-label={props.trans.__('Copy: %1', props.label)}
        onClick={() => {
          Clipboard.copyToSystem(props.text);
          setCopied(true);
        }}
      >
        <span aria-live="polite">{copied ? props.trans.__('Copied') : props.trans.__('Copy')}</span>
      </button>
    </div>
  );
}

function Fingerprints(props: { keys: SshKeyInfo[]; label: string }): JSX.Element {
  return (
    <ul className="hs-SshCard-fingerprints" aria-label={props.label}>
      {props.keys.map(key => (
        <li key={key.fingerprint}>
          <span className="hs-SshCard-type">{key.type}</span>{' '}
          <code className="hs-SshCard-fingerprint">{key.fingerprint}</code>
        </li>
      ))}
    </ul>
  );
}

function ServerPart(props: ISshCardProps & { status: SshStatus }): JSX.Element {
  const { status, model, trans } = props;
  const state = !status.installed
    ? trans.__('No SSH server in this image.')
    : status.running
      ? trans.__('The SSH server is running on port %1.', status.port)
      : trans.__('An SSH server is installed but nothing listens on port %1.', status.port);
  return (
    <>
      <p className="hs-SshCard-state" data-running={status.running ? 'yes' : 'no'}>
        {state}
      </p>
      {status.running && status.command && (
        <>
          <Copyable text={status.command} label={trans.__('SSH command')} trans={trans} />
          {status.ipv6Only && (
            <p className="hs-SshCard-note">
              {trans.__(
                'This address is reachable over IPv6 only. From a network without IPv6, use SSH over HTTPS below.'
              )}
            </p>
          )}
        </>
      )}
      {status.hostKeys.length > 0 && (
        <details className="hs-SshCard-details">
          <summary>{trans.__('Host key fingerprints (compare on first connection)')}</summary>
          <Fingerprints keys={status.hostKeys} label={trans.__('Host key fingerprints')} />
          {status.keepHostKeys.supported &&
            (status.keepHostKeys.kept ? (
              <p className="hs-SshCard-note">
                {trans.__(
                  'Kept in %1: they stay the same after a restart.',
                  status.keepHostKeys.dir
                )}
              </p>
            ) : (
              <button
                type="button"
                className="jp-mod-styled"
                disabled={model.busy}
                onClick={() => void model.keepHostKeys()}
              >
                {trans.__('Keep my host keys')}
              </button>
            ))}
        </details>
      )}
    </>
  );
}

function KeyRow(props: ISshCardProps & { entry: SshAuthorizedKey }): JSX.Element {
  const { entry, model, trans } = props;
  const name = entry.comment || entry.fingerprint;
  return (
    <li className="hs-SshCard-key">
      <div className="hs-SshCard-keyText">
        <span className="hs-SshCard-comment">{entry.comment || trans.__('(no comment)')}</span>
        <span className="hs-SshCard-type">{entry.type}</span>
        <code className="hs-SshCard-fingerprint">{entry.fingerprint}</code>
        {entry.options && (
          <span className="hs-SshCard-options">{trans.__('Options: %1', entry.options)}</span>
        )}
      </div>
      <button
        type="button"
        className="jp-mod-styled jp-mod-reject"
        aria-label={trans.__('Remove key %1', name)}
        disabled={model.busy}
        onClick={() => void model.removeKey(entry.fingerprint)}
      >
        {trans.__('Remove')}
      </button>
    </li>
  );
}

function KeysPart(props: ISshCardProps): JSX.Element {
  const { model, trans } = props;
  const [text, setText] = useState('');
  const upload = useRef<HTMLInputElement>(null);
  const state = model.keys;
  const list = state.value;
  const notice = model.notice;
  const add = async (value: string) => {
    if (await model.addKeys(value)) {
      setText('');
    }
  };
  return (
    <div className="hs-SshCard-keys">
      <h4 className="hs-SshCard-heading">
        {trans.__('Authorized keys')} {list && <span className="hs-SshCard-path">{list.path}</span>}
      </h4>
      {state.loading && !list && <LoadingView trans={trans} />}
      {state.error && !list && (
        <ErrorView message={state.error} trans={trans} onRetry={() => model.refresh()} />
      )}
      {list && list.keys.length === 0 && (
        <p className="hs-Panel-note">
          {trans.__('No keys yet: add your public key to log in with ssh.')}
        </p>
      )}
      {list && list.keys.length > 0 && (
        <ul className="hs-SshCard-keyList" aria-label={trans.__('Authorized keys')}>
          {list.keys.map(entry => (
            <KeyRow key={`${entry.line}`} entry={entry} model={model} trans={trans} />
          ))}
        </ul>
      )}
      {list && list.unparsed.length > 0 && (
        <p className="hs-SshCard-note">
          {trans._n(
            'Line %2 is not a key the panel understands; it is kept as it is.',
            '%1 lines (%2) are not keys the panel understands; they are kept as they are.',
            list.unparsed.length,
            list.unparsed.join(', ')
          )}
        </p>
      )}
      <form
        className="hs-SshCard-add"
        onSubmit={event => {
          event.preventDefault();
          void add(text);
        }}
      >
        <label className="hs-SshCard-label" htmlFor="hs-SshCard-newKey">
          {trans.__('Add a public key (the .pub file, e.g. ~/.ssh/id_ed25519.pub)')}
        </label>
        <textarea
          id="hs-SshCard-newKey"
          className="jp-mod-styled hs-SshCard-input"
          rows={3}
          spellCheck={false}
          placeholder="ssh-ed25519 AAAA… you@laptop"
          value={text}
          onChange={event => setText(event.target.value)}
        />
        <div className="hs-SshCard-buttons">
          <button
            type="submit"
            className="jp-mod-styled jp-mod-accept"
            disabled={model.busy || text.trim() === ''}
          >
            {trans.__('Add key')}
          </button>
          <button
            type="button"
            className="jp-mod-styled"
            disabled={model.busy}
            onClick={() => upload.current?.click()}
          >
            {trans.__('Upload .pub file…')}
          </button>
          <input
            ref={upload}
            type="file"
            accept=".pub,text/plain"
            hidden
            aria-label={trans.__('Public key file')}
            onChange={async event => {
              const file = event.target.files?.[0];
              event.target.value = '';
              if (file) {
                await add(await file.text());
              }
            }}
          />
        </div>
      </form>
      {notice?.kind === 'error' && (
        <p className="hs-Panel-error hs-SshCard-notice" role="alert">
          {notice.text}
        </p>
      )}
      {notice?.kind === 'done' && (
        <p className="hs-SshCard-notice" role="status">
          {notice.text === 'added'
            ? trans.__('Key added.')
            : notice.text === 'removed'
              ? trans.__('Key removed.')
              : trans.__('Host keys kept.')}
          {notice.text !== 'kept' && list?.backup
            ? ` ${trans.__('The previous file is kept as authorized_keys.bak.')}`
            : ''}
        </p>
      )}
    </div>
  );
}

function TunnelPart(props: ISshCardProps & { status: SshStatus }): JSX.Element | null {
  const { status, model, trans } = props;
  if (!status.tunnel.available) {
    return null;
  }
  const config = [
    'Host my-notebook',
    `  User ${status.login}`,
    `  ProxyCommand python3 -m hotstepper.ssh_tunnel ${model.tunnelUrl(status.tunnel.path)}`
  ].join('\n');
  return (
    <details className="hs-SshCard-details hs-SshCard-tunnel">
      <summary>{trans.__('SSH over HTTPS (no IPv6 needed)')}</summary>
      <p className="hs-SshCard-note">
        {trans.__(
          'On your computer: pip install hotstepper, set HOTSTEPPER_TOKEN to a token from the hub (Token page), add this to ~/.ssh/config, then run: ssh my-notebook'
        )}
      </p>
      <Copyable text={config} label={trans.__('ssh config for SSH over HTTPS')} trans={trans} />
      {status.tunnel.hostKeys.length > 0 && (
        <Fingerprints
          keys={status.tunnel.hostKeys}
          label={trans.__('Host key fingerprints of SSH over HTTPS')}
        />
      )}
    </details>
  );
}

/** The SSH card: how to reach this notebook with ssh, and who may. */
export function SshCard(props: ISshCardProps): JSX.Element {
  const { model, trans } = props;
  const status = model.status;
  return (
    <section className="hs-Panel-card hs-SshCard" aria-labelledby="hs-SshCard-title">
      <h3 className="hs-SshCard-title" id="hs-SshCard-title">
        {trans.__('SSH')}
      </h3>
      {status.loading && !status.value && <LoadingView trans={trans} />}
      {status.error && !status.value && (
        <ErrorView message={status.error} trans={trans} onRetry={() => model.refresh()} />
      )}
      {status.value && <ServerPart {...props} status={status.value} />}
      <KeysPart {...props} />
      {status.value && <TunnelPart {...props} status={status.value} />}
    </section>
  );
}
