/**
 * bcrypt verification off the event loop: bcryptjs is pure JavaScript and costs ~50-100 ms of
 * CPU per check, so checks run in worker threads and the backend's API stays responsive while
 * someone guesses passwords. Workers start on first use and are unref'd (they never hold the
 * process open).
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** Set by the bundle: bcryptjs is shipped beside main.js as bcryptjs.js (scripts/bundle.mjs). */
declare const HOTSTEPPER_BUNDLED: boolean | undefined;

function bcryptModule(): string {
  return typeof HOTSTEPPER_BUNDLED === 'boolean' && HOTSTEPPER_BUNDLED
    ? join(__dirname, 'bcryptjs.js')
    : require.resolve('bcryptjs');
}

// Plain CommonJS, evaluated by the worker: no file of ours to find at run time.
const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcrypt);
parentPort.on('message', ({ id, password, hash }) => {
  let ok = false;
  try { ok = bcrypt.compareSync(password, hash); } catch { ok = false; }
  parentPort.postMessage({ id, ok });
});
`;

interface Slot {
  worker: Worker;
  busy: number;
}

interface Pending {
  slot: Slot;
  group: string;
  resolve: (ok: boolean) => void;
  reject: (err: Error) => void;
}

/**
 * Too many checks waiting, in all or for the caller's group: the caller answers "try later"
 * rather than queueing without end.
 */
export class CheckQueueFull extends Error {}

export class PasswordChecker {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  /** Checks waiting or running per group. */
  private readonly inGroup = new Map<string, number>();
  private nextId = 0;
  private closed = false;

  constructor(
    /** Worker threads: by default one fewer than the cores (at least one), at most 4. */
    private readonly size = Math.max(1, Math.min(4, availableParallelism() - 1)),
    /** Checks waiting or running at once, beyond which check() throws CheckQueueFull. */
    private readonly maxQueued = 64,
    /**
     * Checks one group (an exposure) may have waiting or running: a flood of guesses at one
     * exposure leaves the rest of the queue to the others.
     */
    private readonly maxPerGroup = 16
  ) {}

  /** Whether `password` matches the bcrypt `hash`; `group` is whose share of the queue it takes. */
  check(password: string, hash: string, group = ''): Promise<boolean> {
    if (this.closed) {
      return Promise.reject(new Error('the password checker is closed'));
    }
    const inGroup = this.inGroup.get(group) ?? 0;
    if (this.pending.size >= this.maxQueued || inGroup >= this.maxPerGroup) {
      return Promise.reject(new CheckQueueFull('too many password checks at once'));
    }
    const slot = this.leastBusy();
    const id = this.nextId++;
    slot.busy++;
    this.inGroup.set(group, inGroup + 1);
    return new Promise<boolean>((resolve, reject) => {
      this.pending.set(id, { slot, group, resolve, reject });
      slot.worker.postMessage({ id, password, hash });
    });
  }

  /** Ends a check's hold on its slot and its group's share. */
  private settle(id: number, p: Pending): void {
    this.pending.delete(id);
    p.slot.busy--;
    const left = (this.inGroup.get(p.group) ?? 1) - 1;
    if (left > 0) {
      this.inGroup.set(p.group, left);
    } else {
      this.inGroup.delete(p.group);
    }
  }

  private leastBusy(): Slot {
    if (this.slots.length < this.size && !this.slots.some(s => s.busy === 0)) {
      this.slots.push(this.spawn());
    }
    return this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_CODE, { eval: true, workerData: { bcrypt: bcryptModule() } });
    worker.unref();
    const slot: Slot = { worker, busy: 0 };
    worker.on('message', ({ id, ok }: { id: number; ok: boolean }) => {
      const p = this.pending.get(id);
      if (p) {
        this.settle(id, p);
        p.resolve(ok);
      }
    });
    const fail = (err: Error) => {
      // A dead worker fails what it held; the next check starts a fresh one.
      const index = this.slots.indexOf(slot);
      if (index >= 0) {
        this.slots.splice(index, 1);
      }
      for (const [id, p] of this.pending) {
        if (p.slot === slot) {
          this.settle(id, p);
          p.reject(err);
        }
      }
    };
    worker.on('error', fail);
    worker.on('exit', code => {
      if (!this.closed) {
        fail(new Error(`a password-check worker exited (code ${code})`));
      }
    });
    return slot;
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = this.slots.splice(0).map(s => s.worker);
    for (const p of this.pending.values()) {
      p.reject(new Error('the password checker is closed'));
    }
    this.pending.clear();
    this.inGroup.clear();
    await Promise.all(workers.map(w => w.terminate()));
  }
}
