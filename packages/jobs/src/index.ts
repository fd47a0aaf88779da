import { LazyPanel, loadSettings } from '@hotstepper/core';
import {
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, type MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRunningSessionManagers } from '@jupyterlab/running';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { addRunFileCommand } from './commands';
import type { JobDetail } from './components/JobDetail';
import type { JobViews } from './detail';
import { jobsIcon } from './icons';
import { type JobFilter, JobsModel } from './model';
import { RunningJobs } from './running';
import { CommandIDs } from './tokens';

export { JobsModel } from './model';
export { JobLogModel } from './logModel';
export { CommandIDs } from './tokens';

const PANEL_PLUGIN_ID = '@hotstepper/jobs:panel';
const RUN_PLUGIN_ID = '@hotstepper/jobs:run-as-job';

interface IPanelSettings {
  defaultFilter: JobFilter;
  followLog: boolean;
}

const DEFAULT_PANEL_SETTINGS: IPanelSettings = { defaultFilter: 'all', followLog: true };

/** The views' code, fetched once on first use. */
const loadUi = () => import(/* webpackChunkName: "hotstepper-jobs-ui" */ './ui');

function activatePanel(
  app: JupyterFrontEnd,
  translator: ITranslator | null,
  restorer: ILayoutRestorer | null,
  settingRegistry: ISettingRegistry | null,
  palette: ICommandPalette | null,
  docManager: IDocumentManager | null,
  running: IRunningSessionManagers | null
): void {
  const trans = (translator ?? nullTranslator).load('hotstepper');
  const settings: IPanelSettings = { ...DEFAULT_PANEL_SETTINGS };

  // The model polls and follows events: made when something first needs the jobs.
  let model: JobsModel | undefined;
  const getModel = (): JobsModel => {
    if (!model) {
      model = new JobsModel({
        serverSettings: app.serviceManager.serverSettings,
        filter: settings.defaultFilter
      });
      runningJobs?.attach(model);
    }
    return model;
  };

  // Made now, so the layout restorer can reopen the job views of the last session.
  const tracker = new WidgetTracker<MainAreaWidget<JobDetail>>({ namespace: 'hotstepper-jobs' });
  restorer?.restore(tracker, {
    command: CommandIDs.openJob,
    args: widget => ({ id: widget.content.model.jobId }),
    name: widget => widget.content.model.jobId
  });

  let views: Promise<JobViews> | undefined;
  const getViews = (): Promise<JobViews> => {
    views ??= loadUi().then(ui => {
      const made = new ui.JobViews({ app, model: getModel(), trans, tracker, docManager });
      made.followLog = settings.followLog;
      return made;
    });
    return views;
  };
  const openJob = (id: string) => getViews().then(v => v.open(id));

  const sidebar = new LazyPanel({
    load: async () => {
      const ui = await loadUi();
      return new ui.JobsPanel({
        model: getModel(),
        trans,
        tracker,
        onOpen: job => void getViews().then(v => v.open(job.id, job)),
        onNew: () => void app.commands.execute(CommandIDs.submit)
      });
    },
    loadingText: trans.__('Loading…'),
    errorText: message => trans.__('The Jobs panel could not be loaded: %1', message)
  });
  sidebar.id = 'hs-jobs-panel';
  sidebar.title.icon = jobsIcon;
  sidebar.title.caption = trans.__('Jobs');
  app.shell.add(sidebar, 'left', { rank: 610 });
  restorer?.add(sidebar, 'hotstepper-jobs-panel');

  app.commands.addCommand(CommandIDs.open, {
    label: trans.__('Open Jobs Panel'),
    caption: trans.__('Background jobs: their status, logs and the quota'),
    icon: args => (args.isPalette ? undefined : jobsIcon),
    execute: () => app.shell.activateById(sidebar.id)
  });
  app.commands.addCommand(CommandIDs.openJob, {
    label: args => trans.__('Open Job %1', (args.id as string) ?? ''),
    execute: args => openJob(args.id as string)
  });
  app.commands.addCommand(CommandIDs.submit, {
    label: trans.__('New Job…'),
    caption: trans.__('Run a command, a script or a notebook as a background job'),
    execute: async args => {
      const [ui, jobViews] = await Promise.all([loadUi(), getViews()]);
      ui.openSubmitForm(app, {
        model: getModel(),
        trans,
        initial: ui.initialFromArgs(args),
        onSubmitted: job => jobViews.open(job.id, job)
      });
    }
  });

  const category = trans.__('Hotstepper');
  palette?.addItem({ command: CommandIDs.open, category });
  palette?.addItem({ command: CommandIDs.submit, category });

  const runningJobs = running ? new RunningJobs({ model: getModel, trans, open: openJob }) : null;
  if (running && runningJobs) {
    running.add(runningJobs);
  }

  let defaultFilter: JobFilter | undefined;
  loadSettings(settingRegistry, PANEL_PLUGIN_ID, DEFAULT_PANEL_SETTINGS, loaded => {
    Object.assign(settings, loaded);
    void views?.then(v => (v.followLog = loaded.followLog));
    // Only a change of this setting changes the filter: the user's own choice otherwise stays.
    if (loaded.defaultFilter !== defaultFilter) {
      defaultFilter = loaded.defaultFilter;
      if (model) {
        model.filter = loaded.defaultFilter;
      }
    }
  });
}

function activateRunAsJob(
  app: JupyterFrontEnd,
  translator: ITranslator | null,
  notebooks: INotebookTracker | null,
  fileBrowser: IDefaultFileBrowser | null,
  palette: ICommandPalette | null
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
  addRunFileCommand(app, { trans, notebooks, fileBrowser });
  palette?.addItem({
    command: CommandIDs.runFile,
    category: trans.__('Notebook Operations')
  });
}

/** The jobs sidebar: the live list, the quota, a job's log and actions, the submit form. */
const panelPlugin: JupyterFrontEndPlugin<void> = {
  id: PANEL_PLUGIN_ID,
  description:
    'A left-sidebar panel with background jobs: a live list filtered by status, the quota, each job’s log followed live, cancel, re-run and delete, and a submit form with the admin’s presets.',
  autoStart: true,
  optional: [
    ITranslator,
    ILayoutRestorer,
    ISettingRegistry,
    ICommandPalette,
    IDocumentManager,
    IRunningSessionManagers
  ],
  activate: activatePanel
};

/** "Run as job" in the notebook toolbar and the file browser's context menu. */
const runAsJobPlugin: JupyterFrontEndPlugin<void> = {
  id: RUN_PLUGIN_ID,
  description:
    'Adds "Run as job" to the notebook toolbar, the Run menu, the command palette and the file browser’s context menu for notebooks, Python, shell and R files.',
  autoStart: true,
  optional: [ITranslator, INotebookTracker, IDefaultFileBrowser, ICommandPalette],
  activate: activateRunAsJob
};

export default [panelPlugin, runAsJobPlugin];
