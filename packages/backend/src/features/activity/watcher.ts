/**
 * Watches every kernel of the Jupyter server, with or without a page open: the kernel list
 * and sessions by polling the server's REST API, and each kernel's channels as a listener
 * that never sends a request. From the broadcast (iopub) messages it journals when a cell
 * starts (`execute_input` and its count), what it last printed, the name of its error, and
 * when the kernel went idle again; and kernels starting, stopping, restarting and dying.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { JupyterMessage, JupyterServerClient } from '../../platform/jupyter';
import type { ActivityJournal } from './journal';

export interface WatcherOptions {
  client: JupyterServerClient;
  journal: ActivityJournal;
  pollMs: number;
  /** How often running cells' last lines are written. */
  flushMs?: number;
  log?: FastifyBaseLogger;
}

const when = (date: string | undefined, fallback: number) => {
  const t = date ? Date.parse(date) : NaN;
  return Number.isFinite(t) ? t : fallback;
};

export class KernelWatcher {
  private readonly listeners = new Map<string, { close(): void }>();
  private readonly connecting = new Set<string>();
  private readonly paths = new Map<string, string>();
  /** The kernels of the last listing; undefined before the first. */
  private known?: Set<string>;
  private timers: NodeJS.Timeout[] = [];
  private polling?: Promise<void>;
  private stopped = false;
  private failing = false;

  constructor(private readonly options: WatcherOptions) {}

  start(): void {
    void this.poll();
    const poll = setInterval(() => void this.poll(), this.options.pollMs);
    const flush = setInterval(() => this.options.journal.flush(), this.options.flushMs ?? 30_000);
    poll.unref();
    flush.unref();
    this.timers = [poll, flush];
  }

  /** Lists the kernels and sessions once and follows the kernels not yet followed. */
  poll(): Promise<void> {
    this.polling ??= this.pollOnce().finally(() => (this.polling = undefined));
    return this.polling;
  }

  /** Whether a kernel's channels are followed now. */
  following(kernelId: string): boolean {
    return this.listeners.has(kernelId);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timers.forEach(clearInterval);
    await this.polling?.catch(() => undefined);
    for (const listener of this.listeners.values()) {
      listener.close();
    }
    this.listeners.clear();
    this.options.journal.flush();
  }

  private async pollOnce(): Promise<void> {
    const { client, journal, log } = this.options;
    let kernels, sessions;
    try {
      [kernels, sessions] = await Promise.all([client.kernels(), client.sessions()]);
      this.failing = false;
    } catch (err) {
      if (!this.failing) {
        log?.warn({ err: (err as Error).message }, 'activity: cannot list the Jupyter kernels');
      }
      this.failing = true;
      return;
    }
    if (this.stopped) {
      return;
    }
    for (const s of sessions) {
      if (s.kernel?.id) {
        this.paths.set(s.kernel.id, s.path);
      }
    }
    const now = Date.now();
    const ids = new Set(kernels.map(k => k.id));
    if (this.known) {
      for (const k of kernels) {
        if (!this.known.has(k.id)) {
          journal.record({ kind: 'kernel-started', name: this.paths.get(k.id), ref: k.id });
        }
      }
      for (const id of this.known) {
        if (!ids.has(id)) {
          journal.record({ kind: 'kernel-stopped', name: this.paths.get(id), ref: id });
        }
      }
    }
    // Cells of kernels that are gone (while this backend ran or not) ended with them.
    for (const id of journal.kernelsWithRunningCells()) {
      if (!ids.has(id)) {
        journal.endKernelCells(id, now, 'interrupted');
      }
    }
    for (const id of [...this.listeners.keys()]) {
      if (!ids.has(id)) {
        this.listeners.get(id)?.close();
        this.listeners.delete(id);
      }
    }
    this.known = ids;
    await Promise.all(
      kernels
        .filter(k => !this.listeners.has(k.id) && !this.connecting.has(k.id))
        .map(async k => {
          this.connecting.add(k.id);
          try {
            const listener = await client.listen(k.id, {
              message: msg => this.onMessage(k.id, msg),
              close: () => {
                if (this.listeners.get(k.id) === listener) {
                  this.listeners.delete(k.id);
                }
              }
            });
            if (this.stopped) {
              listener.close();
              return;
            }
            this.listeners.set(k.id, listener);
            // A cell the journal thinks runs, on a kernel idle now, ended while nobody listened.
            if (k.execution_state === 'idle') {
              journal.endKernelCells(k.id, when(k.last_activity, now), 'ok');
            }
          } catch (err) {
            log?.warn(
              { kernel: k.id, err: (err as Error).message },
              'activity: cannot follow a kernel'
            );
          } finally {
            this.connecting.delete(k.id);
          }
        })
    );
  }

  private kernelEvent(
    kernelId: string,
    kind: 'kernel-restarted' | 'kernel-died',
    detail?: string
  ): void {
    this.options.journal.recordKernelEvent({
      kind,
      name: this.paths.get(kernelId),
      ref: kernelId,
      detail
    });
  }

  private onMessage(kernelId: string, msg: JupyterMessage): void {
    if (msg.channel !== 'iopub') {
      return;
    }
    const { journal } = this.options;
    const parent = msg.parent_header?.msg_id;
    const content = msg.content ?? {};
    switch (msg.msg_type) {
      case 'execute_input':
        if (parent) {
          const count = content.execution_count;
          journal.cellStarted({
            kernelId,
            msgId: parent,
            path: this.paths.get(kernelId) ?? null,
            count: Number.isInteger(count) ? (count as number) : null,
            at: when(msg.header?.date, Date.now())
          });
        }
        break;
      case 'stream':
        if (parent && typeof content.text === 'string') {
          journal.cellOutput(kernelId, parent, content.text);
        }
        break;
      case 'error':
        if (parent && typeof content.ename === 'string') {
          journal.cellError(kernelId, parent, content.ename);
        }
        break;
      case 'shutdown_reply':
        // ipykernel broadcasts it: a restart asked through the server's API or a page.
        journal.endKernelCells(kernelId, Date.now(), 'interrupted');
        if (content.restart === true) {
          this.kernelEvent(kernelId, 'kernel-restarted');
        }
        break;
      case 'status': {
        const state = content.execution_state;
        if (state === 'idle' && parent) {
          journal.cellEnded(kernelId, parent, when(msg.header?.date, Date.now()));
        } else if (state === 'starting') {
          // A new kernel process on a kernel this watcher already followed.
          journal.endKernelCells(kernelId, Date.now(), 'interrupted');
          this.kernelEvent(kernelId, 'kernel-restarted');
        } else if (state === 'restarting' || state === 'dead') {
          // The server says so when the kernel process died: it restarts it, or gives up.
          journal.endKernelCells(kernelId, Date.now(), 'interrupted');
          this.kernelEvent(
            kernelId,
            'kernel-died',
            state === 'dead' ? 'could not be restarted' : 'restarted automatically'
          );
        }
        break;
      }
    }
  }
}
