import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';

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
