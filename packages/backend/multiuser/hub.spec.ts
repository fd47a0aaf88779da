/**
 * Hotstepper in every user's server under a real JupyterHub: each user reaches only their own
 * backend, data and processes; the hub's groups reach the server with its own token.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort, REPO_ROOT, request } from '../integration/jupyter';
import { GROUPS, Hub, type HubUser } from './hub';

const hub = new Hub();
let a: HubUser;
let b: HubUser;
const api = (user: HubUser, path: string) => `/user/${user.name}/hotstepper/api/v1${path}`;

/** Runs a command as a user; its exit status and output. */
function asUser(user: HubUser, cmd: string[]): { ok: boolean; out: string } {
  try {
    return {
      ok: true,
      out: execFileSync('runuser', ['-u', user.name, '--', ...cmd], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe']
      })
    };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** The backend of a user's server: its pid and the unix socket jupyter-server-proxy gave it. */
function backendOf(user: HubUser): { pid: number; socket: string } {
  const [pid] = hub.processesOf(user, 'backend/main.js');
  if (!pid) {
    throw new Error(`no backend runs as ${user.name}`);
  }
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  return { pid, socket: argv[argv.indexOf('--socket') + 1] };
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) {
    throw new Error('the multi-user suite creates Unix users: run it as root');
  }
  // c is the idle clean-up's: its server starts and is stopped in that test alone.
  await hub.start(['a', 'b', 'c']);
  [a, b] = [hub.user('a'), hub.user('b')];
  await Promise.all([hub.startServer(a), hub.startServer(b)]);
}, 600_000);

afterAll(() => hub.stop(), 120_000);

describe('each user reaches their own backend only', () => {
  it.each(['a', 'b'])(
    "user %s's usage figures come from a backend running as that user",
    async short => {
      const user = hub.user(short);
      const res = await hub.as(user, 'GET', api(user, '/usage/now'));
      expect(`${res.status} ${res.body.slice(0, 200)}`).toMatch(/^200 /);
      expect(JSON.parse(res.body)).toHaveProperty('cpu');
      expect(backendOf(user).pid).toBeGreaterThan(0);
    }
  );

  it("A's token gets nothing from B's backend: reads and writes refused before B's backend", async () => {
    for (const [method, path, body] of [
      ['GET', '/usage/now', undefined],
      ['GET', '/jobs', undefined],
      ['POST', '/jobs', { kind: 'command', command: ['true'] }]
    ] as const) {
      const res = await hub.as(a, method, api(b, path), body);
      expect(`${method} ${path} ${res.status}`).toBe(`${method} ${path} 403`);
      expect(res.body).not.toMatch(/"cpu"|"jobs"/);
    }
  });

  it("no credential at all is sent to the hub's login, never to the backend", async () => {
    const res = await request(`${hub.url}${api(b, '/usage/now')}`);
    expect(res.status).toBe(302);
    expect(res.headers.location).toMatch(/\/hub\/login|\/hub\/api\/oauth2\/authorize/);
  });
});

describe("a user's jobs, files and socket are theirs", () => {
  it('a job runs as its user and is listed only for that user', async () => {
    const made = await hub.as(a, 'POST', api(a, '/jobs'), {
      name: 'whoami',
      kind: 'command',
      command: ['id', '-un']
    });
    expect(`${made.status} ${made.body.slice(0, 300)}`).toMatch(/^201 /);
    const { id } = JSON.parse(made.body);
    await hub.until(
      async () =>
        JSON.parse((await hub.as(a, 'GET', api(a, `/jobs/${id}`))).body).status === 'succeeded',
      60_000,
      'the job to succeed'
    );
    const log = await hub.as(a, 'GET', api(a, `/jobs/${id}/log?stream=stdout`));
    expect(log.body.trim()).toBe(a.name);

    const mine = JSON.parse((await hub.as(a, 'GET', api(a, '/jobs'))).body).jobs;
    const theirs = JSON.parse((await hub.as(b, 'GET', api(b, '/jobs'))).body).jobs;
    expect(mine.map((j: { id: string }) => j.id)).toContain(id);
    expect(theirs.map((j: { id: string }) => j.id)).not.toContain(id);
    expect((await hub.as(b, 'GET', api(b, `/jobs/${id}`))).status).toBe(404);
  });

  it("B's processes can read neither A's state database nor A's backend socket", () => {
    const db = `${a.home}/.local/share/hotstepper/state.db`;
    for (const path of [db, `${db}-wal`, dirname(db)]) {
      const info = statSync(path);
      expect(`${path} ${info.uid} ${(info.mode & 0o077).toString(8)}`).toBe(`${path} ${a.uid} 0`);
    }
    expect(asUser(a, ['head', '-c', '16', db]).out).toBe('SQLite format 3\0');
    expect(asUser(b, ['head', '-c', '16', db]).ok).toBe(false);

    const { socket } = backendOf(a);
    const dir = statSync(dirname(socket));
    expect(dir.uid).toBe(a.uid);
    expect(dir.mode & 0o077).toBe(0);
    const connect = (user: HubUser) =>
      asUser(user, [
        'python3',
        '-c',
        'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); print("connected")',
        socket
      ]);
    expect(connect(a).out).toContain('connected');
    const refused = connect(b);
    expect(refused.ok).toBe(false);
    expect(refused.out).toMatch(/PermissionError|Permission denied/);
  });
});

