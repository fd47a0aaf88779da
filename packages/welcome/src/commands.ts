/** The command that opens the summary at any time, with the period picker. */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { IWelcomeActions } from './components/WelcomeBack';
import type { WelcomeModel } from './model';
import { openOverlay } from './overlay';
import { CommandIDs } from './tokens';

export function addCommands(
  app: JupyterFrontEnd,
  options: { model: WelcomeModel; actions: IWelcomeActions; trans: TranslationBundle }
): void {
  const { trans } = options;
  app.commands.addCommand(CommandIDs.open, {
    label: trans.__('What Happened While I Was Away'),
    caption: trans.__(
      'Cells that finished or failed with no page open, jobs, exposures and kernels, for a period you choose'
    ),
    execute: args =>
      openOverlay({
        ...options,
        since: typeof args.since === 'number' ? args.since : undefined
      })
  });
}
