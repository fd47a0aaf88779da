/**
 * From a submitted job to what a runner runs: the preset and defaults filled in, every path
 * confined to the root directory, the rules of each kind held, a script or notebook turned
 * into an argv. What depends on where the job runs (its program, its GPU) the runner checks
 * (JobRunner.check). Nothing here creates anything: a refusal leaves no trace.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative, sep } from 'node:path';
import type { JobResources, JobSubmit } from '@hotstepper/api';
import type { Config } from '../../config';
import { JobInputError } from '../../platform/jobs';
import { isExecutableFile } from '../../platform/programs';
import type { JobSpec } from './table';

const GiB = 1024 ** 3;

export interface ResolveContext {
  config: Config['jobs'];
  /** Absolute, real (symlinks resolved). */
  rootDir: string;
  /** The Python that runs scripts and notebooks: HOTSTEPPER_PYTHON, else python3. */
  python: string;
  papermill: boolean;
  /** The local quota: a job that names no resources gets defaults that fit in it. */
  quota?: { cpu: number; memory: number };
}

/** The resolved job, with the absolute paths the runner needs. */
export interface ResolvedJob {
  spec: JobSpec;
  /** Absolute working directory. */
  cwd: string;
}

/** The admin's presets and defaults in the wire's units (seconds, bytes). */
export function presetsOf(config: Config['jobs']) {
  return config.presets.map(p => ({
    name: p.name,
    label: p.label,
    ...(p.description ? { description: p.description } : {}),
    resources: {
      cpu: p.cpu,
      memory: Math.round(p.memoryGiB * GiB),
      ...(p.gpu ? { gpu: p.gpu } : {})
    } as JobResources,
    ...(p.timeLimitMinutes ? { timeLimitSeconds: p.timeLimitMinutes * 60 } : {})
  }));
}

export function defaultsOf(config: Config['jobs'], quota?: { cpu: number; memory: number }) {
  const cpu = config.defaults.cpu;
  const memory = Math.round(config.defaults.memoryGiB * GiB);
  return {
    // The admin's defaults, but never more than the whole quota (a laptop notebook limited to
    // 0.5 CPU would otherwise refuse every job submitted with the defaults).
    resources: quota
      ? { cpu: Math.min(cpu, quota.cpu), memory: Math.min(memory, quota.memory) }
      : { cpu, memory },
    timeLimitSeconds: Math.min(config.defaults.timeLimitMinutes, config.maxTimeLimitMinutes) * 60
  };
}

const fail = (message: string): never => {
  throw new JobInputError(message);
};

/**
 * `path` (relative to the root, or absolute inside it) as an absolute real path that must
 * exist and lie inside the root once symlinks are resolved.
 */
export async function confine(rootDir: string, path: string, field: string): Promise<string> {
  const absolute = isAbsolute(path) ? path : join(rootDir, path);
  let real: string;
  try {
    real = await realpath(absolute);
  } catch {
    return fail(`${field}: "${path}" does not exist (paths are relative to the root directory)`);
  }
  if (!inside(rootDir, real)) {
    return fail(`${field}: "${path}" is outside the root directory; only files inside it can run`);
  }
  return real;
}

const rel = (rootDir: string, absolute: string) => relative(rootDir, absolute);
const inside = (rootDir: string, real: string) =>
  real === rootDir || real.startsWith(rootDir + sep);

/**
 * Refuses an output name that is a symlink leading out of the root (or nowhere): the executed
 * notebook is written there. A symlink inside the root is replaced, never written through.
 */
export async function checkOutput(rootDir: string, output: string): Promise<void> {
  const path = join(rootDir, output);
  if (!(await lstat(path).catch(() => undefined))?.isSymbolicLink()) {
    return;
  }
  const real = await realpath(path).catch(() => undefined);
  if (!real || !inside(rootDir, real)) {
    fail(
      `output: "${output}" is a symlink leading outside the root directory; remove it, the executed notebook is written there`
    );
  }
}

/**
 * What was confined at submit, again as the job starts: a queued job's folder or file may
 * have become a symlink leading out since. Answers the real working directory.
 */
