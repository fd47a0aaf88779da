/**
 * Flare with a second real Unix user on the machine: a port number alone does not say whose
 * app answers. The backend (this test's uid) must serve only its user's own listener: never
 * another user's app on the same port at another address, nor one that took the port over
 * after the user's app stopped, before or after a restart. Needs root (CI runs as root): the
 * other user is created if missing and its apps are run with setpriv.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JupyterServer, request } from './jupyter';

const OTHER = 'hs-attacker-flare';
const MINE = '<p>the user’s own app</p>\n';
const THEIRS = '<p>ANOTHER USER’S APP</p>\n';
const root = process.getuid?.() === 0;

jest.setTimeout(180_000);

/** A port free on both 127.0.0.1 and 127.0.0.2 (and ::1). */
async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>(resolve => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const free = async (host: string) =>
      new Promise<boolean>(resolve => {
        const s = createServer()
          .once('error', () => resolve(false))
          .listen(port, host, () => s.close(() => resolve(true)));
      });
    if ((await free('127.0.0.2')) && (await free('::1'))) {
      return port;
    }
  }
}

function otherUser(): { uid: number; gid: number } {
  try {
    execFileSync('id', ['-u', OTHER], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['-M', '-s', '/usr/sbin/nologin', OTHER]);
  }
  const id = (flag: string) => Number(execFileSync('id', [flag, OTHER], { encoding: 'utf8' }));
  return { uid: id('-u'), gid: id('-g') };
}

