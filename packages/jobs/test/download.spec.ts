/**
 * A log is downloaded in byte ranges and assembled: the Jupyter server cannot pass an answer
 * over 100 MB, and a job log can be gigabytes.
 */
import { ServerConnection } from '@jupyterlab/services';
import { fetchLog } from '../src/download';

/**
 * A response whose blob() is the page's own Blob, as in a browser (jsdom's Blob and Node's
 * fetch Blob do not mix).
 */
const answer = (text: string, init: ResponseInit) =>
  Object.assign(new Response(text, init), { blob: async () => new Blob([text]) });

/** The log as the backend serves it: Range answered with 206 and Content-Range. */
function logServer(log: () => string, ranges = true) {
  const asked: string[] = [];
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/',
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input as RequestInfo, init);
      expect(new URL(request.url).pathname).toBe('/hotstepper/api/v1/jobs/j1/log');
      const text = log();
      const range = /^bytes=(\d+)-(\d+)$/.exec(request.headers.get('Range') ?? '');
      asked.push(range ? `${range[1]}-${range[2]}` : 'whole');
      if (!range || !ranges) {
        return answer(text, { status: 200 });
      }
      const start = Number(range[1]);
      const end = Math.min(Number(range[2]), text.length - 1);
      return answer(text.slice(start, end + 1), {
        status: 206,
        headers: { 'Content-Range': `bytes ${start}-${end}/${text.length}` }
      });
    }
  });
  return { settings, asked };
}

const read = (blob: Blob) =>
  new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.onerror = () => reject(reader.error);
    reader.readAsText(blob);
  });

const LOG = Array.from({ length: 10 }, (_, i) => `line ${i}\n`).join(''); // 70 bytes

it('fetches the log in parts of the given size and assembles them in order', async () => {
  const { settings, asked } = logServer(() => LOG);
  const blob = await fetchLog(settings, { id: 'j1' }, 'stdout', 32);
  expect(asked).toEqual(['0-31', '32-63', '64-69']);
  expect(blob.size).toBe(70);
  expect(await read(blob)).toBe(LOG);
});

it('stops at the size the log had when the download began, though it grows', async () => {
  let log = LOG;
  const { settings, asked } = logServer(() => (log += 'more\n'));
  const blob = await fetchLog(settings, { id: 'j1' }, 'stdout', 32);
  expect(asked).toEqual(['0-31', '32-63', '64-74']);
  expect(await read(blob)).toBe(`${LOG}more\n`);
});

it('takes a whole answer (200) as the whole log', async () => {
  const { settings, asked } = logServer(() => LOG, false);
  const blob = await fetchLog(settings, { id: 'j1' }, 'stdout', 32);
  expect(asked).toEqual(['0-31']);
  expect(await read(blob)).toBe(LOG);
});

/** A server answering every range with 206, the given Content-Range and a part of `body`. */
function brokenServer(
  contentRange: string | undefined,
  body: (start: number, end: number) => string
) {
  return ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/',
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input as RequestInfo, init);
      const [, start, end] = /^bytes=(\d+)-(\d+)$/.exec(request.headers.get('Range') ?? '')!;
      const headers: Record<string, string> = contentRange ? { 'Content-Range': contentRange } : {};
      return answer(body(Number(start), Number(end)), { status: 206, headers });
    }
  });
}

it.each([
  ['missing', undefined],
  ['without a size', 'bytes 0-31/*'],
  ['unreadable', 'garbage']
])(
  'refuses a part whose Content-Range is %s rather than return it as the whole log',
  async (_, range) => {
    const settings = brokenServer(range, (start, end) => LOG.slice(start, end + 1));
    await expect(fetchLog(settings, { id: 'j1' }, 'stdout', 32)).rejects.toMatchObject({
      name: 'BackendError',
      message: expect.stringMatching(/did not say its size/)
    });
  }
);

it('refuses a part shorter than asked before the end of the log', async () => {
  const settings = brokenServer('bytes 0-31/70', (start, end) =>
    LOG.slice(start, Math.min(end + 1, 40))
  );
  await expect(fetchLog(settings, { id: 'j1' }, 'stdout', 32)).rejects.toMatchObject({
    name: 'BackendError',
    message: expect.stringMatching(/got 8 bytes at 32 where 32 were asked/)
  });
});