export async function confineAtLaunch(rootDir: string, spec: JobSpec): Promise<string> {
  const cwd = await confine(rootDir, spec.cwd, 'cwd');
  if (spec.file !== undefined) {
    await confine(rootDir, spec.file, 'file');
  }
  if (spec.output !== undefined) {
    await checkOutput(rootDir, spec.output);
  }
  return cwd;
}

/** Whether `python -c "import papermill"` works; a machine under load may not tell in time. */
export function probePapermill(
  python: string,
  signal?: AbortSignal,
  timeoutMs = 20_000
): Promise<'yes' | 'no' | 'timed out'> {
  return new Promise(resolve =>
    execFile(python, ['-c', 'import papermill'], { timeout: timeoutMs, signal }, err =>
      resolve(!err ? 'yes' : err.killed && !signal?.aborted ? 'timed out' : 'no')
    )
  );
}

/** The interpreter of a script, by its extension; undefined: run the file itself. */
function interpreter(file: string, python: string): string | undefined {
  switch (extname(file).toLowerCase()) {
    case '.py':
      return python;
    case '.sh':
      return 'bash';
    case '.r':
      return 'Rscript';
    default:
      return undefined;
  }
}

/** The executed notebook's name, beside the input: `<stem>.executed.ipynb`. */
export function executedName(file: string): string {
  return `${basename(file, extname(file))}.executed.ipynb`;
}

function resources(
  submit: JobSubmit,
  context: ResolveContext
): { resources: JobResources; timeLimitSeconds: number; preset?: string } {
  const defaults = defaultsOf(context.config, context.quota);
  let base: JobResources = defaults.resources;
  let timeLimitSeconds = defaults.timeLimitSeconds;
  if (submit.preset !== undefined) {
    const preset = presetsOf(context.config).find(p => p.name === submit.preset);
    if (!preset) {
      const names = context.config.presets.map(p => p.name);
      fail(
        `preset: there is no preset "${submit.preset}"; ` +
          (names.length ? `the presets are ${names.join(', ')}` : 'no presets are configured')
      );
    }
    base = preset!.resources;
    timeLimitSeconds = preset!.timeLimitSeconds ?? timeLimitSeconds;
  }
  const asked = { ...base, ...submit.resources };
  const gpu = asked.gpu;
  const max = context.config.maxTimeLimitMinutes * 60;
  // A default or preset over the maximum is the admin's to fix: the maximum holds.
  timeLimitSeconds = Math.min(timeLimitSeconds, max);
  if (submit.timeLimitSeconds !== undefined) {
    if (submit.timeLimitSeconds > max) {
      fail(`timeLimitSeconds: ${submit.timeLimitSeconds} is over the maximum of ${max} seconds`);
    }
    timeLimitSeconds = submit.timeLimitSeconds;
  }
  return {
    resources: { cpu: asked.cpu, memory: asked.memory, ...(gpu ? { gpu } : {}) },
    timeLimitSeconds,
    ...(submit.preset !== undefined ? { preset: submit.preset } : {})
  };
}

/** No argument, variable or path can hold a NUL byte: said here, not by Node's spawn. */
function refuseNul(submit: JobSubmit): void {
  const strings: Array<[string, string | undefined]> = [
    ['file', submit.file],
    ['cwd', submit.cwd],
    ...(submit.command ?? []).map((s, i): [string, string] => [`command.${i}`, s]),
    ...(submit.args ?? []).map((s, i): [string, string] => [`args.${i}`, s]),
    ...Object.entries(submit.env ?? {}).map(([k, v]): [string, string] => [`env.${k}`, v])
  ];
  for (const [field, value] of strings) {
    if (value?.includes('\0')) {
      fail(`${field}: contains a NUL byte, which no program can be given`);
    }
  }
}

