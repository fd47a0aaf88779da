import type { ExposureList } from './flare';
import type { Job, JobDeleted } from './jobs';
import type { UsageSnapshot } from './usage';

/**
 * The events of a page's one stream (`GET api/v1/events`), by name, with what each carries.
 * `usage` and `exposures` are the current state (sent first on connect); `job` and
 * `job-deleted` are changes.
 */
export interface PageEventMap {
  usage: UsageSnapshot;
  exposures: ExposureList;
  job: Job;
  'job-deleted': JobDeleted;
}
export type PageEventName = keyof PageEventMap;
