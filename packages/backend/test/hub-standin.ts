import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for JupyterHub's REST API on 127.0.0.1 that records each request: the recorded
 * request is the check of the JupyterHub REST contract. The paths and verbs the specs expect
 * are those of JupyterHub's REST API (`DELETE /hub/api/users/{name}/server` for the default
 * server, `DELETE /hub/api/users/{name}/servers/{server_name}` for a named one, `GET
 * /hub/api/user` for the token's owner, `Authorization: token …`; 202 while stopping, 204 once
 * stopped, 403 without the scope). Registers its own beforeAll/afterAll/beforeEach.
 */
export function useHubStandIn() {
  const hub = {
    url: '',
    /** What a DELETE answers (and anything, when 403). */
    status: 204,
    requests: [] as Array<{ method?: string; url?: string; authorization?: string }>,
    /** The spawner's environment for this hub, with some variables changed. */
    env: (over: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({
      JUPYTERHUB_API_URL: hub.url,
      JUPYTERHUB_API_TOKEN: 's3cret',
      JUPYTERHUB_USER: 'alice',
      JUPYTERHUB_SERVER_NAME: 'gpu-box',
      ...over
    })
  };
  let server: Server;
  beforeAll(async () => {
    server = createServer((req, res) => {
      hub.requests.push({
        method: req.method,
        url: req.url,
        authorization: req.headers.authorization
      });
      if (hub.status === 403) {
        res.statusCode = 403;
        res.end('{"status": 403, "message": "Action is not authorized"}');
      } else if (req.method === 'GET' && req.url === '/hub/api/user') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ kind: 'user', name: 'alice', groups: ['course-ml', 'staff'] }));
      } else {
        res.statusCode = hub.status;
        res.end('');
      }
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    hub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hub/api`;
  });
  afterAll(() => new Promise(resolve => server.close(resolve)));
  beforeEach(() => {
    hub.requests.length = 0;
    hub.status = 204;
  });
  return hub;
}
