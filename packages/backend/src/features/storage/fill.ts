import type { EventBus } from '../../bus';
import type { StorageService } from './service';

/**
 * Publishes each writable storage that passes the nearly-full mark, once per crossing: it must
 * drop below the mark before it counts again.
 */
export class FillWatch {
  private full = new Set<string>();

  constructor(
    private readonly service: StorageService,
    private readonly bus: EventBus,
    private readonly percent: number
  ) {}

  /** One look at every storage (a storage that cannot be read now is skipped). */
  async check(): Promise<void> {
    const list = await this.service.list().catch(() => undefined);
    if (!list) {
      return;
    }
    const now = new Set<string>();
    for (const s of list.storages) {
      if (s.mode !== 'rw' || !s.capacity || s.used === undefined) {
        continue;
      }
      if ((s.used / s.capacity) * 100 >= this.percent) {
        now.add(s.name);
        if (!this.full.has(s.name)) {
          this.bus.publish('storage-nearly-full', {
            name: s.name,
            label: s.label,
            used: s.used,
            capacity: s.capacity,
            free: s.free ?? s.capacity - s.used
          });
        }
      }
    }
    this.full = now;
  }
}
