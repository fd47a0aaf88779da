/**
 * Copy and move between storages (Home included), for files and whole trees. The copy is
 * written beside the target under a temporary name and renamed into place when complete, so
 * a cancelled or failed transfer leaves nothing under the target name; a move deletes its
 * source only after the copy is complete and checked (sizes, and sha256 for files under 1 GiB).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { constants } from 'node:fs';
import {
  copyFile,
  lstat,
  mkdir,
  open,
  readdir,
  readlink,
  realpath,
  rename,
  rm,
  stat,
  symlink,
  type FileHandle
} from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Transfer, TransferRequest } from '@hotstepper/api';
import { HttpError } from '../../errors';
import { fsError, locate, writable } from './files';
import type { Place } from './service';

/** Files this big or bigger are checked by size alone (hashing them again would double the time). */
export const CHECKSUM_LIMIT = 1024 * 1024 * 1024;

/** Finished transfers kept for a late GET. */
const KEEP_FINISHED = 50;

/** Progress is published at most this often (and when the transfer ends). */
const PUBLISH_MS = 250;

/** Files copied at once. */
const CONCURRENCY = 8;

/**
 * A copied file under this size is copied by the kernel in one call; a bigger one in pieces, so
 * its progress moves and a cancel stops it within one piece.
 */
const KERNEL_COPY_LIMIT = 32 * 1024 * 1024;

/** Read and written in pieces this big (fs streams default to 64 KiB). */
const CHUNK = 1024 * 1024;

interface Item {
  /** Relative to the copied entry ("" is the entry itself). */
  rel: string;
  kind: 'dir' | 'file' | 'link';
  size: number;
  link?: string;
  /** Of the bytes read while copying (files under CHECKSUM_LIMIT). */
  sha256?: string;
  /** The source's modification time when it was opened: a later one means it changed since. */
  mtimeMs?: number;
}

export interface TransferOptions {
  /** The storage called `name`, as the file routes see it. */
  place(name: string): Promise<Place>;
  /** Awaited before each file is copied: a seam for pacing (tests hold a transfer here). */
  beforeFile?(transfer: Transfer, rel: string): Promise<void>;
  /** Files copied at once (default 8); 1 copies them in order. */
  concurrency?: number;
}

function within(root: string, real: string): boolean {
  return real === root || real.startsWith(root === '/' ? '/' : `${root}/`);
}

const tempName = (name: string) => `.${name}.hs-transfer-${randomBytes(6).toString('hex')}`;

class Cancelled extends Error {}

