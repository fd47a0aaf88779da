import { ServerConnection } from '@jupyterlab/services';
import type { EventSourceMessage } from 'eventsource-parser';
import { BackendError } from './request';
import { streamEvents } from './sse';

export type { EventSourceMessage } from 'eventsource-parser';

export interface IFollowOptions {
  /** Defaults to ServerConnection.makeSettings(). */
  serverSettings?: ServerConnection.ISettings;
  /** Called for each event, in order, across reconnections. */
  onEvent(event: EventSourceMessage): void;
  /** Called each time the stream is (re)opened. */
  onOpen?(): void;
  /** Called after a failed attempt, before waiting `delay` ms to try again. */
  onRetry?(error: Error, delay: number): void;
  /** Called once when the backend refuses the stream for good (a 4xx); the follow then ends. */
  onDrop?(error: Error): void;
  /** Aborting ends the follow; `followEvents` then resolves. */
  signal: AbortSignal;
  /** Resume after this event id on the first connection; later ones resume after the last seen. */
  lastEventId?: string;
  /** Milliseconds before the first reconnection; doubled after each failure. Default 1 s. */
  minDelay?: number;
  /** The longest wait between reconnections. Default 30 s. */
  maxDelay?: number;
}

/** A 4xx will answer the same next time, except a timeout or a rate limit. */
function isFinal(error: unknown): error is BackendError {
  return (
    error instanceof BackendError &&
    error.status >= 400 &&
    error.status < 500 &&
    error.status !== 408 &&
    error.status !== 429
  );
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/**
 * Follows a backend event stream until `signal` aborts: reconnects when the
 * stream ends or fails, resuming after the last event id, waiting between
 * `minDelay` and `maxDelay` with exponential backoff (reset by every
 * successful open). Gives up only on a 4xx other than 408/429, with `onDrop`.
 */
export async function followEvents(path: string, options: IFollowOptions): Promise<void> {
  const { signal } = options;
  const serverSettings = options.serverSettings ?? ServerConnection.makeSettings();
  const minDelay = options.minDelay ?? 1000;
  const maxDelay = Math.max(minDelay, options.maxDelay ?? 30_000);
  let delay = minDelay;
  let lastEventId = options.lastEventId;
  while (!signal.aborted) {
    try {
      await streamEvents(path, serverSettings, {
        lastEventId,
        signal,
        onOpen: () => {
          delay = minDelay;
          options.onOpen?.();
        },
        onEvent: event => {
          if (event.id) {
            lastEventId = event.id;
          }
          options.onEvent(event);
        }
      });
    } catch (err) {
      if (signal.aborted) {
        return;
      }
      if (isFinal(err)) {
        options.onDrop?.(err);
        return;
      }
      if (options.onRetry) {
        options.onRetry(err as Error, delay);
      } else {
        console.warn(
          `@hotstepper/core: the event stream ${path} failed; retrying in ${delay} ms`,
          err
        );
      }
    }
    await sleep(delay, signal);
    delay = Math.min(maxDelay, delay * 2);
  }
}
