/**
 * Files and folders inside one storage. Every path is confined at use: relative, no "..",
 * and once symbolic links are resolved still inside the storage's real root. Only regular
 * files and folders are ever opened (a FIFO would block, a device would be read forever).
 * Writes land under a temporary name beside the target and are renamed into place, so a
 * half-written file is never seen under its name.
 */
import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import {
  appendFile,
  lstat,
  open,
  readdir,
  readlink,
  realpath,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
  mkdir,
  copyFile
} from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { ContentsModel, ContentsQuery, SaveRequest } from '@hotstepper/api';
import { STORAGE_DEFAULT_MAX_OPEN_BYTES, STORAGE_PAGE_MAX } from '@hotstepper/api';
import { HttpError } from '../../errors';
import type { Place } from './service';

const MAX_NAME_BYTES = 255;

/** The path's parts: refused with a 400 when it could leave the storage by its spelling alone. */
export function splitPath(path: string): string[] {
  if (path.includes('\0')) {
    throw new HttpError(400, 'The path contains a NUL character; remove it');
  }
  if (path.startsWith('/')) {
    throw new HttpError(400, `"${path}" is absolute; paths are relative to the storage's root`);
  }
  const parts = path.split('/').filter(p => p !== '' && p !== '.');
  if (parts.includes('..')) {
    throw new HttpError(400, `"${path}" contains ".."; paths stay inside the storage`);
  }
  const long = parts.find(p => Buffer.byteLength(p) > MAX_NAME_BYTES);
  if (long) {
    throw new HttpError(400, `A name in the path is longer than ${MAX_NAME_BYTES} bytes`);
  }
  return parts;
}

function within(root: string, real: string): boolean {
  return real === root || real.startsWith(root === '/' ? '/' : `${root}/`);
}

/** A path inside a storage, resolved. */
export interface Located {
  /** Normalised, relative to the storage ("" is the root). */
  rel: string;
  name: string;
  /** Absolute: the real parent folder joined with the name (the entry itself, a link not followed). */
  entry: string;
  /** Absolute and real: where the entry leads (undefined when it does not exist). */
  real?: string;
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException)?.code;
}

/**
 * Where `path` is in the storage. The parent folder must exist and lie inside the storage
 * once links are resolved; so must the entry itself when `follow` and it exists.
 */
export async function locate(place: Place, path: string, follow = true): Promise<Located> {
  const parts = splitPath(path);
  const rel = parts.join('/');
  if (parts.length === 0) {
    return { rel, name: '', entry: place.root, real: place.root };
  }
  const name = parts[parts.length - 1];
  let parent: string;
  try {
    parent = await realpath(join(place.root, ...parts.slice(0, -1)));
  } catch (err) {
    throw fsError(err, parts.slice(0, -1).join('/'), place);
  }
  if (!within(place.root, parent)) {
    throw outside(rel);
  }
  const entry = join(parent, name);
  let real: string | undefined;
  try {
    real = await realpath(entry);
  } catch (err) {
    if (errno(err) !== 'ENOENT') {
      throw fsError(err, rel, place);
    }
    // A dangling link: following it would create a file wherever it points.
    if (follow && (await lstat(entry).catch(() => undefined))?.isSymbolicLink()) {
      throw outside(rel);
    }
  }
  if (follow && real !== undefined && !within(place.root, real)) {
    throw outside(rel);
  }
  return { rel, name, entry, real };
}

function outside(rel: string): HttpError {
  return new HttpError(
    403,
    `"${rel}" leads outside the storage (a symbolic link); it is not opened`
  );
}

function kindName(s: Stats): string {
  return s.isFIFO()
    ? 'a FIFO'
    : s.isSocket()
      ? 'a socket'
      : s.isCharacterDevice() || s.isBlockDevice()
        ? 'a device file'
        : 'not a regular file';
}

function notRegular(rel: string, s: Stats): HttpError {
  return new HttpError(403, `"${rel}" is ${kindName(s)}; only files and folders are opened`);
}