/** The transfers under way and lately finished; `progress` is emitted with each new snapshot. */
export class Transfers extends EventEmitter<{ progress: [Transfer] }> {
  private readonly all = new Map<string, { transfer: Transfer; abort: AbortController }>();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly options: TransferOptions) {
    super();
    this.setMaxListeners(0);
  }

  get(id: string): Transfer {
    const entry = this.all.get(id);
    if (!entry) {
      throw new HttpError(404, `No transfer "${id}"; it finished long ago or never started`);
    }
    return { ...entry.transfer };
  }

  /** Cancels a running transfer; a finished one is left as it is. */
  cancel(id: string): Transfer {
    const entry = this.all.get(id);
    if (!entry) {
      throw new HttpError(404, `No transfer "${id}"; it finished long ago or never started`);
    }
    entry.abort.abort();
    return { ...entry.transfer };
  }

  /** Checks what can be checked up front (403, 404, 400 before anything is written) and starts. */
  async start(req: TransferRequest): Promise<Transfer> {
    const from = await this.options.place(req.from.storage);
    const to = await this.options.place(req.to.storage);
    writable(to);
    if (req.mode === 'move') {
      writable(from);
    }
    const source = await locate(from, req.from.path);
    if (!source.real || !source.name) {
      throw new HttpError(
        source.name ? 404 : 400,
        source.name
          ? `"${source.rel}" does not exist in ${from.label}`
          : `The root of ${from.label} cannot be ${req.mode === 'move' ? 'moved' : 'copied'}; choose a file or folder in it`
      );
    }
    const dir = await locate(to, req.to.path);
    if (!dir.real) {
      throw new HttpError(404, `The folder "${dir.rel}" does not exist in ${to.label}`);
    }
    if (!(await stat(dir.real)).isDirectory()) {
      throw new HttpError(400, `"${dir.rel}" in ${to.label} is a file, not a folder`);
    }
    if (within(source.real, dir.real)) {
      throw new HttpError(400, `"${source.rel}" cannot be copied into itself`);
    }
    const items = await this.scan(from, source.real, source.rel);
    const files = items.filter(i => i.kind === 'file');
    const transfer: Transfer = {
      id: randomUUID(),
      from: { storage: from.name, path: source.rel },
      to: { storage: to.name, path: dir.rel },
      mode: req.mode,
      conflict: req.conflict,
      state: 'running',
      filesDone: 0,
      filesTotal: files.length,
      bytesDone: 0,
      bytesTotal: files.reduce((sum, f) => sum + f.size, 0),
      started: new Date().toISOString()
    };
    const taken = await realpath(join(dir.real, source.name)).catch(() => undefined);
    if (taken && within(taken, source.real) && req.conflict !== 'keep-both') {
      throw new HttpError(
        400,
        `"${source.rel}" is already there (or inside what it would replace); choose another folder`
      );
    }
    const job = { from, to, name: source.name, source: source.real, dir: dir.real, items };
    const abort = new AbortController();
    this.all.set(transfer.id, { transfer, abort });
    this.forgetOld();
    const running = this.run(transfer, abort.signal, job)
      .then(result => this.finish(transfer, result))
      .catch(err =>
        this.finish(
          transfer,
          err instanceof Cancelled
            ? { state: 'cancelled', message: 'Cancelled; nothing was written under the name' }
            : {
                state: 'failed',
                // Running out of room or a read-only remount is the target's doing.
                message: fsError(
                  err,
                  transfer.from.path,
                  ['ENOSPC', 'EDQUOT', 'EROFS'].includes((err as NodeJS.ErrnoException).code ?? '')
                    ? to
                    : from
                ).message
              }
        )
      )
      .finally(() => this.running.delete(running));
    this.running.add(running);
    return { ...transfer };
  }

  /** Cancels every running transfer and waits for each to clear its temporary copy. */
  async stop(): Promise<void> {
    for (const { abort } of this.all.values()) {
      abort.abort();
    }
    await Promise.all([...this.running]);
  }

  /** Every entry under `real`, checked: links must stay inside the storage; no FIFO, device or socket. */
  private async scan(place: Place, real: string, rel: string): Promise<Item[]> {
    const items: Item[] = [];
    const visit = async (abs: string, at: string): Promise<void> => {
      const s = await lstat(abs);
      const shown = at ? `${rel}/${at}` : rel;
      if (s.isSymbolicLink()) {
        const target = await realpath(abs).catch(() => undefined);
        if (!target || !within(place.root, target)) {
          throw new HttpError(
            403,
            `"${shown}" is a symbolic link leading outside ${place.label}; it is not copied`
          );
        }
        items.push({ rel: at, kind: 'link', size: 0, link: await readlink(abs) });
      } else if (s.isDirectory()) {
        items.push({ rel: at, kind: 'dir', size: 0 });
        for (const name of (await readdir(abs)).sort()) {
          await visit(join(abs, name), at ? `${at}/${name}` : name);
        }
      } else if (s.isFile()) {
        items.push({ rel: at, kind: 'file', size: s.size });
      } else {
        throw new HttpError(
          403,
          `"${shown}" is not a regular file (a FIFO, socket or device); only files and folders are copied`
        );
      }
    };
    try {
      await visit(real, '');
    } catch (err) {
      throw fsError(err, rel, place);
    }
    return items;
  }

  private async run(
    transfer: Transfer,
    signal: AbortSignal,
    job: { from: Place; to: Place; name: string; source: string; dir: string; items: Item[] }
  ): Promise<Partial<Transfer>> {
    let targetName = job.name;
    let target = join(job.dir, targetName);
    if (await lstat(target).catch(() => undefined)) {
      if (transfer.conflict === 'skip') {
        return {
          state: 'skipped',
          message: `"${targetName}" already exists in ${job.to.label}; skipped as asked`
        };
      }
      if (transfer.conflict === 'keep-both') {
        targetName = await freeName(job.dir, targetName, job.items[0].kind === 'dir');
        target = join(job.dir, targetName);
      }
    }
    const temp = join(job.dir, tempName(targetName));
    try {
      await this.copy(transfer, signal, job, temp);
      // A copy is checked by size; a move, which deletes the source, by sha256 too.
      await verify(job, temp, signal, {
        concurrency: this.options.concurrency ?? CONCURRENCY,
        checksum: transfer.mode === 'move'
      });
      if (signal.aborted) {
        throw new Cancelled();
      }
      const existing = await lstat(target).catch(() => undefined);
      if (existing) {
        // Overwrite: the old entry steps aside only now that the new one is whole.
        const old = join(job.dir, tempName(targetName));
        await rename(target, old);
        await rename(temp, target);
        await rm(old, { recursive: true, force: true });
      } else {
        await rename(temp, target);
      }
    } catch (err) {
      await rm(temp, { recursive: true, force: true });
      throw signal.aborted ? new Cancelled() : err;
    }
    // Committed: a cancel from here on no longer undoes anything.
    if (transfer.mode === 'move') {
      await rm(job.source, { recursive: true });
    }
    const rel = transfer.to.path ? `${transfer.to.path}/${targetName}` : targetName;
    return { state: 'done', target: rel };
  }

  private async copy(
    transfer: Transfer,
    signal: AbortSignal,
    job: { source: string; items: Item[] },
    temp: string
  ): Promise<void> {
    let last = 0;
    const publish = () => {
      const now = Date.now();
      if (now - last >= PUBLISH_MS) {
        last = now;
        this.emit('progress', { ...transfer });
      }
    };
    // Folders and links first (in order: a folder before what is in it), then the files.
    for (const item of job.items) {
      const dst = item.rel ? join(temp, item.rel) : temp;
      if (item.kind === 'dir') {
        await mkdir(dst);
      } else if (item.kind === 'link') {
        await symlink(item.link!, dst);
      }
    }
    const files = job.items.filter(i => i.kind === 'file');
    const copyOne = async (item: Item) => {
      await this.options.beforeFile?.({ ...transfer }, item.rel);
      if (signal.aborted) {
        throw new Cancelled();
      }
      const src = item.rel ? join(job.source, item.rel) : job.source;
      const dst = item.rel ? join(temp, item.rel) : temp;
      // O_NOFOLLOW: a file swapped for a link since the scan is not followed out.
      const handle = await open(src, constants.O_RDONLY | constants.O_NOFOLLOW);
      let out: FileHandle | undefined;
      try {
        item.mtimeMs = (await handle.stat()).mtimeMs;
        if (transfer.mode === 'copy' && item.size < KERNEL_COPY_LIMIT) {
          // Nothing to hash: the kernel copies it (copy_file_range), through the file already
          // opened (its /proc/self/fd link cannot be swapped for another file).
          await copyFile(`/proc/self/fd/${handle.fd}`, dst, constants.COPYFILE_EXCL);
          transfer.bytesDone += item.size;
          transfer.filesDone += 1;
          publish();
          return;
        }
        out = await open(dst, 'wx');
        // Only a move is checked by sha256 (of the bytes read here, against the copy's).
        const hash =
          transfer.mode === 'move' && item.size < CHECKSUM_LIMIT ? createHash('sha256') : undefined;
        // A plain read/write loop: streams cost more than the copy itself for small files.
        const buf = Buffer.allocUnsafe(Math.max(1, Math.min(CHUNK, item.size)));
        for (;;) {
          if (signal.aborted) {
            throw new Cancelled();
          }
          const { bytesRead } = await handle.read(buf, 0, buf.length, null);
          if (bytesRead === 0) {
            break;
          }
          hash?.update(buf.subarray(0, bytesRead));
          for (let at = 0; at < bytesRead;) {
            at += (await out.write(buf, at, bytesRead - at)).bytesWritten;
          }
          transfer.bytesDone += bytesRead;
          publish();
        }
        if (hash) {
          item.sha256 = hash.digest('hex');
        }
      } finally {
        await handle.close();
        await out?.close();
      }
      transfer.filesDone += 1;
      publish();
    };
    if (signal.aborted) {
      throw new Cancelled();
    }
    // Many small files are bound by the per-file round trips: several in flight hide them.
    await pool(files, this.options.concurrency ?? CONCURRENCY, copyOne);
  }

  private finish(transfer: Transfer, result: Partial<Transfer>): void {
    Object.assign(transfer, result, { finished: new Date().toISOString() });
    this.emit('progress', { ...transfer });
  }

  private forgetOld(): void {
    const finished = [...this.all.values()].filter(e => e.transfer.state !== 'running');
    for (const entry of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) {
      this.all.delete(entry.transfer.id);
    }
  }
}

