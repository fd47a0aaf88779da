import type { EventBus } from '../../bus';
import type { Config } from '../../config';
import type { Platform } from '../../platform';
import type { Store } from '../../store';
import type { UsageSampler } from './service';

/** What every part of the usage feature is given. */
export interface UsageDeps {
  config: Config;
  platform: Platform;
  store: Store;
  sampler: UsageSampler;
  /** Where parts publish what happened (the idle checks). */
  bus?: EventBus;
  /** Where the JUPYTERHUB_* variables are read; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * What the usage feature is given. Without a sampler it makes its own from the config and
 * stops it on close; a sampler given (tests) is the giver's to stop.
 */
export type UsageOptions = Omit<UsageDeps, 'sampler'> & {
  sampler?: UsageSampler;
};
