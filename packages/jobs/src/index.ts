import type { Job } from '@hotstepper/api';
import {
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  Dialog,
  ICommandPalette,
  MainAreaWidget,
  Notification,
  WidgetTracker,
  showDialog
} from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { JobDetail } from './components/JobDetail';
import { JobsPanel } from './components/JobsPanel';
import { SubmitForm } from './components/SubmitForm';
import { downloadLog } from './download';
import { type IFormValues, kindOfPath } from './form';
import { jobsIcon, runAsJobIcon } from './icons';
import { JobLogModel } from './logModel';
import { type JobFilter, JobsModel } from './model';

export { JobsModel } from './model';
export { JobLogModel } from './logModel';

namespace CommandIDs {
  export const open = 'hotstepper-jobs:open';
  export const submit = 'hotstepper-jobs:submit';
  export const runFile = 'hotstepper-jobs:run-file';
  /** Opens one job's detail view (args: id); used by the layout restorer too. */
  export const openJob = 'hotstepper-jobs:open-job';
}

/** Each form gets its own id: two files can be set up as jobs side by side. */
let formCount = 0;

const PANEL_PLUGIN_ID = '@hotstepper/jobs:panel';
const RUN_PLUGIN_ID = '@hotstepper/jobs:run-as-job';

interface IPanelSettings {
  defaultFilter: JobFilter;
  followLog: boolean;
}

const DEFAULT_PANEL_SETTINGS: IPanelSettings = { defaultFilter: 'all', followLog: true };

function activatePanel(
  app: JupyterFrontEnd,
  translator: ITranslator | null,
  restorer: ILayoutRestorer | null,
  settingRegistry: ISettingRegistry | null,
  palette: ICommandPalette | null
): void {
  const trans = (translator ?? nullTranslator).load('hotstepper');
  const { serverSettings } = app.serviceManager;
  const model = new JobsModel({ serverSettings });
  let settings = DEFAULT_PANEL_SETTINGS;

  const details = new WidgetTracker<MainAreaWidget<JobDetail>>({ namespace: 'hotstepper-jobs' });
  restorer?.restore(details, {
    command: CommandIDs.openJob,
    args: widget => ({ id: widget.content.model.jobId }),
    name: widget => widget.content.model.jobId
  });

  const openJob = (id: string, job?: Job): MainAreaWidget<JobDetail> => {
    const existing = details.find(w => w.content.model.jobId === id);
    if (existing) {
      app.shell.activateById(existing.id);
      return existing;
    }
    const log = new JobLogModel({ serverSettings, jobId: id, job });
    if (!job) {
      model
        .get(id)
        .then(found => {
          if (!log.job) {
            log.job = found;
          }
        })
        .catch(err => console.warn(`@hotstepper/jobs: job ${id} could not be loaded`, err));
    }
    const content = new JobDetail({
      model: log,
      trans,
      followLog: settings.followLog,
      enforcementNote: model.info?.enforcementNote,
      actions: {
        cancel: async j => {
          log.job = await model.cancel(j.id);
        },
        rerun: async j => {
          const again = await model.rerun(j.id);
          openJob(again.id, again);
        },
        remove: async j => {
          const answer = await showDialog({
            title: trans.__('Delete job %1?', j.name),
            body: trans.__(
              'Its record and its log are removed. Files the job wrote (such as the executed notebook) stay.'
            ),
            buttons: [
              Dialog.cancelButton({ label: trans.__('Keep') }),
              Dialog.warnButton({ label: trans.__('Delete') })
            ]
          });
          if (answer.button.accept) {
            await model.remove(j.id);
          }
        },
        download: (j, stream) => downloadLog(serverSettings, j, stream),
        openFile: path => void app.commands.execute('docmanager:open', { path })
      }
    });
    const widget = new MainAreaWidget({ content });
    widget.id = `hs-job-${id}`;
    widget.title.icon = jobsIcon;
    widget.title.closable = true;
    void details.add(widget);
    app.shell.add(widget, 'main');
    app.shell.activateById(widget.id);
    return widget;
  };

  // The list's events reach open views too; a deleted job's view closes.
  model.jobChanged.connect((_, job) => {
    const view = details.find(w => w.content.model.jobId === job.id);
    if (view) {
      view.content.model.job = job;
    }
  });
  model.deleted.connect((_, id) => details.find(w => w.content.model.jobId === id)?.dispose());

  const panel = new JobsPanel({
    model,
    trans,
    onOpen: job => openJob(job.id, job),
    onNew: () => void app.commands.execute(CommandIDs.submit)
  });
  panel.title.icon = jobsIcon;
  app.shell.add(panel, 'left', { rank: 610 });
  restorer?.add(panel, 'hotstepper-jobs-panel');

  app.commands.addCommand(CommandIDs.open, {
    label: trans.__('Open Jobs Panel'),
    caption: trans.__('Background jobs: their status, logs and the quota'),
    icon: args => (args.isPalette ? undefined : jobsIcon),
    execute: () => app.shell.activateById(panel.id)
  });

  app.commands.addCommand(CommandIDs.openJob, {
    label: args => trans.__('Open Job %1', (args.id as string) ?? ''),
    execute: args => {
      openJob(args.id as string);
    }
  });

  app.commands.addCommand(CommandIDs.submit, {
    label: trans.__('New Job…'),
    caption: trans.__('Run a command, a script or a notebook as a background job'),
    execute: args => {
      const initial: Partial<IFormValues> = {};
      for (const key of ['kind', 'file', 'command', 'cwd'] as const) {
        if (typeof args[key] === 'string') {
          (initial as Record<string, string>)[key] = args[key] as string;
        }
      }
      const form: MainAreaWidget<SubmitForm> = new MainAreaWidget({
        content: new SubmitForm({
          model,
          trans,
          initial,
          onSubmitted: job => {
            form.dispose();
            openJob(job.id, job);
          },
          onCancel: () => form.dispose()
        })
      });
      form.id = `hs-jobs-submit-${++formCount}`;
      form.title.icon = jobsIcon;
      form.title.closable = true;
      app.shell.add(form, 'main');
      app.shell.activateById(form.id);
      // The info feeds the form's defaults and quota checks: fetch it now if it is missing.
      if (!model.info) {
        void model.refresh();
      }
    }
  });

  const category = trans.__('Hotstepper');
  palette?.addItem({ command: CommandIDs.open, category });
  palette?.addItem({ command: CommandIDs.submit, category });

  // Not awaited: activation must not wait on the settings or the network.
  settingRegistry
    ?.load(PANEL_PLUGIN_ID)
    .then(loaded => {
      const apply = () => {
        const get = <K extends keyof IPanelSettings>(key: K) =>
          (loaded.get(key).composite as IPanelSettings[K] | undefined) ??
          DEFAULT_PANEL_SETTINGS[key];
        const before = settings;
        settings = { defaultFilter: get('defaultFilter'), followLog: get('followLog') };
        if (settings.defaultFilter !== before.defaultFilter || before === DEFAULT_PANEL_SETTINGS) {
          model.filter = settings.defaultFilter;
        }
      };
      apply();
      loaded.changed.connect(apply);
    })
    .catch(reason => console.error(`${PANEL_PLUGIN_ID}: settings could not be loaded`, reason));
}

