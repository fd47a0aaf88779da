/** "Run as job": a file, the notebook on screen or the file browser's choice, as a job. */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import type { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import type { INotebookTracker } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { kindOfPath } from './kind';
import { runAsJobIcon } from './icons';
import { CommandIDs } from './tokens';

export interface IRunFileCommandOptions {
  trans: TranslationBundle;
  notebooks: INotebookTracker | null;
  fileBrowser: IDefaultFileBrowser | null;
}

/** "Run as job": opens the submit form for a file, saving the notebook on screen first. */
export function addRunFileCommand(app: JupyterFrontEnd, options: IRunFileCommandOptions): void {
  const { trans, notebooks, fileBrowser } = options;

  /** The file the command is about: given, chosen in the file browser, or the open notebook. */
  const target = async (args: ReadonlyPartialJSONObject): Promise<string | undefined> => {
    if (typeof args.path === 'string') {
      return args.path;
    }
    if (args.source === 'filebrowser') {
      const item = fileBrowser?.selectedItems().next();
      return item && !item.done ? item.value.path : undefined;
    }
    const panel = notebooks?.currentWidget;
    if (!panel) {
      return undefined;
    }
    // The job runs the file on disk: what is on screen must be in it.
    await panel.context.ready;
    if (panel.context.model.dirty || args.source === 'notebook') {
      await panel.context.save();
    }
    return panel.context.path;
  };

  app.commands.addCommand(CommandIDs.runFile, {
    label: args =>
      args.source === 'filebrowser' || args.toolbar
        ? trans.__('Run as Job…')
        : trans.__('Run Notebook as Job…'),
    // The menu and the palette act on the notebook on screen: there must be one.
    isEnabled: args =>
      typeof args.path === 'string' || args.source === 'filebrowser' || !!notebooks?.currentWidget,
    caption: trans.__(
      'Save, then run this file in the background; it keeps running when JupyterLab is closed'
    ),
    icon: args => (args.isPalette || args.source === undefined ? undefined : runAsJobIcon),
    execute: async args => {
      let path: string | undefined;
      try {
        path = await target(args);
      } catch (err) {
        Notification.error(
          trans.__('The notebook could not be saved: %1', (err as Error).message),
          { autoClose: 10_000 }
        );
        return;
      }
      if (!path) {
        Notification.info(trans.__('Open a notebook or select a file to run as a job'), {
          autoClose: 5000
        });
        return;
      }
      return app.commands.execute(CommandIDs.submit, { kind: kindOfPath(path), file: path });
    }
  });
}
