/**
 * The submit form's values as typed, their validation, and the JobSubmit they make. No DOM:
 * the form component shows the errors next to their fields.
 */
import type { Job, JobKind, JobSubmit, JobsInfo } from '@hotstepper/api';
import type { TranslationBundle } from '@jupyterlab/translation';
import { splitArgv } from './argv';
import { commandText, defaultJobName, parseCommand } from './command';
import { kindOfPath } from './kind';

/** What the form holds: text as typed, so nothing the user wrote is lost on an error. */
export interface IFormValues {
  name: string;
  kind: JobKind;
  /** kind command: one command line, split shell-like into argv, or several lines run by sh. */
  command: string;
  /** kind script / notebook: relative to the root directory. */
  file: string;
  /** kind script: its arguments, split like the command. */
  args: string;
  /** kind notebook: `key=value` lines (papermill parameters). */
  parameters: string;
  cwd: string;
  /** `KEY=value` lines. */
  env: string;
  preset: string;
  cpu: string;
  /** GiB. */
  memory: string;
  gpuCount: string;
  gpuModel: string;
  /** Minutes. */
  timeLimit: string;
  image: string;
}

export type FormField = keyof IFormValues;
export type FormErrors = Partial<Record<FormField, string>>;

const GIB = 1024 ** 3;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export { kindOfPath } from './kind';

