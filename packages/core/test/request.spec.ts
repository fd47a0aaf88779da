import { ServerConnection } from '@jupyterlab/services';
import { BackendError, backendUrl, fetchBackend, requestBackend, saveBlob } from '../src/request';

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

describe('fetchBackend', () => {
  it('resolves with the raw response of a 2xx, e.g. CSV', async () => {
    const calls: Request[] = [];
    const response = await fetchBackend(
      'api/v1/usage/cost.csv',
      settingsAnswering(200, 'day,cost\n2026-11-25,1.5\n', calls, 'text/csv'),
      { headers: { Accept: 'text/csv' } }
    );
    expect(await response.text()).toBe('day,cost\n2026-11-25,1.5\n');
    expect(new URL(calls[0].url).pathname).toBe('/user/ada/hotstepper/api/v1/usage/cost.csv');
    expect(calls[0].headers.get('Accept')).toBe('text/csv');
  });

  it('maps a failure like requestBackend does', async () => {
    const err = await failure(
      fetchBackend(
        'api/v1/jobs/9/log',
        settingsAnswering(404, '{"statusCode":404,"error":"x","message":"No job 9"}')
      )
    );
    expect(err).toEqual(new BackendError(404, 'No job 9'));
    const proxy = await failure(
      fetchBackend('api/v1/x', settingsAnswering(502, '<html>bad gateway</html>', [], 'text/html'))
    );
    expect(proxy.message).toMatch(/did not start or did not answer \(HTTP 502\)/);
  });
});

describe('saveBlob', () => {
  it('has the browser download the blob under the given name, then frees it', () => {
    jest.useFakeTimers();
    const created: Blob[] = [];
    const revoked: string[] = [];
    Object.assign(URL, {
      createObjectURL: (blob: Blob) => (created.push(blob), 'blob:http://localhost/1'),
      revokeObjectURL: (url: string) => revoked.push(url)
    });
    const clicked: HTMLAnchorElement[] = [];
    const click = jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
      this: HTMLAnchorElement
    ) {
      clicked.push(this);
    });
    const blob = new Blob(['a,b\n'], { type: 'text/csv' });
    saveBlob(blob, 'usage.csv');
    expect(created).toEqual([blob]);
    expect(clicked).toHaveLength(1);
    expect(clicked[0].download).toBe('usage.csv');
    expect(clicked[0].href).toBe('blob:http://localhost/1');
    expect(clicked[0].isConnected).toBe(false);
    jest.runAllTimers();
    expect(revoked).toEqual(['blob:http://localhost/1']);
    click.mockRestore();
    jest.useRealTimers();
  });
});
