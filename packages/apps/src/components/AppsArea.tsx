import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';
import { SshSection } from '../ssh';

export interface IAppsAreaOptions {
  trans: TranslationBundle;
}

/** The panel's content, loaded on first show: the apps, then the SSH card. */
export class AppsArea extends ReactWidget {
  constructor(private readonly options: IAppsAreaOptions) {
    super();
    this.addClass('hs-AppsArea');
    this.addClass('hs-Panel');
  }

  protected render(): JSX.Element {
    const { trans } = this.options;
    return (
      <>
        <h2 className="hs-Panel-title">{trans.__('Apps')}</h2>
        <p className="hs-Panel-note">{trans.__('No platform apps in this image.')}</p>
        <SshSection />
      </>
    );
  }
}