/** Checks a submitted job and resolves it; throws JobInputError naming the field to change. */
export async function resolveJob(submit: JobSubmit, context: ResolveContext): Promise<ResolvedJob> {
  const { rootDir } = context;
  refuseNul(submit);
  const only = (field: keyof JobSubmit, kinds: string) =>
    submit[field] !== undefined && fail(`${field}: only for kind ${kinds}`);
  if (submit.kind !== 'command') {
    only('command', '"command"');
  }
  if (submit.kind !== 'script') {
    only('args', '"script"');
  }
  if (submit.kind !== 'notebook') {
    only('parameters', '"notebook"');
  }
  if (submit.kind === 'command') {
    only('file', '"script" or "notebook"');
  }
  const limits = resources(submit, context);

  let file: string | undefined;
  if (submit.kind !== 'command') {
    if (submit.file === undefined) {
      fail(`file: required for kind "${submit.kind}" (the path relative to the root directory)`);
    }
    file = await confine(rootDir, submit.file!, 'file');
    if (!(await stat(file)).isFile()) {
      fail(`file: "${submit.file}" is a directory, not a file`);
    }
  }
  const cwd =
    submit.cwd !== undefined
      ? await confine(rootDir, submit.cwd, 'cwd')
      : file
        ? dirname(file)
        : rootDir;
  // The root itself may be gone (a server started in a since-deleted directory).
  const cwdStat = await stat(cwd).catch(() => undefined);
  if (!cwdStat?.isDirectory()) {
    fail(
      cwdStat
        ? `cwd: "${submit.cwd}" is not a directory`
        : `cwd: the working directory ${cwd} does not exist`
    );
  }

  let argv: string[];
  let output: string | undefined;
  let outputTemp: string | undefined;
  switch (submit.kind) {
    case 'command': {
      if (!submit.command) {
        return fail('command: required for kind "command" (the program and its arguments)');
      }
      if (!submit.command[0]) {
        fail('command: the program name is empty');
      }
      argv = submit.command;
      break;
    }
    case 'script': {
      const run = interpreter(file!, context.python);
      if (!run && !(await isExecutableFile(file!))) {
        fail(
          `file: "${submit.file}" is not executable and its extension names no interpreter (.py, .sh, .R)`
        );
      }
      argv = [...(run ? [run] : []), file!, ...(submit.args ?? [])];
      break;
    }
    case 'notebook': {
      if (extname(file!) !== '.ipynb') {
        fail(`file: "${submit.file}" is not a notebook (.ipynb)`);
      }
      const params = submit.parameters && Object.keys(submit.parameters).length > 0;
      if (params && !context.papermill) {
        fail(
          `parameters: notebook parameters need papermill, which ${context.python} cannot import; install papermill or run without parameters`
        );
      }
      const out = join(dirname(file!), executedName(file!));
      output = rel(rootDir, out);
      await checkOutput(rootDir, output);
      // Written under a name of its own, then renamed over `out` when the job ends (rename
      // replaces a symlink at `out` instead of writing through it).
      const temp = join(
        dirname(file!),
        `.${basename(out, '.ipynb')}.${randomBytes(6).toString('hex')}.ipynb`
      );
      outputTemp = rel(rootDir, temp);
      argv = context.papermill
        ? [
            context.python,
            '-m',
            'papermill',
            file!,
            temp,
            // JSON is YAML: every parameter, typed, in one argument.
            ...(params ? ['-y', JSON.stringify(submit.parameters)] : [])
          ]
        : [
            context.python,
            '-m',
            'jupyter',
            'nbconvert',
            '--to',
            'notebook',
            '--execute',
            '--output-dir',
            dirname(file!),
            '--output',
            basename(temp, '.ipynb'),
            file!
          ];
      break;
    }
  }

  // A rerun is a new job: it must not carry the first one's key.
  const request = { ...submit };
  delete request.idempotencyKey;
  return {
    cwd,
    spec: {
      argv: argv!,
      cwd: rel(rootDir, cwd),
      ...(file ? { file: rel(rootDir, file) } : {}),
      env: submit.env ?? {},
      ...(submit.parameters ? { parameters: submit.parameters } : {}),
      ...limits,
      ...(submit.image ? { image: submit.image } : {}),
      ...(output ? { output, outputTemp } : {}),
      submit: request
    }
  };
}
