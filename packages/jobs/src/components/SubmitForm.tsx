import type { Job, JobKind, JobsInfo } from '@hotstepper/api';
import { LoadingView } from '@hotstepper/core';
import { ReactWidget } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { UUID } from '@lumino/coreutils';
import React, { useRef, useState } from 'react';
import { parseCommand } from '../command';
import { limitSentence } from '../format';
import {
  applyPreset,
  defaultName,
  type FormField,
  type IFormValues,
  initialValues,
  validate
} from '../form';
import type { JobsModel } from '../model';

export interface ISubmitFormProps {
  model: JobsModel;
  trans: TranslationBundle;
  /** Values the caller knows, e.g. the notebook's path and kind. */
  initial?: Partial<IFormValues>;
  /** Called with the job the backend made. */
  onSubmitted: (job: Job) => void;
  onCancel?: () => void;
}

interface IFieldProps {
  field: FormField;
  label: string;
  error?: string;
  hint?: React.ReactNode;
  children: (props: {
    id: string;
    'aria-invalid': boolean;
    'aria-describedby': string | undefined;
  }) => React.ReactNode;
}

function Field({ field, label, error, hint, children }: IFieldProps): JSX.Element {
  const id = `hs-Jobs-field-${field}`;
  return (
    <div className={`hs-Jobs-field hs-Jobs-field-${field}${error ? ' hs-mod-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        'aria-invalid': !!error,
        'aria-describedby': error || hint ? `${id}-message` : undefined
      })}
      {/* One slot, always there, for the hint or the error that replaces it: a message
          appearing moves nothing below it (the buttons stay where the pointer is). */}
      <div
        className={
          error
            ? 'hs-Jobs-fieldMessage hs-Jobs-fieldError'
            : 'hs-Jobs-fieldMessage hs-Panel-note hs-Jobs-hint'
        }
        id={`${id}-message`}
      >
        {error ?? hint}
      </div>
    </div>
  );
}

/** The form; `info` comes from the model (the form works without it, checking less). */
export function SubmitFormView(
  props: ISubmitFormProps & { info: JobsInfo | undefined }
): JSX.Element {
  const { trans, info } = props;
  const [values, setValues] = useState<IFormValues>(() => initialValues(info, props.initial));
  const [initial] = useState(values);
  const formRef = useRef<HTMLFormElement>(null);
  const [touched, setTouched] = useState<Partial<Record<FormField, boolean>>>({});
  const [tried, setTried] = useState(false);
  const [sending, setSending] = useState(false);
  const [serverError, setServerError] = useState<string>();
  // One key per form: a double click or a retry after a lost answer gives back the same job.
  const [idempotencyKey] = useState(() => UUID.uuid4());

  const { errors, submit } = validate(values, info, trans, idempotencyKey);
  const shown = (field: FormField) => (tried || touched[field] ? errors[field] : undefined);
  const set =
    (field: FormField) =>
    (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) =>
      setValues({ ...values, [field]: e.currentTarget.value });
  /**
   * A field is checked once the user has changed it and moves on within the form. Leaving the
   * form (Cancel, another tab) checks nothing: a message then would only move the buttons.
   */
  const blur = (field: FormField) => (e: React.FocusEvent) => {
    const next = e.relatedTarget as HTMLElement | null;
    const staying = !!next && !!formRef.current?.contains(next) && !next.dataset.leave;
    if (staying && values[field] !== initial[field]) {
      setTouched({ ...touched, [field]: true });
    }
  };
  const input =
    (field: FormField, extra: React.InputHTMLAttributes<HTMLInputElement> = {}) =>
    (a: object) => (
      <input
        {...a}
        {...extra}
        className="jp-mod-styled"
        name={field}
        value={values[field]}
        onChange={set(field)}
        onBlur={blur(field)}
      />
    );
  const textarea = (field: FormField, placeholder: string) => (a: object) => (
    <textarea
      {...a}
      className="jp-mod-styled"
      name={field}
      rows={3}
      placeholder={placeholder}
      value={values[field]}
      onChange={set(field)}
      onBlur={blur(field)}
    />
  );

  const onSubmit = async (e: React.FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (!submit || sending) {
      return;
    }
    setSending(true);
    setServerError(undefined);
    try {
      const job = await props.model.submit(submit);
      props.onSubmitted(job);
    } catch (err) {
      // What was typed stays: the message says what to change.
      setServerError((err as Error).message);
    } finally {
      setSending(false);
    }
  };

  const parsed = values.kind === 'command' ? parseCommand(values.command) : undefined;
  let commandHint: React.ReactNode = trans.__(
    'One line runs without a shell, quoted like a shell. Several lines run with sh, one command a line.'
  );
  if (parsed?.lines) {
    commandHint = trans.__(
      'Runs with sh -ec: %1 commands, one a line, stopping at the first that fails',
      parsed.lines.length
    );
  } else if (parsed && !parsed.error && parsed.argv.length > 0) {
    commandHint = (
      <span className="hs-Jobs-argv">
        {trans.__('Runs without a shell, as %1 arguments:', parsed.argv.length)}{' '}
        {parsed.argv.map((a, i) => (
          <code key={i} className="hs-Jobs-arg">
            {a}
          </code>
        ))}
      </span>
    );
  }
  const commandRows = Math.min(10, Math.max(2, values.command.split('\n').length + 1));
  const kinds: Array<[JobKind, string]> = [
    ['command', trans.__('Command')],
    ['script', trans.__('Script')],
    ['notebook', trans.__('Notebook')]
  ];
  const maxMinutes = info ? Math.round((info.maxTimeLimitSeconds / 60) * 10) / 10 : undefined;
  return (
    <form
      ref={formRef}
      className="hs-Jobs-form"
      onSubmit={onSubmit}
      noValidate
      aria-label={trans.__('New job')}
    >
      <h2 className="hs-Jobs-formTitle">
        {props.initial?.name
          ? trans.__('Edit and re-run %1', props.initial.name)
          : trans.__('New job')}
      </h2>
      {!info && (
        <p className="hs-Panel-note hs-Jobs-hint" role="status">
          {props.model.error
            ? trans.__('The jobs service did not answer: %1', props.model.error)
            : trans.__('Loading presets and limits…')}
        </p>
      )}
      <fieldset className="hs-Jobs-kind">
        <legend>{trans.__('What to run')}</legend>
        {kinds.map(([kind, label]) => (
          <label key={kind} className="hs-Jobs-kindOption">
            <input
              type="radio"
              name="kind"
              value={kind}
              checked={values.kind === kind}
              onChange={() => setValues({ ...values, kind })}
            />
            {label}
          </label>
        ))}
      </fieldset>
      {values.kind === 'command' ? (
        <Field
          field="command"
          label={trans.__('Command')}
          error={shown('command')}
          hint={commandHint}
        >
          {a => (
            <textarea
              {...a}
              className="jp-mod-styled hs-Jobs-command"
              name="command"
              rows={commandRows}
              placeholder={'python train.py --epochs 3'}
              spellCheck={false}
              autoFocus
              value={values.command}
              onChange={set('command')}
              onBlur={blur('command')}
              onKeyDown={e => {
                // Enter starts a new line; Ctrl/Cmd+Enter submits.
                if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                  e.preventDefault();
                  formRef.current?.requestSubmit();
                }
              }}
            />
          )}
        </Field>
      ) : (
        <>
          <Field
            field="file"
            label={values.kind === 'notebook' ? trans.__('Notebook') : trans.__('Script')}
            error={shown('file')}
            hint={trans.__(
              'Relative to the root directory; .py, .sh and .R run with their interpreter'
            )}
          >
            {input('file', {
              placeholder:
                values.kind === 'notebook' ? 'analysis/report.ipynb' : 'scripts/train.py',
              spellCheck: false
            })}
          </Field>
          {values.kind === 'script' && (
            <Field field="args" label={trans.__('Arguments')} error={shown('args')}>
              {input('args', { placeholder: '--epochs 3', spellCheck: false })}
            </Field>
          )}
          {values.kind === 'notebook' && info?.papermill !== false && (
            <Field
              field="parameters"
              label={trans.__('Parameters')}
              error={shown('parameters')}
              hint={trans.__('key=value lines, for the cell tagged "parameters" (papermill)')}
            >
              {textarea('parameters', 'alpha=0.5\nname=run-1')}
            </Field>
          )}
        </>
      )}
      <Field
        field="name"
        label={trans.__('Name')}
        error={shown('name')}
        hint={values.name ? undefined : trans.__('Default: %1', defaultName(values) || '–')}
      >
        {input('name', { placeholder: defaultName(values) })}
      </Field>
      <Field
        field="cwd"
        label={trans.__('Working directory')}
        error={shown('cwd')}
        hint={trans.__("Relative to the root directory; default: the file's directory")}
      >
        {input('cwd', { spellCheck: false })}
      </Field>
      <Field field="env" label={trans.__('Environment variables')} error={shown('env')}>
        {textarea('env', 'KEY=value')}
      </Field>
      <fieldset className="hs-Jobs-resources">
        <legend>{trans.__('Resources')}</legend>
        {info && info.presets.length > 0 && (
          <Field field="preset" label={trans.__('Preset')} error={shown('preset')}>
            {a => (
              <select
                {...a}
                className="jp-mod-styled"
                name="preset"
                value={values.preset}
                onChange={e => setValues(applyPreset(values, info, e.currentTarget.value))}
              >
                <option value="">{trans.__('None: set them below')}</option>
                {info.presets.map(p => (
                  <option key={p.name} value={p.name} title={p.description}>
                    {p.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        <div className="hs-Jobs-row">
          <Field field="cpu" label={trans.__('CPU cores')} error={shown('cpu')}>
            {input('cpu', { type: 'number', min: 0, step: 'any', inputMode: 'decimal' })}
          </Field>
          <Field field="memory" label={trans.__('Memory (GiB)')} error={shown('memory')}>
            {input('memory', { type: 'number', min: 0, step: 'any', inputMode: 'decimal' })}
          </Field>
          <Field
            field="timeLimit"
            label={trans.__('Time limit (minutes)')}
            error={shown('timeLimit')}
            hint={maxMinutes !== undefined ? trans.__('At most %1', maxMinutes) : undefined}
          >
            {input('timeLimit', { type: 'number', min: 0, step: 'any', max: maxMinutes })}
          </Field>
        </div>
        {info && info.gpuModels.length > 0 && (
          <div className="hs-Jobs-row">
            <Field field="gpuCount" label={trans.__('GPUs')} error={shown('gpuCount')}>
              {input('gpuCount', { type: 'number', min: 0, max: 16, step: 1 })}
            </Field>
            <Field field="gpuModel" label={trans.__('GPU model')} error={shown('gpuModel')}>
              {a => (
                <select
                  {...a}
                  className="jp-mod-styled"
                  name="gpuModel"
                  value={values.gpuModel}
                  onChange={set('gpuModel')}
                >
                  <option value="">{trans.__('Any')}</option>
                  {info.gpuModels.map(m => (
                    <option key={m} value={m}>
                      {m}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
        )}
        {info?.runner === 'kubernetes' && (
          <Field
            field="image"
            label={trans.__('Image')}
            error={shown('image')}
            hint={trans.__('Default: %1', info.defaults.image ?? trans.__("this notebook's image"))}
          >
            {input('image', { placeholder: info.defaults.image, spellCheck: false })}
          </Field>
        )}
        {info && (
          <p className="hs-Panel-note hs-Jobs-hint">{limitSentence(info.enforcement, trans)}</p>
        )}
      </fieldset>
      <div className="hs-Jobs-formButtons">
        {/* Beside the buttons, not above them: a message appearing moves nothing. */}
        <p className="hs-Jobs-formError" role="alert">
          {serverError
            ? trans.__('The job was not created: %1', serverError)
            : tried && !submit
              ? trans.__('Correct the marked fields first.')
              : ''}
        </p>
        {props.onCancel && (
          <button
            type="button"
            className="jp-mod-styled jp-mod-reject"
            data-leave="true"
            onClick={props.onCancel}
          >
            {trans.__('Cancel')}
          </button>
        )}
        <button type="submit" className="jp-mod-styled jp-mod-accept" disabled={sending}>
          {sending ? trans.__('Submitting…') : trans.__('Submit')}
        </button>
      </div>
    </form>
  );
}

/**
 * The form in the main area. It waits for the jobs info (presets, defaults) before it renders
 * its fields, so the defaults are the admin's, not the form's own.
 */
export class SubmitForm extends ReactWidget {
  constructor(private readonly props: ISubmitFormProps) {
    super();
    this.addClass('hs-Panel');
    this.addClass('hs-Jobs-formWidget');
    this.title.label = props.initial?.name
      ? props.trans.__('Edit and re-run %1', props.initial.name)
      : props.trans.__('New job');
    props.model.changed.connect(this._onModel, this);
  }

  protected render(): JSX.Element {
    const info = this.props.model.info;
    if (!info && !this.props.model.error) {
      const { trans } = this.props;
      return <LoadingView label={trans.__('Loading presets and limits…')} trans={trans} />;
    }
    // Keyed on whether the info has come: the values are initialised once, from the info.
    return <SubmitFormView key={info ? 'info' : 'none'} {...this.props} info={info} />;
  }

  private _onModel(): void {
    // Only the arrival of the info changes the form; the list's changes do not.
    if (this.props.model.info && !this._hadInfo) {
      this._hadInfo = true;
      this.update();
    } else if (!this.props.model.info) {
      this.update();
    }
  }

  private _hadInfo = false;
}
