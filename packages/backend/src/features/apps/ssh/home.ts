import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, realpath, rename, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { HttpError } from '../../../errors';

/** `~/.ssh/authorized_keys` for a person. */
export function shown(home: string, path: string): string {
  return `~/${relative(home, path)}`;
}

/**
 * The folder `rel` inside the home, every component checked at use: a symbolic link or a file
 * on the way is refused (a link could point the edit outside the home). `create`: missing
 * folders are made 0700 and the last one is set to 0700 (sshd's StrictModes wants no more).
 * Undefined when it is missing and not to be created.
 */
export async function homeDir(
  home: string,
  rel: string,
  create: boolean
): Promise<string | undefined> {
  const root = await realpath(home);
  let current = root;
  for (const part of rel.split('/').filter(Boolean)) {
    current = join(current, part);
    const info = await lstat(current).catch(() => undefined);
    if (!info) {
      if (!create) {
        return undefined;
      }
      await mkdir(current, { mode: 0o700 });
    } else if (info.isSymbolicLink()) {
      throw new HttpError(
        409,
        `${shown(root, current)} is a symbolic link; the panel edits files inside your home only: replace the link with a folder`
      );
    } else if (!info.isDirectory()) {
      throw new HttpError(409, `${shown(root, current)} is not a folder; move it away`);
    }
  }
  if (create) {
    await chmod(current, 0o700);
  }
  return current;
}

/** A regular file's text, opened without following a link; undefined when there is none. */
export async function readRegular(path: string, root: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return undefined;
    }
    if (code === 'ELOOP') {
      throw new HttpError(
        409,
        `${shown(root, path)} is a symbolic link; the panel edits files inside your home only: replace the link with the file itself`
      );
    }
    throw err;
  }
  try {
    if (!(await handle.stat()).isFile()) {
      throw new HttpError(409, `${shown(root, path)} is not a regular file; move it away`);
    }
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** Writes `text` to a fresh 0600 file beside `path`, flushed, then renames it over `path`. */
export async function writeAtomic(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