/** "name-Copy1.ext", "name-Copy2.ext", …: the first that is free (as JupyterLab names copies). */
async function freeName(dir: string, name: string, folder: boolean): Promise<string> {
  const ext = folder ? '' : extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let i = 1; i < 10_000; i++) {
    const candidate = `${stem}-Copy${i}${ext}`;
    if (!(await lstat(join(dir, candidate)).catch(() => undefined))) {
      return candidate;
    }
  }
  throw new HttpError(409, `Too many copies of "${name}" in the target folder`);
}

async function sha256(path: string, signal: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      if (signal.aborted) {
        throw new Cancelled();
      }
      const { bytesRead } = await handle.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) {
        return hash.digest('hex');
      }
      hash.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
}

/** Runs `task` on every item, `concurrency` at a time; the first failure fails it all. */
async function pool<T>(items: T[], concurrency: number, task: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      await task(items[next++]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** The copy against its source: sizes equal, and (checksum) under 1 GiB the sha256 of what was read. */
async function verify(
  job: { name: string; source: string; items: Item[] },
  copy: string,
  signal: AbortSignal,
  options: { concurrency: number; checksum: boolean }
): Promise<void> {
  const files = job.items.filter(i => i.kind === 'file');
  await pool(files, options.concurrency, async item => {
    const src = item.rel ? join(job.source, item.rel) : job.source;
    const dst = item.rel ? join(copy, item.rel) : copy;
    const [a, b] = await Promise.all([stat(src), stat(dst)]);
    const shown = item.rel || job.name;
    if (a.size !== b.size) {
      throw new HttpError(
        500,
        `The copy of "${shown}" has ${b.size} bytes, the original ${a.size}; the source was kept`
      );
    }
    if (a.mtimeMs !== item.mtimeMs) {
      throw new HttpError(
        409,
        `"${shown}" changed while it was copied; the source was kept, try again`
      );
    }
    // The source's hash was taken as it was read (and it has not changed since): only the
    // copy is read again.
    if (
      options.checksum &&
      item.sha256 !== undefined &&
      item.sha256 !== (await sha256(dst, signal))
    ) {
      throw new HttpError(
        500,
        `The copy of "${shown}" differs from the original (sha256); the source was kept`
      );
    }
  });
}
