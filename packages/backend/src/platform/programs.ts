import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { JobInputError } from './jobs';

export async function isExecutableFile(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * A program as a shell would find it: a name with a slash is a path (relative to `cwd`),
 * any other name is looked up on `path` (a PATH value). Undefined when there is none.
 */
export async function findProgram(
  program: string,
  cwd: string,
  path: string
): Promise<string | undefined> {
  if (program.includes('/')) {
    const full = resolve(cwd, program);
    return (await isExecutableFile(full)) ? full : undefined;
  }
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, program);
    if (await isExecutableFile(candidate)) {
      return candidate;
    }
  }
  return undefined;
}

/** Refuses a job whose program (`argv[0]`) would not be found where it runs, as its PATH finds it. */
export async function checkProgram(argv: string[], cwd: string, path: string): Promise<void> {
  const program = argv[0];
  if (program && !(await findProgram(program, cwd, path))) {
    throw new JobInputError(
      program.includes('/')
        ? `command: "${program}" is not an executable file; check the path and that the file is executable`
        : `command: "${program}" is not a program on the PATH; give its full path, or install it`
    );
  }
}