/** A file system error as an answer a person can act on. */
export function fsError(err: unknown, rel: string, place: Place): Error {
  if (err instanceof HttpError) {
    return err;
  }
  const where = rel ? `"${rel}"` : 'The root';
  switch (errno(err)) {
    case 'ENOENT':
      return new HttpError(404, `${where} does not exist in ${place.label}`);
    case 'ENOTDIR':
      return new HttpError(400, `A part of ${where} is a file, not a folder`);
    case 'EEXIST':
    case 'ENOTEMPTY':
      return new HttpError(409, `${where} already exists in ${place.label}; choose another name`);
    case 'EACCES':
    case 'EPERM':
      return new HttpError(403, `${where}: permission denied by the file system`);
    case 'EROFS':
      return new HttpError(
        403,
        `${place.label} is read-only: the file system is mounted read-only`
      );
    case 'ENOSPC':
    case 'EDQUOT':
      return new HttpError(507, `${place.label} is full; free some space and try again`);
    case 'ENAMETOOLONG':
      return new HttpError(400, `${where} is too long for the file system`);
    case 'ELOOP':
      return new HttpError(400, `${where} is a loop of symbolic links`);
    default:
      return err as Error;
  }
}

/** Refuses a write to a read-only storage with the reason. */
export function writable(place: Place): void {
  if (place.mode !== 'rw') {
    throw new HttpError(
      403,
      `${place.label} is ${place.reason ?? 'read-only'}; nothing was changed`
    );
  }
}

const MIME: Record<string, string> = {
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.py': 'text/x-python',
  '.json': 'application/json',
  '.csv': 'text/csv',
  '.ipynb': 'application/x-ipynb+json',
  '.html': 'text/html',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.pdf': 'application/pdf'
};

function typeOf(name: string, s: Stats): ContentsModel['type'] {
  return s.isDirectory() ? 'directory' : extname(name) === '.ipynb' ? 'notebook' : 'file';
}