describe("the hub's groups reach the server with its own token", () => {
  it("GET /hub/api/user with the server's JUPYTERHUB_API_TOKEN names the user's groups", async () => {
    const [server] = hub.processesOf(a, 'jupyterhub-singleuser');
    const environ = readFileSync(`/proc/${server}/environ`, 'utf8').split('\0');
    const token = environ.find(e => e.startsWith('JUPYTERHUB_API_TOKEN='))!.split('=')[1];
    const res = await request(`${hub.url}/hub/api/user`, 'GET', {
      headers: { authorization: `token ${token}` }
    });
    expect(res.status).toBe(200);
    const model = JSON.parse(res.body);
    expect(model.name).toBe(a.name);
    const expected = Object.entries(GROUPS)
      .filter(([, members]) => (members as readonly string[]).includes('a'))
      .map(([g]) => g);
    expect([...model.groups].sort()).toEqual(expected.sort());
  });
});

describe("two users' flare proxies on one machine", () => {
  const apps: ChildProcess[] = [];
  afterAll(() => apps.forEach(p => p.kill('SIGKILL')));

  async function appOf(user: HubUser, page: string): Promise<number> {
    const port = await freePort();
    const app = spawn(
      'runuser',
      [
        '-u',
        user.name,
        '--',
        'python3',
        '-c',
        `import http.server as h
class H(h.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b${JSON.stringify(page)})
h.HTTPServer(("127.0.0.1", ${port}), H).serve_forever()`
      ],
      { stdio: 'ignore' }
    );
    apps.push(app);
    await hub.until(
      async () => (await request(`http://127.0.0.1:${port}/`)).body === page,
      20_000,
      `${user.name}'s app`
    );
    return port;
  }

  async function expose(user: HubUser, port: number, name: string) {
    // The port list is live: wait until the user's backend sees the app.
    await hub.until(
      async () =>
        JSON.parse((await hub.as(user, 'GET', api(user, '/flare/ports'))).body).ports.some(
          (p: { port: number }) => p.port === port
        ),
      20_000,
      `${user.name}'s port ${port} in the list`
    );
    return hub.as(user, 'POST', api(user, '/flare/exposures'), { port, name, protection: 'none' });
  }

  it("the second user gets a clear reason, never the first user's app", async () => {
    const portA = await appOf(a, 'page of A');
    const portB = await appOf(b, 'page of B');
    const first = await expose(a, portA, 'alpha');
    expect(`${first.status} ${first.body}`).toMatch(/^201 /);
    const url = new URL(JSON.parse(first.body).url);
    const viaFlare = (host: string) =>
      request(`http://127.0.0.1:${url.port}/`, 'GET', { headers: { host } });
    expect((await viaFlare(url.host)).body).toBe('page of A');

    const second = await expose(b, portB, 'bravo');
    if (second.status === 201) {
      // A proxy of B's own (another port): it serves B's app and nothing of A's.
      const bUrl = new URL(JSON.parse(second.body).url);
      expect(bUrl.port).not.toBe(url.port);
      expect(
        (await request(`http://127.0.0.1:${bUrl.port}/`, 'GET', { headers: { host: bUrl.host } }))
          .body
      ).toBe('page of B');
      expect(
        (
          await request(`http://127.0.0.1:${bUrl.port}/`, 'GET', {
            headers: { host: url.host.replace(url.port, bUrl.port) }
          })
        ).body
      ).not.toBe('page of A');
    } else {
      expect(second.status).toBeGreaterThanOrEqual(400);
      expect(JSON.parse(second.body).message).toMatch(new RegExp(`${url.port}`));
    }
    // A's proxy never serves B's name.
    expect((await viaFlare(`bravo.${url.host.split('.').slice(1).join('.')}`)).body).not.toBe(
      'page of B'
    );
  });
});

