/**
 * Checkpoints of files in storages, kept under the backend's data directory (never beside the
 * user's files, where a read-only or shared storage would refuse or show them). One per file,
 * as Jupyter keeps them.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Checkpoint } from '@hotstepper/api';
import { HttpError } from '../../errors';
import { fsError, locate, writable } from './files';
import type { Place } from './service';

const ID = 'checkpoint';

export class Checkpoints {
  constructor(private readonly dir: string) {}

  private fileOf(place: Place, rel: string): string {
    const key = createHash('sha256').update(`${place.root}\0${rel}`).digest('hex');
    return join(this.dir, place.name, key);
  }

  async list(place: Place, path: string): Promise<Checkpoint[]> {
    const at = await locate(place, path);
    const s = await stat(this.fileOf(place, at.rel)).catch(() => undefined);
    return s ? [{ id: ID, last_modified: s.mtime.toISOString() }] : [];
  }

  async create(place: Place, path: string): Promise<Checkpoint> {
    const at = await locate(place, path);
    if (!at.real) {
      throw new HttpError(404, `"${at.rel}" does not exist in ${place.label}`);
    }
    const file = this.fileOf(place, at.rel);
    await mkdir(join(file, '..'), { recursive: true });
    try {
      // Through a descriptor that cannot block: a FIFO is refused, not waited on.
      const handle = await open(at.real, constants.O_RDONLY | constants.O_NONBLOCK);
      let isFile: boolean;
      try {
        isFile = (await handle.stat()).isFile();
      } finally {
        await handle.close();
      }
      if (!isFile) {
        throw new HttpError(400, `"${at.rel}" is not a file; only files have checkpoints`);
      }
      await copyFile(at.real, `${file}.part`);
      await rename(`${file}.part`, file);
    } catch (err) {
      throw fsError(err, at.rel, place);
    }
    return (await this.list(place, path))[0];
  }

  async restore(place: Place, path: string, id: string): Promise<void> {
    writable(place);
    const at = await locate(place, path);
    const file = this.fileOf(place, at.rel);
    if (id !== ID || !(await stat(file).catch(() => undefined))) {
      throw new HttpError(404, `"${at.rel}" has no checkpoint "${id}"`);
    }
    const target = at.real ?? at.entry;
    const temp = join(target, '..', `.${at.name}.hs-restore`);
    try {
      await copyFile(file, temp);
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw fsError(err, at.rel, place);
    }
  }

  async remove(place: Place, path: string, id: string): Promise<void> {
    const at = await locate(place, path);
    if (id === ID) {
      await rm(this.fileOf(place, at.rel), { force: true });
    }
  }
}