function trimNumber(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

/** The form as it opens: the admin's defaults, and what the caller knows (a file, a kind). */
export function initialValues(
  info: JobsInfo | undefined,
  given: Partial<IFormValues> = {}
): IFormValues {
  const defaults = info?.defaults;
  // An admin default above the quota could never run: start from what fits.
  const cap = (value: number, limit: number | null | undefined) =>
    limit !== null && limit !== undefined && limit > 0 ? Math.min(value, limit) : value;
  const values: IFormValues = {
    name: '',
    kind: 'command',
    command: '',
    file: '',
    args: '',
    parameters: '',
    cwd: '',
    env: '',
    preset: '',
    cpu: defaults ? trimNumber(cap(defaults.resources.cpu, info?.quota.cpu.limit)) : '1',
    memory: defaults
      ? trimNumber(cap(defaults.resources.memory, info?.quota.memory.limit) / GIB)
      : '1',
    gpuCount: defaults?.resources.gpu ? String(defaults.resources.gpu.count) : '',
    gpuModel: defaults?.resources.gpu?.model ?? '',
    timeLimit: defaults ? trimNumber(defaults.timeLimitSeconds / 60) : '60',
    image: '',
    ...given
  };
  if (given.file && !given.kind) {
    values.kind = kindOfPath(given.file);
  }
  return values;
}

/** The values a preset sets: its resources and time limit. */
export function applyPreset(values: IFormValues, info: JobsInfo, name: string): IFormValues {
  const preset = info.presets.find(p => p.name === name);
  if (!preset) {
    return { ...values, preset: '' };
  }
  const r = preset.resources;
  return {
    ...values,
    preset: name,
    cpu: trimNumber(r.cpu),
    memory: trimNumber(r.memory / GIB),
    gpuCount: r.gpu ? String(r.gpu.count) : '',
    gpuModel: r.gpu?.model ?? '',
    timeLimit: trimNumber((preset.timeLimitSeconds ?? info.defaults.timeLimitSeconds) / 60)
  };
}

/** Parses `KEY=value` lines; blank lines and `#` comments are skipped. */
export function parseKeyValues(text: string): {
  values: Record<string, string>;
  bad?: { line: number; text: string };
} {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line || line.startsWith('#')) {
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) {
      return { values, bad: { line: i + 1, text: line } };
    }
    values[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return { values };
}

/** A parameter's value: JSON when it reads as JSON (numbers, true, lists), else the text. */
function parameterValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A name when none is typed: the file's name, or what tells the command apart. */
export function defaultName(values: IFormValues): string {
  return defaultJobName(values.kind, values.command, values.file);
}

/** A parameter as a `key=value` line: strings as they are, anything else as JSON. */
function parameterLine(key: string, value: unknown): string {
  return `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
}

/** The form filled from a job, for "Edit and re-run": what it ran, where, with what. */
export function valuesFromJob(job: Job): Partial<IFormValues> {
  const values: Partial<IFormValues> = {
    name: job.name,
    kind: job.kind,
    cwd: job.cwd,
    env: Object.entries(job.env ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
    preset: job.preset ?? '',
    cpu: trimNumber(job.resources.cpu),
    memory: trimNumber(job.resources.memory / GIB),
    gpuCount: job.resources.gpu ? String(job.resources.gpu.count) : '',
    gpuModel: job.resources.gpu?.model ?? '',
    image: job.image ?? ''
  };
  if (job.timeLimitSeconds !== undefined) {
    values.timeLimit = trimNumber(job.timeLimitSeconds / 60);
  }
  if (job.kind === 'command') {
    values.command = commandText(job.argv);
  } else {
    values.file = job.file ?? '';
    if (job.kind === 'script' && job.file) {
      // The argv is the interpreter, the file (made absolute), then the arguments.
      const at = job.argv.findIndex(a => a === job.file || a.endsWith(`/${job.file}`));
      values.args = at >= 0 ? commandText(job.argv.slice(at + 1)) : '';
    }
    if (job.parameters) {
      values.parameters = Object.entries(job.parameters)
        .map(([k, v]) => parameterLine(k, v))
        .join('\n');
    }
  }
  return values;
}

function positive(
  text: string,
  field: string,
  trans: TranslationBundle,
  options: { max?: number; maxText?: string; integer?: boolean; unit?: string } = {}
): { value?: number; error?: string } {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (!trimmed || !Number.isFinite(value)) {
    return { error: trans.__('%1 must be a number', field) };
  }
  if (value <= 0) {
    return { error: trans.__('%1 must be more than 0', field) };
  }
  if (options.integer && !Number.isInteger(value)) {
    return { error: trans.__('%1 must be a whole number', field) };
  }
  if (options.max !== undefined && value > options.max) {
    return {
      error: trans.__('%1 can be at most %2', field, options.maxText ?? String(options.max))
    };
  }
  return { value };
}

export interface IValidation {
  errors: FormErrors;
  /** What to send, when there are no errors. */
  submit?: JobSubmit;
}

/** Checks the form as the backend would, so most mistakes show before anything is sent. */
export function validate(
  values: IFormValues,
  info: JobsInfo | undefined,
  trans: TranslationBundle,
  idempotencyKey?: string
): IValidation {
  const errors: FormErrors = {};
  const spec: Partial<JobSubmit> & { kind: JobKind } = { kind: values.kind };

  if (values.kind === 'command') {
    const parsed = parseCommand(values.command);
    if (parsed.error) {
      errors.command =
        parsed.error === 'trailing-backslash'
          ? trans.__('The command ends with a lone backslash')
          : trans.__('A quote in the command is not closed');
    } else if (!parsed.argv.length) {
      errors.command = trans.__('Type the command to run, e.g. python train.py --epochs 3');
    } else {
      spec.command = parsed.argv;
    }
  } else {
    const file = values.file.trim();
    if (!file) {
      errors.file = trans.__('Choose the file to run, relative to the root directory');
    } else if (file.startsWith('/') || file.split('/').includes('..')) {
      errors.file = trans.__('The file must be inside the root directory (no leading / or ..)');
    } else if (values.kind === 'notebook' && !file.toLowerCase().endsWith('.ipynb')) {
      errors.file = trans.__('A notebook job runs a .ipynb file');
    } else {
      spec.file = file;
    }
    if (values.kind === 'script' && values.args.trim()) {
      const parsed = splitArgv(values.args);
      if (parsed.error) {
        errors.args = trans.__('A quote in the arguments is not closed');
      } else {
        spec.args = parsed.argv;
      }
    }
    if (values.kind === 'notebook' && values.parameters.trim()) {
      if (info && !info.papermill) {
        // A probe that timed out is no answer: say so, not "not installed".
        errors.parameters = info.papermillNote
          ? trans.__('Notebook parameters need papermill: %1', info.papermillNote)
          : trans.__('Notebook parameters need papermill, which is not installed on this server');
      } else {
        const { values: params, bad } = parseKeyValues(values.parameters);
        if (bad) {
          errors.parameters = trans.__('Line %1 is not key=value: %2', bad.line, bad.text);
        } else {
          spec.parameters = Object.fromEntries(
            Object.entries(params).map(([k, v]) => [k, parameterValue(v)])
          );
        }
      }
    }
  }

  const name = values.name.trim() || defaultName(values);
  // Without a command or a file there is no default name; that field's error says enough.
  if (!name && !errors.command && !errors.file) {
    errors.name = trans.__('Give the job a name');
  } else if (name.length > 100) {
    errors.name = trans.__('The name can be at most 100 characters');
  }
  spec.name = name;

  const cwd = values.cwd.trim();
  if (cwd) {
    if (cwd.startsWith('/') || cwd.split('/').includes('..')) {
      errors.cwd = trans.__(
        'The working directory must be inside the root directory (no leading / or ..)'
      );
    } else {
      spec.cwd = cwd;
    }
  }

  if (values.env.trim()) {
    const { values: env, bad } = parseKeyValues(values.env);
    const badKey = Object.keys(env).find(k => !ENV_KEY.test(k));
    if (bad) {
      errors.env = trans.__('Line %1 is not KEY=value: %2', bad.line, bad.text);
    } else if (badKey !== undefined) {
      errors.env = trans.__(
        '%1 is not a variable name: letters, digits and _, not starting with a digit',
        badKey
      );
    } else {
      spec.env = env;
    }
  }

  if (values.preset) {
    if (info && !info.presets.some(p => p.name === values.preset)) {
      errors.preset = trans.__('There is no preset %1', values.preset);
    } else {
      spec.preset = values.preset;
    }
  }

  const quota = info?.quota;
  const cpuLimit = quota?.cpu.limit ?? null;
  const cpu = positive(values.cpu, trans.__('CPU'), trans, {
    max: cpuLimit !== null ? Math.min(cpuLimit, 1024) : 1024,
    maxText: cpuLimit !== null ? trans.__('%1 (the quota)', cpuLimit) : undefined
  });
  if (cpu.error) {
    errors.cpu = cpu.error;
  }
  const memLimit = quota?.memory.limit ?? null;
  const memory = positive(values.memory, trans.__('Memory'), trans, {
    max: memLimit !== null ? memLimit / GIB : undefined,
    maxText:
      memLimit !== null ? trans.__('%1 GiB (the quota)', trimNumber(memLimit / GIB)) : undefined
  });
  if (memory.error) {
    errors.memory = memory.error;
  } else if (memory.value !== undefined && memory.value * GIB < 1024 ** 2) {
    errors.memory = trans.__('Memory must be at least 1 MiB (0.001 GiB)');
  }
  let gpu: { count: number; model?: string } | undefined;
  if (values.gpuCount.trim() && values.gpuCount.trim() !== '0') {
    if (info && !info.gpuModels.length) {
      errors.gpuCount = trans.__('Jobs cannot have GPUs here');
    } else {
      const count = positive(values.gpuCount, trans.__('GPUs'), trans, { max: 16, integer: true });
      if (count.error) {
        errors.gpuCount = count.error;
      } else {
        gpu = { count: count.value! };
        if (values.gpuModel) {
          gpu.model = values.gpuModel;
        }
      }
    }
  }
  if (cpu.value !== undefined && memory.value !== undefined) {
    spec.resources = {
      cpu: cpu.value,
      memory: Math.round(memory.value * GIB),
      ...(gpu && { gpu })
    };
  }

  const maxMinutes = info ? info.maxTimeLimitSeconds / 60 : undefined;
  const limit = positive(values.timeLimit, trans.__('Time limit'), trans, {
    max: maxMinutes,
    maxText: maxMinutes !== undefined ? trans.__('%1 minutes', trimNumber(maxMinutes)) : undefined
  });
  if (limit.error) {
    errors.timeLimit = limit.error;
  } else {
    spec.timeLimitSeconds = Math.max(1, Math.round(limit.value! * 60));
  }

  if (values.image.trim() && info?.runner === 'kubernetes') {
    spec.image = values.image.trim();
  }
  if (idempotencyKey) {
    spec.idempotencyKey = idempotencyKey;
  }
  return Object.keys(errors).length ? { errors } : { errors, submit: spec as JobSubmit };
}
