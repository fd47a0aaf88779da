import { Type, type Static } from '@sinclair/typebox';
import { STORAGE_KINDS, STORAGE_NAME_PATTERN, STORAGE_PAGE_MAX } from './constants';
import { literals } from './literals';

export const StorageKind = literals(...STORAGE_KINDS);
export type StorageKind = Static<typeof StorageKind>;

export const StorageMode = literals('ro', 'rw');
export type StorageMode = Static<typeof StorageMode>;

/** One access rule of the admin's: members of `group` get `mode` ("*": everyone). */
export const StorageRule = Type.Object(
  { group: Type.String({ minLength: 1 }), mode: StorageMode },
  { additionalProperties: false }
);
export type StorageRule = Static<typeof StorageRule>;

/** One storage the user can reach. */
export const Storage = Type.Object({
  name: Type.String({ pattern: STORAGE_NAME_PATTERN }),
  label: Type.String(),
  kind: StorageKind,
  description: Type.String(),
  /** The absolute path on the notebook's machine. */
  path: Type.String(),
  /** Where it came from: the Jupyter root, the admin's list, or a mount found. */
  source: literals('root', 'config', 'discovered'),
  /** The file system type from the mount table (e.g. "nfs4", "fuse.sshfs"); empty when unknown. */
  fsType: Type.String(),
  /** false: the path does not exist or cannot be read now; `problem` says why. */
  available: Type.Boolean(),
  problem: Type.Optional(Type.String()),
  /** Bytes, from statfs; absent when unavailable. */
  capacity: Type.Optional(Type.Number({ minimum: 0 })),
  used: Type.Optional(Type.Number({ minimum: 0 })),
  free: Type.Optional(Type.Number({ minimum: 0, description: 'Free for the user (bavail)' })),
  /** What the user may do here: the strictest of the rules, the mount and the file mode. */
  mode: StorageMode,
  /** Why it is read-only ("read-only: members of course-students may only read"); absent when writable. */
  reason: Type.Optional(Type.String()),
  /** The admin's rule that gave the mode, if one did. */
  rule: Type.Optional(StorageRule)
});
export type Storage = Static<typeof Storage>;

/** `GET /storage` */
export const StorageList = Type.Object(
  {
    user: Type.String(),
    groups: Type.Array(Type.String()),
    /** Where the groups came from. */
    groupsSource: literals('hub', 'os'),
    storages: Type.Array(Storage)
  },
  { $id: 'StorageList' }
);
export type StorageList = Static<typeof StorageList>;

export const ContentType = literals('file', 'directory', 'notebook');
export type ContentType = Static<typeof ContentType>;

export const ContentFormat = Type.Union([literals('text', 'base64', 'json'), Type.Null()]);
export type ContentFormat = Static<typeof ContentFormat>;

/** One file or folder, in the Jupyter contents model's shape; paths relative to the storage. */
export const ContentsModel = Type.Object(
  {
    name: Type.String(),
    path: Type.String(),
    type: ContentType,
    writable: Type.Boolean(),
    created: Type.String(),
    last_modified: Type.String(),
    mimetype: Type.Union([Type.String(), Type.Null()]),
    size: Type.Union([Type.Number(), Type.Null()]),
    format: ContentFormat,
    /** A file's text or base64, a notebook's JSON, a folder's entries (this page); null unless asked. */
    content: Type.Any(),
    /** Folders: how many entries there are in all, to page through with offset. */
    total: Type.Optional(Type.Integer({ minimum: 0 })),
    /** true when the entry is a symbolic link (never followed out of the storage). */
    symlink: Type.Optional(Type.Boolean())
  },
  { $id: 'ContentsModel' }
);
export type ContentsModel = Static<typeof ContentsModel>;

const StoragePath = Type.String({
  maxLength: 4096,
  description: 'Relative to the storage, "/"-separated; "" is its root'
});

/** The query of the contents routes. */
export const ContentsQuery = Type.Object(
  {
    path: StoragePath,
    /** GET: "0" for the metadata alone. */
    content: Type.Optional(literals('0', '1')),
    type: Type.Optional(ContentType),
    format: Type.Optional(literals('text', 'base64', 'json')),
    /** GET of a folder: the page. */
    offset: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: STORAGE_PAGE_MAX })),
    /** GET of a folder: "1" lists names starting with a dot. */
    hidden: Type.Optional(literals('0', '1')),
    /** GET of a file: larger files are refused with 413 (download them instead). */
    maxBytes: Type.Optional(Type.Integer({ minimum: 0 }))
  },
  // Other parameters are let through: JupyterLab adds a cache buster (`?<timestamp>`) to GETs.
  {}
);
export type ContentsQuery = Static<typeof ContentsQuery>;