function metadata(rel: string, name: string, s: Stats, writableHere: boolean): ContentsModel {
  const type = typeOf(name, s);
  return {
    name,
    path: rel,
    type,
    writable: writableHere,
    created: (s.birthtimeMs ? s.birthtime : s.ctime).toISOString(),
    last_modified: s.mtime.toISOString(),
    mimetype: type === 'directory' ? null : (MIME[extname(name).toLowerCase()] ?? null),
    size: type === 'directory' ? null : s.size,
    format: null,
    content: null
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads a regular file through a descriptor that cannot block or follow a swapped-in link. */
async function readRegular(real: string, rel: string): Promise<Buffer> {
  const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const s = await handle.stat();
    if (!s.isFile()) {
      throw notRegular(rel, s);
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** A file's model with its content, or a page of a folder's entries. */
export async function get(place: Place, query: ContentsQuery): Promise<ContentsModel> {
  const at = await locate(place, query.path);
  if (at.real === undefined) {
    throw new HttpError(404, `"${at.rel}" does not exist in ${place.label}`);
  }
  try {
    const s = await stat(at.real);
    const model = metadata(at.rel, at.name, s, place.mode === 'rw');
    if (s.isDirectory()) {
      return query.content === '0' ? model : await listing(place, at, model, query);
    }
    if (!s.isFile()) {
      throw notRegular(at.rel, s);
    }
    if (query.content === '0') {
      return model;
    }
    const limit = query.maxBytes ?? STORAGE_DEFAULT_MAX_OPEN_BYTES;
    if (s.size > limit) {
      throw new HttpError(
        413,
        `"${at.rel}" is ${mib(s.size)}, over the ${mib(limit)} limit for opening in the editor; download it instead`
      );
    }
    const bytes = await readRegular(at.real, at.rel);
    const type = query.type ?? model.type;
    if (type === 'notebook') {
      try {
        return { ...model, type, format: 'json', content: JSON.parse(bytes.toString('utf8')) };
      } catch {
        throw new HttpError(400, `"${at.rel}" is not a valid notebook (not JSON); open it as text`);
      }
    }
    if (query.format !== 'base64') {
      try {
        return { ...model, type: 'file', format: 'text', content: utf8.decode(bytes) };
      } catch {
        if (query.format === 'text') {
          throw new HttpError(400, `"${at.rel}" is not UTF-8 text; open it as binary (base64)`);
        }
      }
    }
    return {
      ...model,
      type: 'file',
      format: 'base64',
      mimetype: model.mimetype ?? 'application/octet-stream',
      content: bytes.toString('base64')
    };
  } catch (err) {
    throw fsError(err, at.rel, place);
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

async function listing(
  place: Place,
  at: Located,
  model: ContentsModel,
  query: ContentsQuery
): Promise<ContentsModel> {
  const all = await readdir(at.real!);
  await sweepAbandoned(at.real!, all);
  const names = all
    .filter(n => !WORK_FILE.test(n) && (query.hidden === '1' || !n.startsWith('.')))
    .sort();
  const offset = query.offset ?? 0;
  const page = names.slice(offset, offset + (query.limit ?? STORAGE_PAGE_MAX));
  const entries = await Promise.all(
    page.map(async name => {
      const path = join(at.real!, name);
      const rel = at.rel ? `${at.rel}/${name}` : name;
      try {
        const l = await lstat(path);
        if (!l.isSymbolicLink()) {
          return metadata(rel, name, l, place.mode === 'rw');
        }
        // A link is shown as what it leads to while that is inside; else as a file that will not open.
        const target = await realpath(path).catch(() => undefined);
        const s = target && within(place.root, target) ? await stat(target) : l;
        return { ...metadata(rel, name, s, place.mode === 'rw'), symlink: true };
      } catch {
        return undefined; // Gone since readdir.
      }
    })
  );
  return {
    ...model,
    format: 'json',
    content: entries.filter((e): e is ContentsModel => e !== undefined),
    total: names.length
  };
}

const uploadName = (name: string) => `.${name}.hs-upload`;

/** Our own files under way (an upload's part, a save or copy before its rename): never listed. */
const WORK_FILE = /^\..+\.hs-(upload|[0-9a-f]{12}|transfer-[0-9a-f]{12})$/;
const UPLOAD_PART = /^\..+\.hs-upload$/;
/** An upload's part with no chunk for this long was abandoned (a browser sends one a second). */
export const ABANDONED_UPLOAD_MS = 24 * 3600 * 1000;

/** Removes the abandoned upload parts among a folder's entries (swept as the folder is listed). */
async function sweepAbandoned(dir: string, names: string[]): Promise<void> {
  const old = Date.now() - ABANDONED_UPLOAD_MS;
  await Promise.all(
    names
      .filter(n => UPLOAD_PART.test(n))
      .map(async n => {
        const l = await lstat(join(dir, n)).catch(() => undefined);
        if (l?.isFile() && l.mtimeMs < old) {
          await rm(join(dir, n), { force: true });
        }
      })
  );
}
const tempName = (name: string) => `.${name}.hs-${randomBytes(6).toString('hex')}`;

/** Writes `data` beside `entry` under a temporary name and renames it into place. */
async function replace(entry: string, name: string, data: Buffer | string): Promise<void> {
  const temp = join(entry, '..', tempName(name));
  try {
    await writeFile(temp, data, { flag: 'wx' });
    await rename(temp, entry);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

function bytesOf(body: SaveRequest, rel: string): Buffer | string {
  if (body.type === 'notebook') {
    if (typeof body.content !== 'object' || body.content === null) {
      throw new HttpError(400, `A notebook's content must be its JSON; "${rel}" got none`);
    }
    return `${JSON.stringify(body.content, null, 1)}\n`;
  }
  if (typeof body.content !== 'string') {
    throw new HttpError(
      400,
      `A file's content must be a string (text or base64); "${rel}" got none`
    );
  }
  return body.format === 'base64' ? Buffer.from(body.content, 'base64') : body.content;
}

/** Saves a file or notebook, creates a folder, or takes one chunk of an upload. */
export async function save(place: Place, path: string, body: SaveRequest): Promise<ContentsModel> {
  writable(place);
  const at = await locate(place, path);
  if (!at.name) {
    throw new HttpError(400, 'The storage root cannot be saved over; name a file');
  }
  let written = at.entry;
  try {
    const existing = at.real ? await stat(at.real) : undefined;
    if (body.type === 'directory') {
      if (!existing) {
        await mkdir(at.entry);
      } else if (!existing.isDirectory()) {
        throw new HttpError(409, `"${at.rel}" already exists and is a file`);
      }
    } else {
      if (existing && !existing.isFile()) {
        throw existing.isDirectory()
          ? new HttpError(409, `"${at.rel}" is a folder; a file cannot be saved over it`)
          : notRegular(at.rel, existing);
      }
      const target = at.real ?? at.entry;
      written = target;
      const data = bytesOf(body, at.rel);
      if (body.chunk === undefined) {
        await replace(target, at.name, data);
      } else {
        // JupyterLab's upload: chunk 1 starts, each next one appends, -1 is the last.
        const part = join(target, '..', uploadName(at.name));
        written = body.chunk === -1 ? target : part;
        if (body.chunk === 1) {
          await writeFile(part, data);
        } else {
          const started = await lstat(part).catch(() => undefined);
          if (!started?.isFile()) {
            if (body.chunk !== -1) {
              throw new HttpError(
                409,
                `The upload of "${at.rel}" lost its first chunks (chunk ${body.chunk} came alone); upload the file again`
              );
            }
            await writeFile(part, data);
          } else {
            await appendFile(part, data);
          }
        }
        if (body.chunk === -1) {
          await rename(part, target);
        }
      }
    }
    return metadata(at.rel, at.name, await stat(written), true);
  } catch (err) {
    throw fsError(err, at.rel, place);
  }
}

const EMPTY_NOTEBOOK = {
  cells: [],
  metadata: {},
  nbformat: 4,
  nbformat_minor: 5
};

/** A new "untitled" file, notebook or folder in the folder `dir`, named as Jupyter names them. */
export async function create(
  place: Place,
  dir: string,
  type: ContentsModel['type'],
  ext?: string
): Promise<ContentsModel> {
  writable(place);
  const at = await locate(place, dir);
  if (!at.real) {
    throw new HttpError(404, `The folder "${at.rel}" does not exist in ${place.label}`);
  }
  const stem =
    type === 'directory' ? 'Untitled Folder' : type === 'notebook' ? 'Untitled' : 'untitled';
  const suffix = type === 'directory' ? '' : type === 'notebook' ? '.ipynb' : (ext ?? '.txt');
  const sep = type === 'directory' ? ' ' : '';
  for (let i = 0; i < 10_000; i++) {
    const name = `${stem}${i ? `${sep}${i}` : ''}${suffix}`;
    const entry = join(at.real, name);
    try {
      if (type === 'directory') {
        await mkdir(entry);
      } else {
        await writeFile(
          entry,
          type === 'notebook' ? `${JSON.stringify(EMPTY_NOTEBOOK, null, 1)}\n` : '',
          {
            flag: 'wx'
          }
        );
      }
      const rel = at.rel ? `${at.rel}/${name}` : name;
      return metadata(rel, name, await stat(entry), true);
    } catch (err) {
      if (errno(err) !== 'EEXIST') {
        throw fsError(err, at.rel, place);
      }
    }
  }
  throw new HttpError(409, `Too many untitled files in "${at.rel}"; rename some`);
}

/** Renames or moves within the storage; the target must not exist. */
export async function move(place: Place, from: string, to: string): Promise<ContentsModel> {
  writable(place);
  const source = await locate(place, from, false);
  const target = await locate(place, to, false);
  if (!source.name || !target.name) {
    throw new HttpError(400, 'The storage root cannot be renamed');
  }
  try {
    await lstat(source.entry);
    if (await lstat(target.entry).catch(() => undefined)) {
      throw new HttpError(
        409,
        `"${target.rel}" already exists in ${place.label}; choose another name`
      );
    }
    await rename(source.entry, target.entry);
    return metadata(target.rel, target.name, await lstat(target.entry), true);
  } catch (err) {
    throw fsError(err, source.rel, place);
  }
}

/** Deletes a file, a link (never what it points to) or a whole folder. */
export async function remove(place: Place, path: string): Promise<void> {
  writable(place);
  const at = await locate(place, path, false);
  if (!at.name) {
    throw new HttpError(400, 'The storage root cannot be deleted');
  }
  try {
    await lstat(at.entry);
    await rm(at.entry, { recursive: true });
  } catch (err) {
    throw fsError(err, at.rel, place);
  }
}

/** How many files a tree copy has in flight: fs.cp copies one at a time, far slower than cp -r. */
const COPY_CONCURRENCY = 16;

/**
 * Copies the folder `from` to `to` (which must not exist): folders, regular files and links as
 * links; a FIFO, socket or device inside refuses the whole copy.
 */
async function copyTree(from: string, to: string, rel: string): Promise<void> {
  const files: Array<[string, string]> = [];
  const walk = async (src: string, dst: string, at: string): Promise<void> => {
    await mkdir(dst);
    for (const entry of await readdir(src, { withFileTypes: true })) {
      const s = join(src, entry.name);
      const d = join(dst, entry.name);
      if (entry.isDirectory()) {
        await walk(s, d, `${at}/${entry.name}`);
      } else if (entry.isFile()) {
        files.push([s, d]);
      } else if (entry.isSymbolicLink()) {
        await symlink(await readlink(s), d);
      } else {
        throw notRegular(`${at}/${entry.name}`, await lstat(s));
      }
    }
  };
  await walk(from, to, rel);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const [s, d] = files[next++];
      await copyFile(s, d, constants.COPYFILE_EXCL);
    }
  };
  await Promise.all(Array.from({ length: COPY_CONCURRENCY }, worker));
}

/** Copies a file or folder into the folder `toDir` as "<name>-Copy<n><ext>", whole or not at all. */
export async function copy(place: Place, path: string, toDir: string): Promise<ContentsModel> {
  writable(place);
  const source = await locate(place, path);
  const dir = await locate(place, toDir);
  if (!source.real || !source.name) {
    throw new HttpError(404, `"${source.rel}" does not exist in ${place.label}`);
  }
  if (!dir.real) {
    throw new HttpError(404, `The folder "${dir.rel}" does not exist in ${place.label}`);
  }
  if (within(source.real, dir.real)) {
    throw new HttpError(400, `"${source.rel}" cannot be copied into itself`);
  }
  try {
    const s = await stat(source.real);
    if (!s.isFile() && !s.isDirectory()) {
      throw notRegular(source.rel, s);
    }
    const ext = s.isDirectory() ? '' : extname(source.name);
    const stem = source.name.slice(0, source.name.length - ext.length);
    const temp = join(dir.real, tempName(source.name));
    try {
      if (s.isDirectory()) {
        await copyTree(source.real, temp, source.rel);
      } else {
        await copyFile(source.real, temp, constants.COPYFILE_EXCL);
      }
      for (let i = 1; i < 10_000; i++) {
        const name = `${stem}-Copy${i}${ext}`;
        const entry = join(dir.real, name);
        if (await lstat(entry).catch(() => undefined)) {
          continue;
        }
        await rename(temp, entry);
        const rel = dir.rel ? `${dir.rel}/${name}` : name;
        return metadata(rel, name, await stat(entry), true);
      }
      throw new HttpError(409, `Too many copies of "${source.rel}" in "${dir.rel}"`);
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  } catch (err) {
    throw fsError(err, source.rel, place);
  }
}

/** A regular file opened for streaming, with its size and name. */
export async function openForDownload(place: Place, path: string) {
  const at = await locate(place, path);
  if (!at.real) {
    throw new HttpError(404, `"${at.rel}" does not exist in ${place.label}`);
  }
  try {
    const handle = await open(
      at.real,
      constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK
    );
    const s = await handle.stat();
    if (!s.isFile()) {
      await handle.close();
      throw s.isDirectory()
        ? new HttpError(400, `"${at.rel}" is a folder; download its files one by one`)
        : notRegular(at.rel, s);
    }
    return { name: at.name, size: s.size, stream: handle.createReadStream() };
  } catch (err) {
    throw fsError(err, at.rel, place);
  }
}
