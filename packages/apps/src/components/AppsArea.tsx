import type { App } from '@hotstepper/api';
import {
  ErrorView,
  LoadingView,
  ModelPanel,
  StaleNote,
  formatBytes,
  formatDuration
} from '@hotstepper/core';
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';
import { appIcon } from '../icons';
import type { AppsModel } from '../model';
import { SshSection } from '../ssh';

export interface IAppsAreaOptions {
  model: AppsModel;
  trans: TranslationBundle;
}

function StateLine(props: { app: App; trans: TranslationBundle }): JSX.Element {
  const { app, trans } = props;
  const since = app.since ? Date.parse(app.since) : undefined;
  const elapsed = since ? (Date.now() - since) / 1000 : 0;
  switch (app.state) {
    case 'starting':
      return (
        <p className="hs-AppCard-state" data-state="starting">
          {trans.__('Starting… %1 of %2', formatDuration(elapsed), formatDuration(app.timeout))}
        </p>
      );
    case 'running':
      return (
        <p className="hs-AppCard-state" data-state="running">
          {trans.__('Running since %1', since ? new Date(since).toLocaleTimeString() : '–')}
          {app.cpu !== undefined && (
            <span className="hs-AppCard-figure">
              {trans.__('CPU %1', app.cpu.toFixed(app.cpu < 1 ? 2 : 1))}
            </span>
          )}
          {app.memory !== undefined && (
            <span className="hs-AppCard-figure">
              {trans.__('Memory %1', formatBytes(app.memory))}
            </span>
          )}
        </p>
      );
    case 'crashed':
      return (
        <div className="hs-AppCard-state" data-state="crashed">
          <p>
            {app.exitCode === null || app.exitCode === undefined
              ? trans.__('Crashed')
              : trans.__('Crashed (exit code %1)', app.exitCode)}
          </p>
          {app.output.length > 0 && (
            <pre className="hs-AppCard-output" aria-label={trans.__('Last output')}>
              {app.output.join('\n')}
            </pre>
          )}
        </div>
      );
    default:
      return (
        <p className="hs-AppCard-state" data-state="stopped">
          {trans.__('Stopped')}
        </p>
      );
  }
}

function AppCard(props: IAppsAreaOptions & { app: App }): JSX.Element {
  const { app, model, trans } = props;
  const Icon = appIcon(app.name);
  const pending = model.pending.get(app.name);
  const failure = model.failures.get(app.name);
  const live = app.state === 'running' || app.state === 'starting';
  return (
    <li
      className={`hs-Panel-card hs-AppCard${app.installed ? '' : ' hs-mod-unavailable'}`}
      data-app={app.name}
      data-state={app.state}
    >
      <div className="hs-Panel-cardHeader">
        <Icon.react tag="span" className="hs-AppCard-icon" />
        <h3 className="hs-Panel-cardTitle">{app.title}</h3>
      </div>
      <div className="hs-Panel-cardBody">
        {app.installed ? (
          <StateLine app={app} trans={trans} />
        ) : (
          <p className="hs-Panel-note hs-AppCard-reason">{app.reason}</p>
        )}
        {pending && (
          <p className="hs-Panel-note" role="status">
            {pending === 'stop' ? trans.__('Stopping…') : trans.__('Restarting…')}
          </p>
        )}
        {failure && (
          <p className="hs-Panel-error" role="alert">
            {failure}
          </p>
        )}
        {app.installed && (
          <div className="hs-AppCard-actions">
            <button
              type="button"
              className="jp-mod-styled jp-mod-accept"
              aria-label={trans.__('Open %1 in a new tab', app.title)}
              onClick={() => model.open(app.name)}
            >
              {trans.__('Open')}
            </button>
            <button
              type="button"
              className="jp-mod-styled"
              disabled={!live || Boolean(pending)}
              aria-label={trans.__('Stop %1', app.title)}
              onClick={() => void model.act(app.name, 'stop')}
            >
              {trans.__('Stop')}
            </button>
            <button
              type="button"
              className="jp-mod-styled"
              disabled={Boolean(pending)}
              aria-label={trans.__('Restart %1', app.title)}
              onClick={() => void model.act(app.name, 'restart')}
            >
              {trans.__('Restart')}
            </button>
          </div>
        )}
      </div>
    </li>
  );
}

/** The panel's content, loaded on first show: the apps, then the SSH card. */
export class AppsArea extends ModelPanel<AppsModel> {
  constructor(private readonly options: IAppsAreaOptions) {
    super(options.model, { ownsModel: false });
    this.addClass('hs-AppsArea');
    this.addClass('hs-Panel');
  }

  protected render(): JSX.Element {
    const { model, trans } = this.options;
    const apps = model.apps;
    return (
      <>
        <h2 className="hs-Panel-title">{trans.__('Apps')}</h2>
        {apps === null ? (
          model.error ? (
            <ErrorView message={model.error} onRetry={() => void model.refresh()} trans={trans} />
          ) : (
            <LoadingView trans={trans} />
          )
        ) : (
          <>
            <StaleNote error={model.error} updatedAt={model.updatedAt} trans={trans} />
            {apps.length === 0 ? (
              <p className="hs-Panel-note">{trans.__('No platform apps in this image.')}</p>
            ) : (
              <ul className="hs-AppCards" aria-label={trans.__('Platform apps')}>
                {apps.map(app => (
                  <AppCard key={app.name} app={app} model={model} trans={trans} />
                ))}
              </ul>
            )}
          </>
        )}
        <SshSection trans={trans} serverSettings={model.serverSettings} />
      </>
    );
  }
}
