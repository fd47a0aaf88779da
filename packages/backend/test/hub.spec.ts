import {
  hubAccess,
  hubStopTarget,
  hubUser,
  stopThroughHub,
  type HubAccess
} from '../src/platform/hub';
import { useHubStandIn } from './hub-standin';
import { memoryLogger } from './helpers';

describe('the JupyterHub client', () => {
  const hub = useHubStandIn();

  describe('hubStopTarget: the path and verb of JupyterHub REST API', () => {
    it('names a named server under /users/{name}/servers/{server_name}', () => {
      expect(hubStopTarget(hub.env({ JUPYTERHUB_API_URL: 'http://hub:8081/hub/api/' }))).toEqual({
        url: 'http://hub:8081/hub/api/users/alice/servers/gpu-box',
        token: 's3cret'
      });
    });

    it('names the default server (empty or no name) under /users/{name}/server', () => {
      for (const name of ['', undefined]) {
        expect(hubStopTarget(hub.env({ JUPYTERHUB_SERVER_NAME: name }))).toMatchObject({
          url: `${hub.url}/users/alice/server`
        });
      }
    });

    it('escapes the names', () => {
      expect(
        hubStopTarget(
          hub.env({ JUPYTERHUB_USER: 'bob@example.org', JUPYTERHUB_SERVER_NAME: 'a/b c' })
        )
      ).toMatchObject({ url: `${hub.url}/users/bob%40example.org/servers/a%2Fb%20c` });
    });

    it.each(['JUPYTERHUB_API_URL', 'JUPYTERHUB_API_TOKEN', 'JUPYTERHUB_USER'])(
      'names the missing variable: %s',
      name => {
        expect(hubStopTarget(hub.env({ [name]: undefined }))).toEqual({ missing: name });
        expect(hubStopTarget(hub.env({ [name]: '' }))).toEqual({ missing: name });
      }
    );
  });

  it('sends DELETE with the token to the hub, and logs the answer without the token', async () => {
    const { log, lines } = memoryLogger();
    const target = hubStopTarget(hub.env({ JUPYTERHUB_SERVER_NAME: '' }));
    await expect(stopThroughHub(target as { url: string; token: string }, log)).resolves.toBe(true);
    expect(hub.requests).toEqual([
      { method: 'DELETE', url: '/hub/api/users/alice/server', authorization: 'token s3cret' }
    ]);
    expect(JSON.stringify(lines)).not.toContain('s3cret');
  });

  it('logs a refusal with the scope it needs, without the token', async () => {
    hub.status = 403;
    const { log, lines } = memoryLogger();
    const target = hubStopTarget(hub.env()) as { url: string; token: string };
    await expect(stopThroughHub(target, log)).resolves.toBe(false);
    expect(hub.requests).toHaveLength(1);
    const error = lines.find(l => l.level === 50)!;
    expect(error.msg).toContain('HTTP 403');
    expect(error.msg).toContain('servers!server');
    expect(JSON.stringify(lines)).not.toContain('s3cret');
  });

  describe('hubUser: who this server belongs to', () => {
    it('asks GET /user with the server’s token and answers the name and groups', async () => {
      const access = hubAccess(hub.env()) as HubAccess;
      expect(access).toMatchObject({ user: 'alice', server: 'gpu-box' });
      await expect(hubUser(access)).resolves.toEqual({
        name: 'alice',
        groups: ['course-ml', 'staff']
      });
      expect(hub.requests).toEqual([
        { method: 'GET', url: '/hub/api/user', authorization: 'token s3cret' }
      ]);
    });

    it('says which request the hub refused, without the token', async () => {
      hub.status = 403;
      const access = hubAccess(hub.env()) as HubAccess;
      const err = await hubUser(access).catch((e: Error) => e);
      expect((err as Error).message).toBe(`JupyterHub answered GET ${hub.url}/user with HTTP 403`);
      expect((err as Error).message).not.toContain('s3cret');
    });
  });
});
