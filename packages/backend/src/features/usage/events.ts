/** The usage feature's event stream: the save-all request before an idle server is stopped. */
import type { SaveAllRequest } from '@hotstepper/api';
import { EventHub, type EventClient } from '../../sse';

export type SaveAnswer = 'saved' | 'timeout' | 'closed';

/**
 * The usage feature's events: the frontends connected to `GET /events`, and the save-all
 * request with its answers.
 */
export class UsageEvents {
  private readonly hub = new EventHub();
  private save?: {
    frame: string;
    expected: number;
    answered: number;
    timer: NodeJS.Timeout;
    done: Promise<SaveAnswer>;
    resolve: (answer: SaveAnswer) => void;
  };

  /** How many frontends are connected. */
  get connected(): number {
    return this.hub.size;
  }

  /** Adds a frontend; it is told at once of a save-all still waiting. Returns its removal. */
  connect(client: EventClient): () => void {
    const disconnect = this.hub.subscribe(client);
    if (this.save) {
      client.write(this.save.frame);
    }
    return disconnect;
  }

  /** Sends one event to every connected frontend; returns its frame. */
  emit(event: string, data: unknown): string {
    return this.hub.publish(event, data);
  }

  /**
   * Asks the frontends to save their open documents (`event: save-all`) and resolves once each
   * frontend connected now has answered (at least one when none is: a tab may be
   * reconnecting), or after `timeoutMs`. A request already waiting is shared.
   */
  requestSave(request: SaveAllRequest, timeoutMs: number): Promise<SaveAnswer> {
    if (this.save) {
      return this.save.done;
    }
    let resolve!: (answer: SaveAnswer) => void;
    const done = new Promise<SaveAnswer>(r => (resolve = r));
    const frame = this.emit('save-all', request);
    const timer = setTimeout(() => this.finishSave('timeout'), timeoutMs);
    timer.unref();
    this.save = {
      frame,
      expected: Math.max(1, this.hub.size),
      answered: 0,
      timer,
      done,
      resolve
    };
    return done;
  }

  /** A frontend reports its documents saved; true when a save-all was waiting for it. */
  saved(): boolean {
    if (!this.save) {
      return false;
    }
    this.save.answered += 1;
    if (this.save.answered >= this.save.expected) {
      this.finishSave('saved');
    }
    return true;
  }

  private finishSave(answer: SaveAnswer): void {
    const save = this.save;
    if (save) {
      this.save = undefined;
      clearTimeout(save.timer);
      save.resolve(answer);
    }
  }

  /** Ends every stream (the server is closing) and lets a waiting save-all go. */
  close(): void {
    this.hub.close();
    this.finishSave('closed');
  }
}
