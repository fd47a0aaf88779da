/**
 * Live exposures in JupyterLab's Running panel, beside kernels and terminals: each one's name
 * and URL, opened in the flare panel, shut down as an unexpose.
 */
import { Notification } from '@jupyterlab/apputils';
import type { IRunningSessions } from '@jupyterlab/running';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';
import { flareIcon } from './icons';
import type { FlareModel } from './model';

export class RunningExposures implements IRunningSessions.IManager {
  constructor(
    private readonly model: FlareModel,
    private readonly trans: TranslationBundle,
    private readonly open: () => void
  ) {
    this.name = trans.__('Exposed apps');
    this.shutdownAllLabel = trans.__('Unexpose All');
    this.shutdownAllConfirmationText = trans.__(
      'Unexpose every app? Their public addresses stop working for everyone you sent them to.'
    );
    let last = '';
    model.changed.connect(() => {
      const now = JSON.stringify(this.exposures.map(e => [e.name, e.url, e.listening]));
      if (now !== last) {
        last = now;
        this.runningChanged.emit();
      }
    });
  }

  readonly name: string;
  readonly shutdownAllLabel: string;
  readonly shutdownAllConfirmationText: string;
  readonly runningChanged = new Signal<this, void>(this);
  readonly supportsMultipleViews = false;

  shutdownLabel = (): string => this.trans.__('Unexpose');

  private get exposures() {
    return this.model.exposures.value?.exposures ?? [];
  }

  running(): IRunningSessions.IRunningItem[] {
    const { trans } = this;
    return this.exposures.map(exposure => ({
      icon: () => flareIcon,
      label: () => exposure.name,
      labelTitle: () =>
        exposure.listening
          ? trans.__('%1: port %2 at %3', exposure.name, exposure.port, exposure.url)
          : trans.__(
              '%1: port %2 at %3 (nothing listens)',
              exposure.name,
              exposure.port,
              exposure.url
            ),
      detail: () => exposure.url,
      className: 'hs-FlareRunningItem',
      open: () => this.open(),
      shutdown: () => void this._unexpose(exposure.name)
    }));
  }

  shutdownAll(): void {
    for (const e of this.exposures) {
      void this._unexpose(e.name);
    }
  }

  private async _unexpose(name: string): Promise<void> {
    try {
      await this.model.unexpose(name);
    } catch (err) {
      Notification.error(
        this.trans.__('Could not unexpose "%1": %2', name, (err as Error).message)
      );
    }
  }

  refreshRunning(): void {
    this.model.refresh();
  }
}
