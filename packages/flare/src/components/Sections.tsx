import type { Exposure } from '@hotstepper/api';
import { ErrorView, type IResourceState, LoadingView, StaleNote } from '@hotstepper/core';
import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useState } from 'react';
import { formatExpiry, formatTraffic, protectionLabel, shortenCommand } from '../format';
import type { FlareModel } from '../model';
import { ExposureUrl } from './ExposureUrl';

export interface ISectionProps {
  model: FlareModel;
  trans: TranslationBundle;
  /** Asks the user to confirm; resolves true to go ahead. */
  confirm: (title: string, body: string, accept: string) => Promise<boolean>;
  /** The time countdowns and "ago" are measured from. */
  now: number;
}

/** Loading, a failure with the backend's message, or a note that what is shown is out of date. */
function StateNote<T>(props: {
  state: IResourceState<T>;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { state, trans } = props;
  if (state.value === undefined) {
    return state.error ? (
      <ErrorView message={trans.__('Could not load: %1', state.error)} trans={trans} />
    ) : (
      <LoadingView trans={trans} />
    );
  }
  return <StaleNote error={state.error} updatedAt={state.updatedAt} trans={trans} />;
}

/**
 * The ports of the user's web apps, each with "Expose…" and the login-protected links; "Show
 * all" adds the other listening ports (the Jupyter server, kernels…), each saying why it is not
 * an app to expose.
 */
export function PortsSection({ model, trans }: ISectionProps): JSX.Element {
  const rows = model.portRows;
  const unavailable = model.info.value?.unavailable;
  const others = model.otherPortCount;
  return (
    <section className="hs-Panel-section hs-FlarePorts" aria-labelledby="hs-FlarePorts-title">
      <div className="hs-FlarePorts-header">
        <h3 className="hs-Panel-cardTitle" id="hs-FlarePorts-title">
          {trans.__('Web apps listening')}
        </h3>
        {(others > 0 || model.showAll) && (
          <label className="hs-FlarePorts-showAll">
            <input
              type="checkbox"
              checked={model.showAll}
              onChange={event => (model.showAll = event.target.checked)}
            />
            {trans.__('Show all (%1 more)', others)}
          </label>
        )}
      </div>
      <StateNote state={model.ports} trans={trans} />
      {model.ports.value !== undefined && rows.length === 0 && (
        <p className="hs-Panel-note hs-FlareSection-empty">
          {trans.__('Start a web app — e.g. ')}
          <code>python -m http.server 8000</code>
          {trans.__(' in a terminal — and its port appears here.')}
        </p>
      )}
      {rows.length > 0 && (
        <ul className="hs-FlarePorts-list">
          {rows.map(row => {
            const app = row.kind === 'app';
            const links = app ? model.proxyLinks(row.port) : undefined;
            return (
              <li
                key={`${row.port}-${row.address}`}
                className="hs-FlarePort"
                data-port={row.port}
                data-kind={row.kind}
              >
                <div className="hs-FlarePort-head">
                  <span className="hs-FlarePort-port">{row.port}</span>
                  <span className="hs-FlarePort-address">{row.address}</span>
                  {app && (
                    <button
                      type="button"
                      className="jp-Button jp-mod-styled jp-mod-accept hs-FlarePort-expose"
                      disabled={!!unavailable}
                      aria-label={trans.__('Expose port %1…', row.port)}
                      onClick={() => model.openForm(row.port)}
                    >
                      {trans.__('Expose…')}
                    </button>
                  )}
                </div>
                <code className="hs-FlarePort-command" title={row.command}>
                  {shortenCommand(row.command)}
                </code>
                {!app && row.reason && (
                  <p className="hs-Panel-note hs-FlarePort-why">
                    {trans.__('Not exposable: %1.', row.reason)}
                  </p>
                )}
                {app && row.http === false && (
                  <p className="hs-Panel-note hs-FlarePort-noHttp">
                    {trans.__('Does not answer HTTP: it may not be a web app.')}
                  </p>
                )}
                {row.exposed.length > 0 && (
                  <p className="hs-Panel-note hs-FlarePort-exposed">
                    {trans.__('Exposed as %1', row.exposed.map(e => e.name).join(', '))}
                  </p>
                )}
                {links && (
                  <p className="hs-Panel-note hs-FlarePort-proxy">
                    {trans.__('With your Jupyter login: ')}
                    <a href={links.relative} target="_blank" rel="noopener noreferrer">
                      {trans.__('proxy/%1/', row.port)}
                    </a>
                    {' · '}
                    <a href={links.absolute} target="_blank" rel="noopener noreferrer">
                      {trans.__('proxy/absolute/%1/', row.port)}
                    </a>
                  </p>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** One exposure: its URL, protection, expiry, traffic, whether anything listens, Unexpose. */
function ExposureItem(props: ISectionProps & { exposure: Exposure }): JSX.Element {
  const { exposure, model, trans, confirm, now } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const unexpose = async () => {
    const ok = await confirm(
      trans.__('Unexpose "%1"?', exposure.name),
      trans.__('%1 stops working for everyone you sent it to.', exposure.url),
      trans.__('Unexpose')
    );
    if (!ok) {
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await model.unexpose(exposure.name);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };
  return (
    <li
      className="hs-FlareExposure"
      data-name={exposure.name}
      data-listening={exposure.listening ? 'true' : 'false'}
    >
      <div className="hs-FlareExposure-head">
        <span className="hs-FlareExposure-name">{exposure.name}</span>
        <span
          className={`hs-FlareBadge hs-FlareBadge-${exposure.protection}`}
          title={
            exposure.protection === 'none'
              ? trans.__('Not protected: anyone who has the address can open the app')
              : undefined
          }
        >
          {protectionLabel(exposure.protection, trans)}
        </span>
        {!exposure.listening && (
          <span
            className="hs-FlareBadge hs-FlareBadge-noListener"
            title={trans.__('Nothing listens on port %1: start the app again', exposure.port)}
          >
            {trans.__('no listener')}
          </span>
        )}
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-mod-warn hs-FlareExposure-unexpose"
          disabled={busy}
          aria-label={trans.__('Unexpose %1', exposure.name)}
          onClick={() => void unexpose()}
        >
          {busy ? trans.__('Unexposing…') : trans.__('Unexpose')}
        </button>
      </div>
      <ExposureUrl exposure={exposure} trans={trans} />
      <p className="hs-Panel-note hs-FlareExposure-meta">
        {[
          trans.__('Port %1', exposure.port),
          exposure.username ? trans.__('user name "%1"', exposure.username) : undefined,
          formatExpiry(exposure.expiresAt, trans, now)
        ]
          .filter(Boolean)
          .join(' · ')}
      </p>
      <p className="hs-Panel-note hs-FlareExposure-traffic">
        {formatTraffic(exposure, trans, now)}
      </p>
      {error && (
        <p className="hs-FlareSection-error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}

/** The exposures there are, including those whose app has stopped ("no listener"). */
export function ExposuresSection(props: ISectionProps): JSX.Element {
  const { model, trans } = props;
  const exposures = model.exposures.value?.exposures ?? [];
  return (
    <section
      className="hs-Panel-section hs-FlareExposures"
      aria-labelledby="hs-FlareExposures-title"
    >
      <h3 className="hs-Panel-cardTitle" id="hs-FlareExposures-title">
        {trans.__('Exposures')}
      </h3>
      <StateNote state={model.exposures} trans={trans} />
      {model.exposures.value !== undefined && exposures.length === 0 && (
        <p className="hs-Panel-note hs-FlareSection-empty">
          {trans.__(
            'Nothing is exposed. Choose "Expose…" beside a listening port to get a public address for it.'
          )}
        </p>
      )}
      {exposures.length > 0 && (
        <ul className="hs-FlareExposures-list">
          {exposures.map(exposure => (
            <ExposureItem key={exposure.name} {...props} exposure={exposure} />
          ))}
        </ul>
      )}
    </section>
  );
}
