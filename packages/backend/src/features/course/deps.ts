import type { Config } from '../../config';
import type { StorageHost } from '../../platform/storage';
import type { EventBus } from '../../bus';

/** What the course feature is given. */
export interface CourseDeps {
  config: Config;
  /** Who the user is and their groups (the hub's, else the OS's). */
  host: StorageHost;
  /** The Jupyter root: course folders and fetched assignments live under it. */
  rootDir: string;
  dataDir: string;
  /** The better-sqlite3 addon when bundled (the store's), to read gradebooks with. */
  nativeBinding?: string;
  /** Where the jobs feature publishes its jobs' changes (autograding runs as jobs). */
  bus: EventBus;
}
