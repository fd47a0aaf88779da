/**
 * The activity journal through a real Jupyter server with token and XSRF on: cells run by a
 * kernel client with no page open (websocket and REST only) are journaled by the backend's
 * kernel watcher, which authenticates with the server's own credential.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { ActivitySummary, CellRun } from '@hotstepper/api';
import { JupyterServer, request } from './jupyter';

const server = new JupyterServer();
const at = (path: string) => `${server.url}hotstepper${path}`;
let headers: Record<string, string>;

beforeAll(async () => {
  await server.start();
  headers = await server.labHeaders();
}, 60_000);
afterAll(() => server.stop());

async function summary(): Promise<ActivitySummary> {
  const res = await request(at('/api/v1/activity?since=0'), 'GET', { headers: server.auth });
  expect(res.status).toBe(200);
  return JSON.parse(res.body) as ActivitySummary;
}

/** Polls the summary until `pick` finds something (the test's timeout bounds it). */
async function waitFor<T>(pick: (s: ActivitySummary) => T | undefined): Promise<T> {
  for (;;) {
    const found = pick(await summary());
    if (found !== undefined) {
      return found;
    }
    await new Promise(r => setTimeout(r, 250));
  }
}

/** A notebook session with a fresh kernel, as JupyterLab would create one. */
async function session(path: string): Promise<string> {
  const put = await request(at('/../api/contents/' + encodeURIComponent(path)), 'PUT', {
    headers,
    body: JSON.stringify({
      type: 'notebook',
      content: { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 }
    })
  });
  expect(put.status).toBe(201);
  const res = await request(`${server.url}api/sessions`, 'POST', {
    headers,
    body: JSON.stringify({ path, name: path, type: 'notebook', kernel: { name: 'python3' } })
  });
  expect(res.status).toBe(201);
  return (JSON.parse(res.body) as { kernel: { id: string } }).kernel.id;
}

