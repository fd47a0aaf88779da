/**
 * The backend's one event bus: features publish what happened, others subscribe, and no
 * feature imports another's service. In process and synchronous; a topic keeps its last
 * payload so a late subscriber (a page's event stream) starts from the current value.
 */
import type { ExposureList, Job, UsageSnapshot } from '@hotstepper/api';

/** Every topic and what it carries. */
export interface BusTopics {
  /** Each new snapshot of the usage sampler (what `/usage/now` answers). */
  usage: UsageSnapshot;
  /** A job was submitted or changed. */
  job: Job;
  /** A job was deleted. */
  'job-deleted': { id: string };
  /** The exposures (or their counts, or whether their apps listen) changed. */
  exposures: ExposureList;
  /** A daily idle check was made: its verdict and the counter before and after it. */
  'idle-check': IdleCheckEvent;
  /** A writable storage passed the nearly-full mark (published once per crossing). */
  'storage-nearly-full': StorageNearlyFull;
  /** A platform app started, stopped or crashed. */
  app: AppChange;
}

export interface IdleCheckEvent {
  /** The local day checked, YYYY-MM-DD. */
  day: string;
  checkedAt: number;
  verdict: 'idle' | 'busy' | 'unknown';
  idleDaysBefore: number;
  idleDays: number;
  maxIdleDays: number;
}

export interface StorageNearlyFull {
  name: string;
  label: string;
  /** Bytes. */
  used: number;
  capacity: number;
  free: number;
}

/** A platform app's change of state. */
export interface AppChange {
  /** jupyter-server-proxy's server name. */
  name: string;
  title: string;
  event: 'started' | 'stopped' | 'crashed';
  /** Unix ms. */
  at: number;
  /** A crash's last line of output. */
  detail?: string;
}

export type Topic = keyof BusTopics;

export class EventBus {
  /** Sends `payload` to every subscriber of `topic`; a throwing subscriber does not stop the rest. */
  publish<T extends Topic>(topic: T, payload: BusTopics[T]): void {
    this.last.set(topic, payload);
    for (const fn of [...(this.subscribers.get(topic) ?? [])]) {
      try {
        fn(payload);
      } catch {
        // A subscriber's failure is its own: the publisher and the others carry on.
      }
    }
  }

  /** Calls `fn` with every payload published on `topic` from now on; returns the unsubscribe. */
  subscribe<T extends Topic>(topic: T, fn: (payload: BusTopics[T]) => void): () => void {
    const set = this.subscribers.get(topic) ?? new Set();
    this.subscribers.set(topic, set);
    const listener = fn as (payload: unknown) => void;
    set.add(listener);
    return () => void set.delete(listener);
  }

  /** The last payload published on `topic`, if any. */
  latest<T extends Topic>(topic: T): BusTopics[T] | undefined {
    return this.last.get(topic) as BusTopics[T] | undefined;
  }

  /** How many subscribe to `topic` (a publisher may skip work nobody waits for). */
  count(topic: Topic): number {
    return this.subscribers.get(topic)?.size ?? 0;
  }

  private readonly subscribers = new Map<Topic, Set<(payload: unknown) => void>>();
  private readonly last = new Map<Topic, unknown>();
}
