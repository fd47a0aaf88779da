import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** Where jupyter-server-proxy mounts the backend, under the server's base URL. */
export const BACKEND_PATH = 'hotstepper';

/** A failed call to the backend, with the message a person can act on. */
export class BackendError extends Error {
  constructor(
    /** HTTP status, or 0 when the server could not be reached at all. */
    readonly status: number,
    message: string
  ) {
    super(message);
    this.name = 'BackendError';
  }
}

/** The URL of a backend path, e.g. `api/v1/usage/now`. */
export function backendUrl(path: string, serverSettings: ServerConnection.ISettings): string {
  return URLExt.join(serverSettings.baseUrl, BACKEND_PATH, path);
}

function explain(status: number, body: string): string {
  try {
    const data = JSON.parse(body);
    if (typeof data?.message === 'string' && data.message) {
      return data.message;
    }
  } catch {
    // Not JSON: jupyter-server-proxy's or the Jupyter server's own error page.
  }
  if (status === 403) {
    return 'Not allowed: the Jupyter session has expired or the XSRF token is missing; reload the page and log in';
  }
  if (status === 500 || status === 502 || status === 503 || status === 504) {
    return `The Hotstepper backend did not start or did not answer (HTTP ${status}); the Jupyter server log says why`;
  }
  if (status === 404) {
    return 'The Hotstepper backend is not installed on this server (no /hotstepper/ route)';
  }
  return `The Hotstepper backend answered HTTP ${status}`;
}

/**
 * Calls the backend through the Jupyter server, with the app's own server
 * settings: the token and the XSRF header come from ServerConnection.
 * Resolves with the raw response of a 2xx answer (for CSV, logs, blobs);
 * rejects with a BackendError in a person's words otherwise.
 */
export async function fetchBackend(
  path: string,
  serverSettings: ServerConnection.ISettings = ServerConnection.makeSettings(),
  init: RequestInit = {}
): Promise<Response> {
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(
      backendUrl(path, serverSettings),
      init,
      serverSettings
    );
  } catch (err) {
    throw new BackendError(0, `The Jupyter server cannot be reached: ${(err as Error).message}`);
  }
  // An expired session: the Jupyter server redirects GETs to its login page.
  if (response.redirected && new URL(response.url).pathname.endsWith('/login')) {
    throw new BackendError(403, explain(403, ''));
  }
  if (!response.ok) {
    throw new BackendError(response.status, explain(response.status, await response.text()));
  }
  return response;
}

/** Like fetchBackend, resolving with the parsed JSON body (a JSON `body` gets its header). */
export async function requestBackend<T>(
  path: string,
  serverSettings: ServerConnection.ISettings = ServerConnection.makeSettings(),
  init: RequestInit = {}
): Promise<T> {
  const headers = new Headers(init.headers);
  if (init.body !== undefined && !headers.has('Content-Type')) {
    headers.set('Content-Type', 'application/json');
  }
  const response = await fetchBackend(path, serverSettings, { ...init, headers });
  const body = await response.text();
  try {
    return (body ? JSON.parse(body) : undefined) as T;
  } catch {
    throw new BackendError(
      response.status,
      `The Hotstepper backend answered something that is not JSON`
    );
  }
}

/**
 * Has the browser save `blob` as `filename`. Downloads go through fetchBackend
 * and a Blob because a plain link would carry no token (and `?token=` in a URL
 * ends up in the history and the logs).
 */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.style.display = 'none';
  document.body.appendChild(link);
  link.click();
  link.remove();
  // Revoked later: some browsers start the download after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
