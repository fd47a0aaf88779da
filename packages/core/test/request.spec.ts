import { ServerConnection } from '@jupyterlab/services';
import { BackendError, backendUrl, requestBackend } from '../src/request';

/** Server settings whose fetch answers like the Jupyter server in front of the backend. */
function settingsAnswering(
  status: number,
  body: string,
  calls: Request[] = [],
  contentType = 'application/json'
) {
  return ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/user/ada/',
    token: 'secret-token',
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      calls.push(new Request(input as RequestInfo, init));
      return new Response(body, { status, headers: { 'Content-Type': contentType } });
    }
  });
}

function failure(promise: Promise<unknown>): Promise<BackendError> {
  return promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (e: BackendError) => e
  );
}

describe('requestBackend', () => {
  it('calls the backend under the server base URL with the token', async () => {
    const calls: Request[] = [];
    const data = await requestBackend<{ ok: boolean }>(
      'api/v1/usage/now',
      settingsAnswering(200, '{"ok":true}', calls)
    );
    expect(data).toEqual({ ok: true });
    // ServerConnection adds a cache-busting query to GETs.
    expect(new URL(calls[0].url).pathname).toBe('/user/ada/hotstepper/api/v1/usage/now');
    expect(calls[0].headers.get('Authorization')).toBe('token secret-token');
  });

  it('sends JSON bodies with a content type', async () => {
    const calls: Request[] = [];
    await requestBackend('api/v1/x', settingsAnswering(200, '{}', calls), {
      method: 'POST',
      body: JSON.stringify({ a: 1 })
    });
    expect(calls[0].method).toBe('POST');
    expect(calls[0].headers.get('Content-Type')).toBe('application/json');
  });

  it("carries the backend's own message on a 4xx", async () => {
    const body = JSON.stringify({
      statusCode: 400,
      error: 'Bad Request',
      message: 'name must be a DNS label'
    });
    await expect(requestBackend('api/v1/x', settingsAnswering(400, body))).rejects.toEqual(
      new BackendError(400, 'name must be a DNS label')
    );
  });

  it('explains a backend that did not start (proxy error page, not JSON)', async () => {
    const err = await failure(
      requestBackend('api/v1/x', settingsAnswering(500, '<html>oops</html>', [], 'text/html'))
    );
    expect(err).toBeInstanceOf(BackendError);
    expect(err.status).toBe(500);
    expect(err.message).toMatch(/did not start/);
  });

  it('says when the Jupyter server cannot be reached', async () => {
    const settings = ServerConnection.makeSettings({
      baseUrl: 'http://localhost:8888/',
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      }
    });
    const err = await failure(requestBackend('api/v1/x', settings));
    expect(err.status).toBe(0);
    expect(err.message).toMatch(/cannot be reached: .*Failed to fetch/);
  });

  it('builds URLs under the base URL', () => {
    const settings = ServerConnection.makeSettings({ baseUrl: 'http://h/base/' });
    expect(backendUrl('api/v1/usage/now', settings)).toBe(
      'http://h/base/hotstepper/api/v1/usage/now'
    );
  });
});