describe('flare with another Unix user on the machine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hotstepper-int-flare-users-'));
  const mineDir = join(dir, 'mine');
  const theirsDir = join(dir, 'theirs');
  const procs: ChildProcess[] = [];
  const servers: JupyterServer[] = [];
  let user: { uid: number; gid: number };
  let flarePort: number;
  let server: JupyterServer;
  let mutate: Record<string, string>;
  const at = (path: string) => `${server.url}hotstepper/api/v1/flare${path}`;
  const env = () => ({
    HOTSTEPPER_CONFIG: join(dir, 'hotstepper.json'),
    XDG_DATA_HOME: join(dir, 'xdg')
  });

  /** Python's http.server on host:port serving `folder`, as this test's user or the other one. */
  async function serve(folder: string, host: string, port: number, as?: typeof user) {
    const args = ['-m', 'http.server', String(port), '--bind', host, '--directory', folder];
    const proc = as
      ? spawn(
          'setpriv',
          // The system's Python: the other user cannot read root's (a pyenv shim, a venv).
          [`--reuid=${as.uid}`, `--regid=${as.gid}`, '--clear-groups', '/usr/bin/python3', ...args],
          { cwd: folder, stdio: 'ignore' }
        )
      : spawn('python3', args, { cwd: folder, stdio: 'ignore' });
    procs.push(proc);
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
    for (let i = 0; i < 100; i++) {
      if (proc.exitCode !== null) {
        throw new Error(`the app on ${url} exited (${proc.exitCode})`);
      }
      const ok = await request(url).then(
        r => r.status === 200,
        () => false
      );
      if (ok) {
        return proc;
      }
      await new Promise(r => setTimeout(r, 100));
    }
    throw new Error(`nothing answered on ${url}`);
  }

  async function stop(proc: ChildProcess) {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise(r => proc.once('exit', r));
      process.kill(proc.pid!, 'SIGKILL');
      await exited;
    }
  }

  async function startJupyter() {
    server = new JupyterServer({ env: env() });
    servers.push(server);
    await server.start();
    mutate = await server.labHeaders();
  }

  const expose = (port: number, name: string) =>
    request(at('/exposures'), 'POST', {
      headers: mutate,
      body: JSON.stringify({ port, name, protection: 'none' })
    });

  const viaFlare = (name: string) =>
    request(`http://127.0.0.1:${flarePort}/`, 'GET', {
      headers: { host: `${name}.flare.localhost:${flarePort}` }
    });

  beforeAll(async () => {
    if (!root) {
      return;
    }
    user = otherUser();
    for (const [folder, page] of [
      [mineDir, MINE],
      [theirsDir, THEIRS]
    ]) {
      execFileSync('mkdir', ['-p', folder]);
      writeFileSync(join(folder, 'index.html'), page);
      chmodSync(folder, 0o755);
    }
    chmodSync(dir, 0o755);
    flarePort = await freePort();
    writeFileSync(env().HOTSTEPPER_CONFIG, JSON.stringify({ flare: { listenPort: flarePort } }));
    await startJupyter();
  });

  afterAll(async () => {
    for (const proc of procs) {
      await stop(proc);
    }
    for (const s of servers) {
      await s.stop();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  (root ? it : it.skip)(
    "serves the user's app on 127.0.0.2, never another user's on 127.0.0.1 at the same port",
    async () => {
      const port = await freePort();
      await serve(theirsDir, '127.0.0.1', port, user);
      await serve(mineDir, '127.0.0.2', port);
      const res = await expose(port, 'mine');
      expect(`${res.status} ${res.body}`).toMatch(/^201 /);
      for (let i = 0; i < 5; i++) {
        const page = await viaFlare('mine');
        expect({ status: page.status, body: page.body }).toEqual({ status: 200, body: MINE });
      }
    }
  );

  (root ? it : it.skip)('serves an app that listens on ::1 only', async () => {
    const port = await freePort();
    await serve(mineDir, '::1', port);
    const res = await expose(port, 'six');
    expect(`${res.status} ${res.body}`).toMatch(/^201 /);
    const page = await viaFlare('six');
    expect({ status: page.status, body: page.body }).toEqual({ status: 200, body: MINE });
  });

  (root ? it : it.skip)("refuses to expose a port only another user's app listens on", async () => {
    const port = await freePort();
    await serve(theirsDir, '127.0.0.1', port, user);
    const res = await expose(port, 'theirs');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).message).toBe(
      `Port ${port} is listened on by another user's program (uid ${user.uid} on 127.0.0.1), not yours: only your own apps can be exposed`
    );
  });

  (root ? it : it.skip)(
    'answers 502 when another user takes the port over, before and after a restart',
    async () => {
      const port = await freePort();
      const mine = await serve(mineDir, '127.0.0.1', port);
      expect(`${(await expose(port, 'taken')).status}`).toBe('201');
      expect((await viaFlare('taken')).body).toBe(MINE);

      await stop(mine);
      await serve(theirsDir, '127.0.0.1', port, user);
      // The owner check trusts a scan at most 250 ms old: the 502 comes within moments.
      const deadline = Date.now() + 10_000;
      while ((await viaFlare('taken')).status !== 502 && Date.now() < deadline) {
        await new Promise(r => setTimeout(r, 100));
      }
      for (let i = 0; i < 5; i++) {
        const page = await viaFlare('taken');
        expect({ status: page.status, other: page.body.includes(THEIRS.trim()) }).toEqual({
          status: 502,
          other: false
        });
        expect(page.body).toMatch(/no listener/);
      }
      // The list's own port scan is shared for a second: it says "no listener" within moments.
      const listed = async () =>
        JSON.parse(
          (await request(at('/exposures'), 'GET', { headers: server.auth })).body
        ).exposures.find((e: { name: string }) => e.name === 'taken');
      const listDeadline = Date.now() + 10_000;
      while ((await listed()).listening && Date.now() < listDeadline) {
        await new Promise(r => setTimeout(r, 100));
      }
      expect(await listed()).toMatchObject({ listening: false });

      // A restart restores the exposure, and still serves nothing of the other user's.
      await server.stop();
      await startJupyter();
      const again = JSON.parse(
        (await request(at('/exposures'), 'GET', { headers: server.auth })).body
      );
      expect(again.exposures.map((e: { name: string }) => e.name)).toContain('taken');
      const page = await viaFlare('taken');
      expect({ status: page.status, other: page.body.includes(THEIRS.trim()) }).toEqual({
        status: 502,
        other: false
      });
    }
  );

  (root ? it : it.skip)(
    'keeps the API responsive while 20 loops guess a password, answering them 429 after 10',
    async () => {
      const port = await freePort();
      await serve(mineDir, '127.0.0.1', port);
      const res = await request(at('/exposures'), 'POST', {
        headers: mutate,
        body: JSON.stringify({
          port,
          name: 'guarded',
          protection: 'password',
          password: 'the right one'
        })
      });
      expect(`${res.status} ${res.body}`).toMatch(/^201 /);
      const basic = (secret: string) =>
        `Basic ${Buffer.from(`flare:${secret}`).toString('base64')}`;
      const guess = (secret: string, localAddress?: string) =>
        new Promise<{ status: number; retryAfter?: string; body: string }>((resolve, reject) => {
          const req = httpRequest(
            {
              host: '127.0.0.1',
              port: flarePort,
              headers: {
                host: `guarded.flare.localhost:${flarePort}`,
                authorization: basic(secret)
              },
              agent: false,
              ...(localAddress ? { localAddress } : {})
            },
            r => {
              let body = '';
              r.on('data', d => (body += d));
              r.on('end', () =>
                resolve({
                  status: r.statusCode!,
                  retryAfter: r.headers['retry-after'] as string | undefined,
                  body
                })
              );
            }
          );
          req.on('error', reject).end();
        });

      const answers: Array<{ status: number; retryAfter?: string }> = [];
      let stopped = false;
      const loops = Array.from({ length: 20 }, async (_, i) => {
        for (let n = 0; !stopped; n++) {
          answers.push(await guess(`guess ${i} ${n}`));
        }
      });
      const latencies: number[] = [];
      const until = Date.now() + 5000;
      while (Date.now() < until) {
        const t = Date.now();
        const now = await request(`${server.url}hotstepper/api/v1/usage/now`, 'GET', {
          headers: server.auth
        });
        expect(now.status).toBe(200);
        latencies.push(Date.now() - t);
      }
      // A visitor with the right password, from another address, gets in during the attack.
      const visitor = await guess('the right one', '127.0.0.2');
      stopped = true;
      await Promise.all(loops);

      expect({ status: visitor.status, body: visitor.body }).toEqual({ status: 200, body: MINE });
      expect(answers.filter(a => a.status === 401).length).toBeLessThanOrEqual(10);
      const limited = answers.filter(a => a.status === 429);
      expect(limited.length).toBeGreaterThan(0);
      expect(Number(limited[0].retryAfter)).toBeGreaterThan(0);
      expect(answers.every(a => a.status === 401 || a.status === 429)).toBe(true);
      // Passwords are checked off the backend's event loop, so its API answers while guesses
      // are checked: the benchmark (npm run bench -- flare) holds this p99 to 50 ms, the bound
      // here leaves room for CI.
      latencies.sort((a, b) => a - b);
      expect(latencies[Math.floor(latencies.length * 0.99)]).toBeLessThan(500);
    }
  );
});
