import { ServerConnection } from '@jupyterlab/services';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { BackendError, backendUrl } from './request';

export interface IEventStreamOptions {
  /** Called for each event, in order. */
  onEvent: (event: EventSourceMessage) => void;
  /** Resume after this event id (sent as Last-Event-ID). */
  lastEventId?: string;
  signal?: AbortSignal;
  /** Called once the stream is open (the backend answered 2xx), before any event. */
  onOpen?: () => void;
  /** A POST with this JSON body instead of a GET: a stream that a request starts. */
  post?: unknown;
}

/**
 * Follows a backend `text/event-stream` through the Jupyter server. Unlike
 * EventSource it sends the token and XSRF header like every other request,
 * which jupyter-server-proxy needs. Resolves when the stream ends; the id of
 * the last event seen is returned so a caller can resume.
 */
export async function streamEvents(
  path: string,
  serverSettings: ServerConnection.ISettings,
  options: IEventStreamOptions
): Promise<string | undefined> {
  let lastEventId = options.lastEventId;
  const headers: Record<string, string> = { Accept: 'text/event-stream' };
  if (lastEventId) {
    headers['Last-Event-ID'] = lastEventId;
  }
  const response = await ServerConnection.makeRequest(
    backendUrl(path, serverSettings),
    options.post === undefined
      ? { headers, signal: options.signal }
      : {
          method: 'POST',
          headers: { ...headers, 'Content-Type': 'application/json' },
          body: JSON.stringify(options.post),
          signal: options.signal
        },
    serverSettings
  );
  if (!response.ok || !response.body) {
    const text = await response.text();
    let message = `The event stream ${path} answered HTTP ${response.status}`;
    try {
      message = JSON.parse(text).message ?? message;
    } catch {
      // keep the generic message
    }
    throw new BackendError(response.status, message);
  }
  options.onOpen?.();
  const parser = createParser({
    onEvent: event => {
      if (event.id) {
        lastEventId = event.id;
      }
      options.onEvent(event);
    }
  });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      return lastEventId;
    }
    parser.feed(value);
  }
}