/** `PUT /storage/{name}/contents?path=`: save; JupyterLab's chunked upload numbers chunks 1…n, -1 last. */
export const SaveRequest = Type.Object(
  {
    type: ContentType,
    format: Type.Optional(ContentFormat),
    content: Type.Optional(Type.Any()),
    chunk: Type.Optional(Type.Integer({ minimum: -1 }))
  },
  { $id: 'SaveRequest' }
);
export type SaveRequest = Static<typeof SaveRequest>;

/** `POST /storage/{name}/contents?path=<folder>`: a new untitled file, notebook or folder. */
export const CreateRequest = Type.Object(
  {
    type: ContentType,
    ext: Type.Optional(Type.String({ maxLength: 20, pattern: '^(\\.[A-Za-z0-9_+-]{1,19})?$' }))
  },
  { $id: 'CreateRequest', additionalProperties: false }
);
export type CreateRequest = Static<typeof CreateRequest>;

/**
 * `POST /storage/{name}/rename`: rename or move `path` to `to` within the storage. (Not a
 * PATCH: tornado, under jupyter-server-proxy, answers a body-less PATCH with a 500.)
 */
export const RenameRequest = Type.Object(
  { path: StoragePath, to: StoragePath },
  { $id: 'RenameRequest', additionalProperties: false }
);
export type RenameRequest = Static<typeof RenameRequest>;

/** `POST /storage/{name}/copy`: a copy of `path` in the folder `to`, named like JupyterLab's ("a-Copy1.txt"). */
export const CopyRequest = Type.Object(
  { path: StoragePath, to: StoragePath },
  { $id: 'CopyRequest', additionalProperties: false }
);
export type CopyRequest = Static<typeof CopyRequest>;

export const Checkpoint = Type.Object({ id: Type.String(), last_modified: Type.String() });
export type Checkpoint = Static<typeof Checkpoint>;

export const CheckpointList = Type.Array(Checkpoint, { $id: 'CheckpointList' });
export type CheckpointList = Static<typeof CheckpointList>;

export const StoragePathQuery = Type.Object({ path: StoragePath });
export type StoragePathQuery = Static<typeof StoragePathQuery>;

/** Where a transfer reads from: a file or folder in a storage. */
export const TransferEnd = Type.Object(
  { storage: Type.String({ pattern: STORAGE_NAME_PATTERN }), path: StoragePath },
  { additionalProperties: false }
);
export type TransferEnd = Static<typeof TransferEnd>;

export const TransferMode = literals('copy', 'move');
export type TransferMode = Static<typeof TransferMode>;

/** What happens when the target name is taken; decided once for the whole transfer. */
export const TransferConflict = literals('skip', 'overwrite', 'keep-both');
export type TransferConflict = Static<typeof TransferConflict>;

/** `POST /storage/transfers`: copy or move `from` into the folder `to` (possibly another storage). */
export const TransferRequest = Type.Object(
  {
    from: TransferEnd,
    /** The folder the file or folder goes into. */
    to: TransferEnd,
    mode: TransferMode,
    conflict: TransferConflict
  },
  { $id: 'TransferRequest', additionalProperties: false }
);
export type TransferRequest = Static<typeof TransferRequest>;

export const TransferState = literals('running', 'done', 'skipped', 'cancelled', 'failed');
export type TransferState = Static<typeof TransferState>;

/** One transfer and how far it got. */
export const Transfer = Type.Object(
  {
    id: Type.String(),
    from: TransferEnd,
    to: TransferEnd,
    mode: TransferMode,
    conflict: TransferConflict,
    state: TransferState,
    filesDone: Type.Integer({ minimum: 0 }),
    filesTotal: Type.Integer({ minimum: 0 }),
    bytesDone: Type.Number({ minimum: 0 }),
    bytesTotal: Type.Number({ minimum: 0 }),
    /** Where it landed (relative to the target storage), once done. */
    target: Type.Optional(Type.String()),
    /** Why it failed or was skipped. */
    message: Type.Optional(Type.String()),
    started: Type.String(),
    finished: Type.Optional(Type.String())
  },
  { $id: 'Transfer' }
);
export type Transfer = Static<typeof Transfer>;
