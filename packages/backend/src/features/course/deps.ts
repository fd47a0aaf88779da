import type { Config } from '../../config';
import type { JobAdapters } from '../../platform';
import type { StorageHost } from '../../platform/storage';
import type { Store } from '../../store';
import type { EventBus } from '../../bus';

/** What the course feature is given. */
export interface CourseDeps {
  config: Config;
  /** Who the user is and their groups (the hub's, else the OS's). */
  host: StorageHost;
  /** The Jupyter root: course folders and fetched assignments live under it. */
  rootDir: string;
  dataDir: string;
  /** Autograding runs as jobs of the jobs feature. */
  store: Store;
  jobs: JobAdapters;
  bus: EventBus;
}