function activateRunAsJob(
  app: JupyterFrontEnd,
  translator: ITranslator | null,
  notebooks: INotebookTracker | null,
  fileBrowser: IDefaultFileBrowser | null
): void {
  const trans = (translator ?? nullTranslator).load('hotstepper');

  // .sh files are plain text to JupyterLab; a type of their own lets the context menu find them.
  if (!app.docRegistry.getFileType('shell')) {
    app.docRegistry.addFileType({
      name: 'shell',
      displayName: trans.__('Shell Script'),
      extensions: ['.sh'],
      mimeTypes: ['text/x-sh'],
      contentType: 'file',
      fileFormat: 'text'
    });
  }

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
          {
            autoClose: 10_000
          }
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

/** The jobs sidebar: the live list, the quota, a job's log and actions, the submit form. */
const panelPlugin: JupyterFrontEndPlugin<void> = {
  id: PANEL_PLUGIN_ID,
  description:
    'A left-sidebar panel with background jobs: a live list filtered by status, the quota, each job’s log followed live, cancel, re-run and delete, and a submit form with the admin’s presets.',
  autoStart: true,
  optional: [ITranslator, ILayoutRestorer, ISettingRegistry, ICommandPalette],
  activate: activatePanel
};

/** "Run as job" in the notebook toolbar and the file browser's context menu. */
const runAsJobPlugin: JupyterFrontEndPlugin<void> = {
  id: RUN_PLUGIN_ID,
  description:
    'Adds "Run as job" to the notebook toolbar and to the file browser’s context menu for notebooks, Python, shell and R files.',
  autoStart: true,
  optional: [ITranslator, INotebookTracker, IDefaultFileBrowser],
  activate: activateRunAsJob
};

export default [panelPlugin, runAsJobPlugin];
