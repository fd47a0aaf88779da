/**
 * Flare as a user reaches it: a real Jupyter server (token and XSRF on) starts the bundled
 * backend; exposures are made through {base_url}hotstepper/ and the app is fetched through the
 * backend's flare proxy, and through jupyter-server-proxy's login-protected proxy/<port>/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JupyterServer, request } from './jupyter';

const PAGE = '<p>my dash app</p>\n';

function freePort(): Promise<number> {
  return new Promise(resolve => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** A GET to the flare proxy at `url`'s port with that URL's host (or `host`) as Host. */
function viaFlare(url: string, headers: Record<string, string> = {}) {
  const u = new URL(url);
  return request(`http://127.0.0.1:${u.port}/`, 'GET', { headers: { host: u.host, ...headers } });
}

describe('flare through a real Jupyter server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hotstepper-int-flare-'));
  let server: JupyterServer;
  let app: ChildProcess;
  let appPort: number;
  let flarePort: number;
  let mutate: Record<string, string>;
  const at = (path: string) => `${server.url}hotstepper/api/v1/flare${path}`;

  beforeAll(async () => {
    writeFileSync(join(dir, 'index.html'), PAGE);
    appPort = await freePort();
    app = spawn('python3', ['-m', 'http.server', String(appPort), '--bind', '127.0.0.1'], {
      cwd: dir,
      stdio: 'ignore'
    });
    flarePort = await freePort();
    writeFileSync(
      join(dir, 'hotstepper.json'),
      JSON.stringify({ flare: { listenPort: flarePort } })
    );
    server = new JupyterServer({ env: { HOTSTEPPER_CONFIG: join(dir, 'hotstepper.json') } });
    await server.start();
    mutate = await server.labHeaders();
  });

  afterAll(async () => {
    await server?.stop();
    if (app?.exitCode === null && app.signalCode === null) {
      process.kill(app.pid!, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the app among the ports, then exposes it behind a password', async () => {
    // The app may take a moment to bind: the ports list is live.
    let ports: Array<{ port: number; command: string }> = [];
    for (let i = 0; i < 50 && !ports.some(p => p.port === appPort); i++) {
      const res = await request(at('/ports'), 'GET', { headers: server.auth });
      expect(res.status).toBe(200);
      ports = JSON.parse(res.body).ports;
      await new Promise(r => setTimeout(r, 100));
    }
    expect(ports.find(p => p.port === appPort)?.command).toMatch(/-m http\.server/);

    const res = await request(at('/exposures'), 'POST', {
      headers: mutate,
      body: JSON.stringify({
        port: appPort,
        name: 'dash',
        protection: 'password',
        password: 'open sesame'
      })
    });
    expect(`${res.status} ${res.body}`).toMatch(/^201 /);
    const { url } = JSON.parse(res.body);
    expect(url).toBe(`http://dash.flare.localhost:${flarePort}/`);

    expect((await viaFlare(url)).status).toBe(401);
    const auth = `Basic ${Buffer.from('flare:open sesame').toString('base64')}`;
    const ok = await viaFlare(url, { authorization: auth });
    expect({ status: ok.status, body: ok.body }).toEqual({ status: 200, body: PAGE });
  });

  it('offers the login-protected alternative, which wants the Jupyter token', async () => {
    const info = JSON.parse((await request(at('/info'), 'GET', { headers: server.auth })).body);
    expect(info.urlTemplate).toBe(`http://{name}.flare.localhost:${flarePort}/`);
    const proxied = `${server.url}${info.proxyTemplates.relative.replace('{port}', appPort)}`;
    expect((await request(proxied)).status).not.toBe(200);
    const res = await request(proxied, 'GET', { headers: server.auth });
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: PAGE });
  });

  it('unexposes: the flare URL answers 404', async () => {
    const res = await request(at('/exposures/dash'), 'DELETE', { headers: mutate });
    expect(res.status).toBe(204);
    const gone = await viaFlare(`http://dash.flare.localhost:${flarePort}/`);
    expect(gone.status).toBe(404);
  });

  it('stopping Jupyter closes the flare proxy with the backend', async () => {
    await server.stop();
    await expect(viaFlare(`http://dash.flare.localhost:${flarePort}/`)).rejects.toThrow(
      /ECONNREFUSED/
    );
  });
});
