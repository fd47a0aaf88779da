/** The jobs commands: open the panel, a job or the submit form, and run a file as a job. */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import type { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import type { INotebookTracker } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import type { Widget } from '@lumino/widgets';
import type { JobViews } from './detail';
import { kindOfPath } from './form';
import { jobsIcon, runAsJobIcon } from './icons';
import type { JobsModel } from './model';
import { initialFromArgs, openSubmitForm } from './submit';
import { CommandIDs } from './tokens';

export interface IPanelCommandsOptions {
  model: JobsModel;
  panel: Widget;
  views: JobViews;
  trans: TranslationBundle;
}

export function addPanelCommands(app: JupyterFrontEnd, options: IPanelCommandsOptions): void {
  const { model, panel, views, trans } = options;
  app.commands.addCommand(CommandIDs.open, {
    label: trans.__('Open Jobs Panel'),
    caption: trans.__('Background jobs: their status, logs and the quota'),
    icon: args => (args.isPalette ? undefined : jobsIcon),
    execute: () => app.shell.activateById(panel.id)
  });

  app.commands.addCommand(CommandIDs.openJob, {
    label: args => trans.__('Open Job %1', (args.id as string) ?? ''),
    execute: args => {
      views.open(args.id as string);
    }
  });

  app.commands.addCommand(CommandIDs.submit, {
    label: trans.__('New Job…'),
    caption: trans.__('Run a command, a script or a notebook as a background job'),
    execute: args => {
      openSubmitForm(app, {
        model,
        trans,
        initial: initialFromArgs(args),
        onSubmitted: job => views.open(job.id, job)
      });
    }
  });
}

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
    label: args => (args.isPalette ? trans.__('Run Notebook as Job…') : trans.__('Run as Job…')),
    caption: trans.__(
      'Save, then run this file in the background; it keeps running when JupyterLab is closed'
    ),
    icon: args => (args.isPalette ? undefined : runAsJobIcon),
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
