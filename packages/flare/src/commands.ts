/** The flare commands: open the panel, and open it with the expose form. */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Widget } from '@lumino/widgets';
import { flareIcon } from './icons';
import type { FlareModel } from './model';
import { CommandIDs } from './tokens';

export interface IFlareCommandsOptions {
  model: FlareModel;
  panel: Widget;
  trans: TranslationBundle;
}

export function addCommands(app: JupyterFrontEnd, options: IFlareCommandsOptions): void {
  const { model, panel, trans } = options;
  app.commands.addCommand(CommandIDs.open, {
    label: trans.__('Open Flare Panel'),
    caption: trans.__('Listening ports and the web apps exposed at public addresses'),
    icon: args => (args.isPalette ? undefined : flareIcon),
    execute: () => app.shell.activateById(panel.id)
  });
  app.commands.addCommand(CommandIDs.expose, {
    label: args =>
      typeof args.port === 'number'
        ? trans.__('Expose Port %1…', args.port)
        : trans.__('Expose a Web App…'),
    caption: trans.__('Give a web app running here a public address'),
    execute: args => {
      app.shell.activateById(panel.id);
      model.openForm(typeof args.port === 'number' ? args.port : undefined);
    }
  });
}
