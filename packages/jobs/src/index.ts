import { loadSettings } from '@hotstepper/core';
import {
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { addPanelCommands, addRunFileCommand } from './commands';
import { JobsPanel } from './components/JobsPanel';
import { JobViews } from './detail';
import { jobsIcon } from './icons';
import { type JobFilter, JobsModel } from './model';
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

function activatePanel(
  app: JupyterFrontEnd,
  translator: ITranslator | null,
  restorer: ILayoutRestorer | null,
  settingRegistry: ISettingRegistry | null,
  palette: ICommandPalette | null
): void {
  const trans = (translator ?? nullTranslator).load('hotstepper');
  const model = new JobsModel({ serverSettings: app.serviceManager.serverSettings });
  const views = new JobViews({ app, model, trans, restorer });

  const panel = new JobsPanel({
    model,
    trans,
    onOpen: job => views.open(job.id, job),
    onNew: () => void app.commands.execute(CommandIDs.submit)
  });
  panel.title.icon = jobsIcon;
  app.shell.add(panel, 'left', { rank: 610 });
  restorer?.add(panel, 'hotstepper-jobs-panel');

  addPanelCommands(app, { model, panel, views, trans });
  const category = trans.__('Hotstepper');
  palette?.addItem({ command: CommandIDs.open, category });
  palette?.addItem({ command: CommandIDs.submit, category });

  let defaultFilter: JobFilter | undefined;
  loadSettings(settingRegistry, PANEL_PLUGIN_ID, DEFAULT_PANEL_SETTINGS, settings => {
    views.followLog = settings.followLog;
    // Only a change of this setting changes the filter: the user's own choice otherwise stays.
    if (settings.defaultFilter !== defaultFilter) {
      defaultFilter = settings.defaultFilter;
      model.filter = settings.defaultFilter;
    }
  });
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
  addRunFileCommand(app, { trans, notebooks, fileBrowser });
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
