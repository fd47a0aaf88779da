import type { Config } from '../../config';
import { JobInputError, type JobLaunch } from '../jobs';

const MiB = 1024 ** 2;

/** Quotes one word for a POSIX shell: nothing inside single quotes is special but the quote. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Slurm's job name: the user's name with anything but letters, digits, dot, dash and
 * underscore made "_", so `scontrol show job -o` stays one space-separated record.
 */
export function slurmJobName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64) || 'job';
}

/** The `--gres` value for a job's GPUs: the admin's name for the model, else "gpu:<model>". */
export function gresFor(
  gpu: JobLaunch['resources']['gpu'],
  gres: Record<string, string>
): string | undefined {
  if (!gpu) {
    return undefined;
  }
  const name = gpu.model ? (gres[gpu.model] ?? `gpu:${gpu.model}`) : 'gpu';
  return `${name}:${gpu.count}`;
}

/** The sbatch options for a job, in the order they appear in its script. */
export function sbatchOptions(
  launch: JobLaunch,
  slurm: Config['jobs']['slurm']
): Array<[string, string]> {
  // sbatch expands %j and friends in output paths; %% is a literal %.
  const output = (file: string) => `${launch.logDir}/${file}`.replace(/%/g, '%%');
  const options: Array<[string, string]> = [
    ['--job-name', slurmJobName(launch.name)],
    ['--output', output('stdout.log')],
    ['--error', output('stderr.log')],
    // A requeued job adds to its logs instead of wiping what the user already read.
    ['--open-mode', 'append'],
    ['--chdir', launch.cwd],
    ['--nodes', '1'],
    ['--ntasks', '1'],
    ['--cpus-per-task', String(Math.ceil(launch.resources.cpu))],
    ['--mem', `${Math.ceil(launch.resources.memory / MiB)}M`]
  ];
  if (launch.timeLimitSeconds !== undefined) {
    options.push(['--time', String(Math.ceil(launch.timeLimitSeconds / 60))]);
  }
  const gres = gresFor(launch.resources.gpu, slurm.gres);
  if (gres) {
    options.push(['--gres', gres]);
  }
  if (slurm.partition) {
    options.push(['--partition', slurm.partition]);
  }
  if (slurm.account) {
    options.push(['--account', slurm.account]);
  }
  // The job sees only what it was given (below), not the server's environment.
  options.push(['--export', 'NONE']);
  return options;
}

// sbatch reads a double-quoted #SBATCH value verbatim; these it cannot carry there.
const unsafeInDirective = /["\\\n\r]/;

/**
 * The batch script for a job, and the options that could not be written as #SBATCH lines
 * (a path holding a double quote, a backslash or a newline): those go on sbatch's command line.
 */
export function batchScript(
  launch: JobLaunch,
  slurm: Config['jobs']['slurm']
): { script: string; extraArgs: string[] } {
  if (launch.argv.length === 0) {
    throw new JobInputError('command: give the program to run');
  }
  const lines = ['#!/bin/sh'];
  const extraArgs: string[] = [];
  for (const [flag, value] of sbatchOptions(launch, slurm)) {
    if (unsafeInDirective.test(value)) {
      extraArgs.push(`${flag}=${value}`);
    } else {
      lines.push(`#SBATCH ${flag}="${value}"`);
    }
  }
  lines.push(`# Hotstepper job ${launch.id}`);
  for (const [key, value] of Object.entries(launch.env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new JobInputError(
        `env: "${key}" is not a variable name (letters, digits and _, not starting with a digit)`
      );
    }
    lines.push(`export ${key}=${shellQuote(value)}`);
  }
  // Slurm runs a job whose --chdir is missing on the node in /tmp instead: fail, and say so.
  const cwd = shellQuote(launch.cwd);
  lines.push(`cd ${cwd} || { echo "cannot enter the working directory "${cwd} >&2; exit 1; }`);
  lines.push(`exec ${launch.argv.map(shellQuote).join(' ')}`, '');
  return { script: lines.join('\n'), extraArgs };
}
