/**
 * A 1 GiB job log downloads whole through the Jupyter server: jupyter-server-proxy holds a
 * whole answer in memory and tornado gives up at 100 MB (HTTP 599), so the log is fetched in
 * 32 MiB ranges (206, Content-Range) as the Jobs panel does, and checked by size and hash.
 * Real jupyter-server + jupyter-server-proxy with a token and XSRF on, the bundled backend.
 */
import { createHash } from 'node:crypto';
import type { Job } from '@hotstepper/api';
import { JupyterServer, request } from './jupyter';

const GiB = 1024 ** 3;
const PART = 32 * 1024 ** 2;
const LINE = 32;
let server: JupyterServer;
let api: string;
let headers: Record<string, string>;
let id: string | undefined;

beforeAll(async () => {
  server = new JupyterServer();
  await server.start();
  api = `${server.url}hotstepper/api/v1/jobs`;
  headers = await server.labHeaders();
}, 90_000);

afterAll(async () => {
  // The gigabyte goes with the job.
  if (id) {
    await request(`${api}/${id}/cancel`, 'POST', { headers }).catch(() => undefined);
    await request(`${api}/${id}`, 'DELETE', { headers }).catch(() => undefined);
  }
  await server?.stop();
}, 60_000);

/** Every line says its own offset: "<offset, 16 hex digits> hotstepper log\n", 32 bytes. */
const line = (offset: number) => `${offset.toString(16).padStart(16, '0')} hotstepper log\n`;

it('a 1 GiB log downloads whole in ranges through the Jupyter server', async () => {
  // The job writes the log itself, and its hash on stderr.
  const program = [
    'import hashlib, sys',
    'h = hashlib.sha256()',
    'out = sys.stdout.buffer',
    `for start in range(0, ${GiB}, 1 << 20):`,
    `    block = "".join(f"{o:016x} hotstepper log\\n" for o in range(start, start + (1 << 20), ${LINE})).encode()`,
    '    h.update(block)',
    '    out.write(block)',
    'out.flush()',
    'print(h.hexdigest(), file=sys.stderr)'
  ].join('\n');
  const res = await request(`${api}/`, 'POST', {
    headers,
    body: JSON.stringify({ name: 'big log', kind: 'command', command: ['python3', '-c', program] })
  });
  expect(`${res.status} ${res.body.slice(0, 300)}`).toMatch(/^201 /);
  id = (JSON.parse(res.body) as Job).id;
  for (;;) {
    const job: Job = JSON.parse((await request(`${api}/${id}`, 'GET', { headers })).body);
    if (!['queued', 'starting', 'running'].includes(job.status)) {
      expect(job.status).toBe('succeeded');
      break;
    }
    await new Promise(r => setTimeout(r, 500));
  }
  const written = (await request(`${api}/${id}/log?stream=stderr`, 'GET', { headers })).body.trim();
  expect(written).toMatch(/^[0-9a-f]{64}$/);

  const hash = createHash('sha256');
  let start = 0;
  let size: number | undefined;
  let parts = 0;
  do {
    const part = await request(`${api}/${id}/log?stream=stdout`, 'GET', {
      headers: { ...headers, range: `bytes=${start}-${start + PART - 1}` }
    });
    expect({ start, status: part.status }).toEqual({ start, status: 206 });
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(part.headers['content-range']));
    expect(range?.slice(1).map(Number)).toEqual([start, Math.min(start + PART, GiB) - 1, GiB]);
    size = Number(range![3]);
    // The part is where it says it is: its first and last lines carry their offsets.
    expect(part.body.length).toBe(Math.min(PART, GiB - start));
    expect(part.body.slice(0, LINE)).toBe(line(start));
    expect(part.body.slice(-LINE)).toBe(line(start + part.body.length - LINE));
    hash.update(part.body);
    start += part.body.length;
    parts += 1;
  } while (start < size);
  expect({ bytes: start, parts, sha256: hash.digest('hex') }).toEqual({
    bytes: GiB,
    parts: GiB / PART,
    sha256: written
  });
}, 600_000);
