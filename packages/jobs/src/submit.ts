/** The submit form in the main area, filled in with what the caller knows. */
import type { Job } from '@hotstepper/api';
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { SubmitForm } from './components/SubmitForm';
import type { IFormValues } from './form';
import { jobsIcon } from './icons';
import type { JobsModel } from './model';

export interface IOpenSubmitFormOptions {
  model: JobsModel;
  trans: TranslationBundle;
  initial?: Partial<IFormValues>;
  /** Called with the job the backend made; the form has closed by then. */
  onSubmitted: (job: Job) => void;
}

/** Each form gets its own id: two files can be set up as jobs side by side. */
let formCount = 0;

/** The form values a command's args give: `kind`, `file`, `command`, `cwd`. */
export function initialFromArgs(args: ReadonlyPartialJSONObject): Partial<IFormValues> {
  const initial: Partial<IFormValues> = {};
  for (const key of ['kind', 'file', 'command', 'cwd'] as const) {
    if (typeof args[key] === 'string') {
      (initial as Record<string, string>)[key] = args[key] as string;
    }
  }
  return initial;
}

export function openSubmitForm(
  app: JupyterFrontEnd,
  options: IOpenSubmitFormOptions
): MainAreaWidget<SubmitForm> {
  const { model } = options;
  const form: MainAreaWidget<SubmitForm> = new MainAreaWidget({
    content: new SubmitForm({
      model,
      trans: options.trans,
      initial: options.initial,
      onSubmitted: job => {
        form.dispose();
        options.onSubmitted(job);
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
  return form;
}