describe("My servers: the user's servers through the hub, with the server's own token", () => {
  interface Listed {
    available: boolean;
    user: string;
    limit: number;
    running: number;
    servers: Array<{ name: string; current: boolean; state: string; url: string | null }>;
  }
  const list = async (user: HubUser): Promise<Listed> =>
    JSON.parse((await hub.as(user, 'GET', api(user, '/usage/servers'))).body);
  const act = (name: string, action: string) =>
    hub.as(a, 'POST', api(a, '/usage/servers'), { name, action });
  const stateOf = async (name: string) =>
    (await list(a)).servers.find(s => s.name === name)?.state ?? 'gone';

  it('lists, starts named servers up to the limit, refuses one more, stops and removes', async () => {
    const first = await list(a);
    expect(first).toMatchObject({ available: true, user: a.name, limit: 2, running: 1 });
    expect(first.servers).toEqual([
      expect.objectContaining({
        name: '',
        current: true,
        state: 'running',
        url: `/user/${a.name}/`
      })
    ]);
    expect((await act('one', 'start')).status).toBe(202);
    expect((await act('two', 'start')).status).toBe(202);
    await hub.until(
      async () => (await list(a)).running === 3,
      200_000,
      "A's two named servers to run"
    );
    expect((await list(a)).servers.map(s => [s.name, s.state, s.url])).toEqual([
      ['', 'running', `/user/${a.name}/`],
      ['one', 'running', `/user/${a.name}/one/`],
      ['two', 'running', `/user/${a.name}/two/`]
    ]);
    // A third is past the hub's limit: the hub's own words, as a conflict the user can fix.
    const third = await act('three', 'start');
    expect(third.status).toBe(409);
    expect(JSON.parse(third.body).message).toMatch(/already has the maximum of 2 named servers/);
    // The page's own server is not stopped from the page.
    expect((await act('', 'stop')).status).toBe(409);

    expect((await act('two', 'stop')).status).toBe(202);
    await hub.until(async () => (await stateOf('two')) === 'stopped', 60_000, '"two" to stop');
    expect(hub.processesOf(a, '/user/' + a.name + '/two/')).toEqual([]);
    expect((await act('two', 'remove')).status).toBe(202);
    await hub.until(async () => (await stateOf('two')) === 'gone', 60_000, '"two" to go');
    // B sees only B's own server.
    expect((await list(b)).servers.map(s => s.name)).toEqual(['']);
  }, 300_000);
});

