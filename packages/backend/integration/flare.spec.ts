/**
 * Flare as a user reaches it: a real Jupyter server (token and XSRF on) starts the bundled
 * backend; exposures are made through {base_url}hotstepper/ and the app is fetched through the
 * backend's flare proxy, and through jupyter-server-proxy's login-protected proxy/<port>/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

  it('lists only the app as a candidate while a kernel runs, and refuses the Jupyter and kernel ports', async () => {
    const started = await request(`${server.url}api/kernels`, 'POST', {
      headers: mutate,
      body: JSON.stringify({ name: 'python3' })
    });
    expect(started.status).toBe(201);
    const kernel = JSON.parse(started.body).id;
    try {
      // The kernel's ZMQ ports, from the connection file Jupyter wrote for it.
      const connection = JSON.parse(
        readFileSync(join(server.dir, 'runtime', `kernel-${kernel}.json`), 'utf8')
      );
      const zmq: number[] = [
        'shell_port',
        'iopub_port',
        'stdin_port',
        'control_port',
        'hb_port'
      ].map(k => connection[k]);
      type Row = { port: number; kind: string; reason?: string; http?: boolean };
      let ports: Row[] = [];
      // The kernel binds its sockets as it starts: the list is live.
      for (let i = 0; i < 100 && !zmq.every(p => ports.some(r => r.port === p)); i++) {
        await new Promise(r => setTimeout(r, 100));
        ports = JSON.parse(
          (await request(at('/ports'), 'GET', { headers: server.auth })).body
        ).ports;
      }
      const kindOf = (port: number) => ports.filter(r => r.port === port).map(r => r.kind);
      for (const port of zmq) {
        expect([port, kindOf(port)]).toEqual([port, ['kernel']]);
      }
      expect(kindOf(server.port)).toEqual(['jupyter']);
      expect(kindOf(flarePort)).toEqual(['backend']); // the flare proxy, while 'dash' is exposed
      // What the panel shows by default: the user's apps, and among them this one answers HTTP.
      const candidates = ports.filter(r => r.kind === 'app');
      expect(candidates.find(r => r.port === appPort)).toMatchObject({ http: true });
      for (const r of candidates) {
        expect([...zmq, server.port]).not.toContain(r.port);
      }

      const refused = async (port: number) => {
        const res = await request(at('/exposures'), 'POST', {
          headers: mutate,
          body: JSON.stringify({ port, name: `p${port}`, protection: 'none' })
        });
        return { status: res.status, message: JSON.parse(res.body).message };
      };
      expect(await refused(server.port)).toEqual({
        status: 400,
        message: `Port ${server.port} is the Jupyter server you are using (it has its own address and login): only a web app you started can be exposed`
      });
      expect(await refused(zmq[0])).toEqual({
        status: 400,
        message: expect.stringMatching(/is a kernel's messaging \(ZMQ\) port/)
      });
    } finally {
      await request(`${server.url}api/kernels/${kernel}`, 'DELETE', { headers: mutate });
    }
  });

  it('unexposes: the flare URL is gone, and the proxy stops listening with the last exposure', async () => {
    const res = await request(at('/exposures/dash'), 'DELETE', { headers: mutate });
    expect(res.status).toBe(204);
    await expect(viaFlare(`http://dash.flare.localhost:${flarePort}/`)).rejects.toThrow(
      /ECONNREFUSED/
    );
  });

  it('stopping Jupyter closes the flare proxy with the backend', async () => {
    await server.stop();
    await expect(viaFlare(`http://dash.flare.localhost:${flarePort}/`)).rejects.toThrow(
      /ECONNREFUSED/
    );
  });
});
