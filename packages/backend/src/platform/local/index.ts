import type { Platform, ResourceReader } from '../types';

/** The embedded default: one person's `jupyter lab` on their own machine. */
export class LocalPlatform implements Platform {
  readonly name = 'local' as const;

  constructor(readonly resources: ResourceReader) {}

  describe(): Record<string, string> {
    return { resources: this.resources.source };
  }
}