/** A bare kernel client: runs `code` over the channels websocket and waits for the reply. */
async function execute(kernelId: string, code: string): Promise<void> {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}api/kernels/${kernelId}/channels`, {
    headers: server.auth
  });
  await new Promise((ok, fail) => ws.once('open', ok).once('error', fail));
  const msgId = randomUUID();
  const replied = new Promise<void>(ok =>
    ws.on('message', data => {
      const msg = JSON.parse(data.toString());
      if (msg.msg_type === 'execute_reply' && msg.parent_header.msg_id === msgId) {
        ok();
      }
    })
  );
  ws.send(
    JSON.stringify({
      channel: 'shell',
      header: {
        msg_id: msgId,
        msg_type: 'execute_request',
        session: randomUUID(),
        username: 'test',
        version: '5.3',
        date: new Date().toISOString()
      },
      parent_header: {},
      metadata: {},
      content: {
        code,
        silent: false,
        store_history: true,
        user_expressions: {},
        allow_stdin: false
      }
    })
  );
  await replied;
  ws.close();
}

const cellOf =
  (path: string, list: 'finished' | 'failed' | 'running', count?: number) =>
  (s: ActivitySummary): CellRun | undefined =>
    s[list].find(c => c.path === path && (count === undefined || c.count === count));

it('journals a cell run with no page open: its count, duration and last line', async () => {
  const kernel = await session('train.ipynb');
  // The watcher follows a kernel within a listing; the summary lists first, so it follows now.
  await summary();
  await execute(
    kernel,
    'import time\nfor i in range(3):\n    print(f"epoch {i}", flush=True)\n    time.sleep(0.5)\nprint("epoch 50 accuracy 0.93\\n")'
  );
  const cell = await waitFor(cellOf('train.ipynb', 'finished', 1));
  expect(cell).toMatchObject({
    kernelId: kernel,
    status: 'ok',
    ename: null,
    lastLine: 'epoch 50 accuracy 0.93'
  });
  expect(cell.durationMs).toBeGreaterThanOrEqual(1400);
  expect(cell.endedAt! - cell.startedAt).toBe(cell.durationMs);

  // A failing cell: the exception's name, never its source.
  await execute(kernel, 'secret_source_line = 1\n1 / 0');
  const failed = await waitFor(cellOf('train.ipynb', 'failed', 2));
  expect(failed).toMatchObject({ status: 'error', ename: 'ZeroDivisionError' });
  expect(JSON.stringify(await summary())).not.toContain('secret_source_line');
});

it('records a restart of the kernel, and the cell it interrupted', async () => {
  const kernel = await session('restart.ipynb');
  await summary();
  // Starts a long cell and does not wait for it.
  const started = execute(kernel, 'import time\nprint("working", flush=True)\ntime.sleep(600)');
  const running = await waitFor(cellOf('restart.ipynb', 'running', 1));
  expect(running.endedAt).toBeNull();
  expect(running.lastLine).toBe('working');

  const res = await request(`${server.url}api/kernels/${kernel}/restart`, 'POST', { headers });
  expect(res.status).toBe(200);
  void started.catch(() => undefined);
  const restart = await waitFor(s =>
    s.kernels.find(e => e.kind === 'kernel-restarted' && e.ref === kernel)
  );
  expect(restart.name).toBe('restart.ipynb');
  const interrupted = await waitFor(cellOf('restart.ipynb', 'failed', 1));
  expect(interrupted.status).toBe('interrupted');
});

it('records a kernel that died on its own, and the cell it was running', async () => {
  const kernel = await session('dies.ipynb');
  await summary();
  // The kernel's process exits in the middle of the cell: no reply ever comes.
  void execute(
    kernel,
    'import os, time\nprint("about to die", flush=True)\ntime.sleep(1)\nos._exit(1)'
  ).catch(() => undefined);
  // The Jupyter server notices, restarts it and says so on the kernel's channels.
  const died = await waitFor(s =>
    s.kernels.find(e => e.kind === 'kernel-died' && e.ref === kernel)
  );
  expect(died).toMatchObject({ name: 'dies.ipynb', detail: 'restarted automatically' });
  const cell = await waitFor(cellOf('dies.ipynb', 'failed', 1));
  expect(cell).toMatchObject({ status: 'interrupted', lastLine: 'about to die' });
});

it('still records the end of a cell that finished while the backend was down', async () => {
  const kernel = await session('outlive.ipynb');
  await summary();
  const done = execute(
    kernel,
    'import time\nprint("step 1", flush=True)\ntime.sleep(4)\nprint("done")'
  );
  await waitFor(cellOf('outlive.ipynb', 'running', 1));
  const [backend] = server.backendPids();
  process.kill(backend, 'SIGKILL');
  await done; // It finished while no backend listened.
  // The next requests start a new backend (the first may meet the dead one), whose watcher
  // finds the kernel idle.
  for (;;) {
    const res = await request(at('/api/v1/activity?since=0'), 'GET', { headers: server.auth });
    if (res.status === 200) {
      break;
    }
    await new Promise(r => setTimeout(r, 250));
  }
  const cell = await waitFor(cellOf('outlive.ipynb', 'finished', 1));
  expect(cell.status).toBe('ok');
  expect(cell.durationMs).toBeGreaterThanOrEqual(3000);
  // The last line it printed before the kill, or after it if the new backend saw it.
  expect(['step 1', 'done']).toContain(cell.lastLine);
});

it('validates page events and answers what was recorded', async () => {
  const bad = await request(at('/api/v1/activity/events'), 'POST', {
    headers,
    body: JSON.stringify({ events: [{ kind: 'document-eaten', path: 'a.ipynb' }] })
  });
  expect(bad.status).toBe(400);
  expect(JSON.parse(bad.body).message).toMatch(/kind/);
  const ok = await request(at('/api/v1/activity/events'), 'POST', {
    headers,
    body: JSON.stringify({ events: [{ kind: 'document-saved', path: 'notes.ipynb' }] })
  });
  expect(ok.status).toBe(200);
  const doc = await waitFor(s => s.documents.find(d => d.name === 'notes.ipynb'));
  expect(doc.kind).toBe('document-saved');
});