describe('in the browser, through the hub', () => {
  let browser: Browser;
  const shots = join(REPO_ROOT, '.test-artifacts', 'screenshots');

  beforeAll(async () => {
    browser = await chromium.launch(
      JSON.parse(readFileSync(join(REPO_ROOT, 'ui-tests', 'chromium.json'), 'utf8'))
    );
  });
  afterAll(() => browser?.close());

  /** Logs in on the hub's own form and waits for JupyterLab to be ready in the user's server. */
  async function logIn(user: HubUser): Promise<Page> {
    const page = await (
      await browser.newContext({ viewport: { width: 1440, height: 900 } })
    ).newPage();
    await page.goto(`${hub.url}/hub/login`);
    await page.fill('#username_input', user.name);
    await page.fill('#password_input', hub.password);
    await page.click('#login_submit');
    await page.waitForURL(new RegExp(`/user/${user.name}/lab`), { timeout: 60_000 });
    await page.waitForSelector('#jupyterlab-splash', { state: 'detached', timeout: 60_000 });
    return page;
  }

  async function openPanel(page: Page, id: string) {
    await page.click(`.jp-SideBar [data-id="${id}"]`);
    const panel = page.locator(`#${id}`);
    await panel.waitFor({ state: 'visible' });
    return panel;
  }

  it("A sees A's job and usage; B, logged in beside, sees none of A's jobs", async () => {
    const made = await hub.as(a, 'POST', api(a, '/jobs'), {
      name: 'only-for-a',
      kind: 'command',
      command: ['true']
    });
    expect(made.status).toBe(201);

    const pageA = await logIn(a);
    const usage = await openPanel(pageA, 'hs-usage-panel');
    await usage.getByText(/CPU/).first().waitFor({ timeout: 30_000 });
    // My servers: the page's own, and the named one still running.
    const servers = usage.locator('.hs-UsageCard-servers');
    await servers.locator('[data-server="one"]').getByText('running').waitFor({ timeout: 30_000 });
    expect(await servers.locator('[data-server=""]').innerText()).toContain('this page');
    await servers.screenshot({ path: join(shots, 'hub-my-servers.png') });
    const jobsA = await openPanel(pageA, 'hs-jobs-panel');
    await jobsA.getByText('only-for-a').first().waitFor({ timeout: 30_000 });
    await pageA.screenshot({ path: join(shots, 'hub-user-a.png') });

    const pageB = await logIn(b);
    const jobsB = await openPanel(pageB, 'hs-jobs-panel');
    // The list has loaded (B's own jobs, or the empty state) and holds nothing of A's.
    await jobsB.locator('.hs-Jobs-list, .hs-Jobs-empty').first().waitFor({ timeout: 30_000 });
    expect(await jobsB.getByText('only-for-a').count()).toBe(0);
    // B's page cannot reach A's backend with B's cookies either.
    const answer = await pageB.evaluate(
      async url => (await fetch(url)).text(),
      `/user/${a.name}/hotstepper/api/v1/jobs`
    );
    expect(answer).not.toContain('only-for-a');
    await pageB.screenshot({ path: join(shots, 'hub-user-b.png') });
  });
  it('the idle clean-up saves the open notebook, then stops the server through the hub', async () => {
    const c = hub.user('c');
    // One-minute segments: the check judges whole segments before it, and c's server has run
    // for a minute or two only (with five, all its samples could sit in the segment not yet whole).
    const idle = { enforce: 'hub', cpuThreshold: 2, segmentMinutes: 1 };
    // The daily check far away while the stage is set.
    hub.writeConfig(c, { idle: { ...idle, checkHour: (new Date().getHours() + 12) % 24 } });
    await hub.startServer(c);
    const status = async () => {
      const res = await hub.as(c, 'GET', api(c, '/usage/idle'));
      return res.status === 200 ? JSON.parse(res.body) : undefined;
    };
    await hub.until(async () => (await status()) !== undefined, 60_000, "c's backend");
    // Four idle days counted already (yesterday's check): the next idle day is one too many.
    const day = new Date(Date.now() - 24 * 3600_000);
    const yesterday = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
    const seeded = asUser(c, [
      '/usr/bin/python3',
      '-c',
      `import sqlite3; db = sqlite3.connect("${c.home}/.local/share/hotstepper/state.db"); db.execute("INSERT INTO idle_check (day, checked_at, resource, busiest, idle, idle_days) VALUES (?, ?, 'cpu', 0.0, 1, 4)", ("${yesterday}", ${day.getTime()})); db.commit()`
    ]);
    expect(seeded.out).toBe('');
    expect((await status()).idleDays).toBe(4);
    const made = await hub.as(c, 'PUT', `/user/${c.name}/api/contents/work.ipynb`, {
      type: 'notebook',
      content: {
        cells: [
          { cell_type: 'code', source: 'x = 1', metadata: {}, outputs: [], execution_count: null }
        ],
        // Its kernel named: JupyterLab asks for one in a dialog otherwise.
        metadata: {
          kernelspec: { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' }
        },
        nbformat: 4,
        nbformat_minor: 5
      }
    });
    expect(made.status).toBe(201);

    // An open page with an edit not saved.
    const page = await logIn(c);
    await page.goto(`${hub.url}/user/${c.name}/lab/tree/work.ipynb`);
    const editor = page.locator('.jp-NotebookPanel .jp-Cell .cm-content').first();
    await editor.waitFor({ timeout: 60_000 });
    await editor.click();
    await page.keyboard.press('End');
    // In one input event: keystrokes one by one can be lost while the notebook is still loading.
    await page.keyboard.insertText('  # typed, never saved by hand');
    await page.locator('.lm-TabBar-tab.jp-mod-dirty').first().waitFor();
    expect(await editor.innerText()).toContain('typed, never saved by hand');

    // The daily check at the next whole minute at least 40 s ahead; the backend restarts with it
    // (jupyter-server-proxy starts a backend that died of a signal again on the next request;
    // one that exited cleanly it would not) and the page follows again.
    const at = new Date(Math.ceil((Date.now() + 40_000) / 60_000) * 60_000);
    hub.writeConfig(c, {
      idle: { ...idle, checkHour: at.getHours(), checkMinute: at.getMinutes() }
    });
    const followed = page.waitForResponse(
      r => r.url().includes(api(c, '/usage/events')) && r.status() === 200,
      { timeout: 90_000 }
    );
    process.kill(backendOf(c).pid, 'SIGKILL');
    await hub.until(
      async () => (await status())?.nextCheck === at.toISOString(),
      60_000,
      "c's backend to restart with the new check time"
    );
    await followed;

    try {
      await hub.until(
        async () => {
          const model = JSON.parse((await hub.api('GET', `/users/${c.name}`)).body);
          return !model.servers?.['']?.ready;
        },
        at.getTime() - Date.now() + 120_000,
        "the hub to stop c's idle server"
      );
    } catch (err) {
      const now = await status();
      throw new Error(
        `${(err as Error).message}\nc's idle status: ${JSON.stringify({ ...now, segments: undefined })}`
      );
    }
    // Saved by the page before the stop.
    expect(readFileSync(join(c.home, 'work.ipynb'), 'utf8')).toContain(
      'typed, never saved by hand'
    );
  }, 400_000);
});
