/**
 * Job detail views in the main area: one per job, opened from the list, the submit form or a
 * restored layout, kept up to date by the list's events and closed when their job is deleted.
 */
import type { Job } from '@hotstepper/api';
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, MainAreaWidget, type WidgetTracker, showDialog } from '@jupyterlab/apputils';
import type { IDocumentManager } from '@jupyterlab/docmanager';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import { type IJobActions, JobDetail } from './components/JobDetail';
import { downloadLog } from './download';
import { valuesFromJob } from './form';
import { jobsIcon } from './icons';
import { JobLogModel } from './logModel';
import type { JobsModel } from './model';
import { openSubmitForm } from './submit';

export type JobViewTracker = WidgetTracker<MainAreaWidget<JobDetail>>;

export interface IJobViewsOptions {
  app: JupyterFrontEnd;
  model: JobsModel;
  trans: TranslationBundle;
  /** Made at start, so the layout restorer can reopen the views of the last session. */
  tracker: JobViewTracker;
  docManager?: IDocumentManager | null;
}

export class JobViews {
  constructor(options: IJobViewsOptions) {
    this._app = options.app;
    this._model = options.model;
    this._trans = options.trans;
    this._tracker = options.tracker;
    this._docManager = options.docManager ?? null;
    // The list's events reach open views too; a deleted job's view closes.
    this._model.jobChanged.connect((_, job) => {
      const view = this._find(job.id);
      if (view) {
        view.content.model.job = job;
      }
    });
    this._model.deleted.connect((_, id) => this._find(id)?.dispose());
  }

  /** Whether views opened from now on keep the log scrolled to its end (a user setting). */
  followLog = true;

  /** Shows the job's view, opening it if needed; `job` saves a request when it is known. */
  open(id: string, job?: Job): MainAreaWidget<JobDetail> {
    const existing = this._find(id);
    if (existing) {
      this._app.shell.activateById(existing.id);
      return existing;
    }
    const log = new JobLogModel({ serverSettings: this._model.serverSettings, jobId: id, job });
    if (!job) {
      this._model
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
      trans: this._trans,
      followLog: this.followLog,
      actions: this._actions(log)
    });
    const widget = new MainAreaWidget({ content });
    widget.id = `hs-job-${id}`;
    widget.title.icon = jobsIcon;
    widget.title.closable = true;
    void this._tracker.add(widget);
    this._app.shell.add(widget, 'main');
    this._app.shell.activateById(widget.id);
    return widget;
  }

  private _actions(log: JobLogModel): IJobActions {
    const model = this._model;
    const trans = this._trans;
    return {
      cancel: async j => {
        log.job = await model.cancel(j.id);
      },
      rerun: async j => {
        const again = await model.rerun(j.id);
        this.open(again.id, again);
      },
      edit: j => {
        openSubmitForm(this._app, {
          model,
          trans,
          initial: valuesFromJob(j),
          onSubmitted: job => this.open(job.id, job)
        });
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
      download: (j, stream) => downloadLog(model.serverSettings, j, stream),
      openFile: path => void this._openOutput(path)
    };
  }

  /**
   * Opens a job's executed notebook: trusted, since the user's own job wrote it, and without a
   * kernel until the user starts one (reading the results needs none).
   */
  private async _openOutput(path: string): Promise<void> {
    if (!this._docManager) {
      await this._app.commands.execute('docmanager:open', { path });
      return;
    }
    const widget = this._docManager.openOrReveal(path, 'default', undefined, undefined, {
      shouldStart: false,
      canStart: true,
      autoStartDefault: false
    }) as NotebookPanel | undefined;
    if (!widget) {
      return;
    }
    await widget.context.ready;
    const cells = widget.context.model.cells;
    for (let i = 0; i < cells.length; i++) {
      cells.get(i).trusted = true;
    }
  }

  private _find(id: string): MainAreaWidget<JobDetail> | undefined {
    return this._tracker.find(w => w.content.model.jobId === id);
  }

  private readonly _app: JupyterFrontEnd;
  private readonly _model: JobsModel;
  private readonly _trans: TranslationBundle;
  private readonly _tracker: JobViewTracker;
  private readonly _docManager: IDocumentManager | null;
}
