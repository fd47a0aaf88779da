import {
  appendFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { Transfer } from '@hotstepper/api';
import { parseConfig } from '../src/config';
import type { Place } from '../src/features/storage/service';
import { Transfers } from '../src/features/storage/transfers';
import { httpRequest, startTestServer, type TestServer } from './helpers';
import { makeMounts } from './storage-mounts';

const XSRF = '2|storage|';
const MUTATE = { cookie: `_xsrf=${XSRF}`, 'x-xsrftoken': XSRF, 'content-type': 'application/json' };

/** Every entry under `dir` with a file's content: two trees are equal when these are. */
function snapshot(dir: string, at = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(dir, at)).sort()) {
    const rel = at ? `${at}/${name}` : name;
    const s = lstatSync(join(dir, rel));
    if (s.isDirectory()) {
      out[`${rel}/`] = '';
      Object.assign(out, snapshot(dir, rel));
    } else {
      out[rel] = readFileSync(join(dir, rel), 'utf8');
    }
  }
  return out;
}

function makeTree(dir: string, files = 12): void {
  mkdirSync(join(dir, 'sub', 'deep'), { recursive: true });
  for (let i = 0; i < files; i++) {
    const where = i % 3 === 0 ? '' : i % 3 === 1 ? 'sub' : 'sub/deep';
    writeFileSync(join(dir, where, `f${i}.txt`), `file ${i}\n`.repeat(100 + i));
  }
}

describe('storage transfers through the routes, between a folder and real mounts', () => {
  let mounts: ReturnType<typeof makeMounts>;
  let server: TestServer;
  let root: string;

  const call = (method: string, path: string, body?: unknown) =>
    httpRequest(server.socket, {
      method,
      path: `/api/v1/storage${path}`,
      headers: method === 'GET' ? {} : MUTATE,
      body: body === undefined ? undefined : JSON.stringify(body)
    });

  /** Starts a transfer and follows its event stream to the end; the last event is returned. */
  async function transfer(body: object): Promise<Transfer> {
    const res = await call('POST', '/transfers', body);
    expect(res.statusCode).toBe(202);
    const started = res.json();
    const events = await call('GET', `/transfers/${started.id}/events`);
    expect(events.headers['content-type']).toMatch(/text\/event-stream/);
    const data = events.body
      .split('\n')
      .filter(l => l.startsWith('data: '))
      .map(l => JSON.parse(l.slice(6)) as Transfer);
    for (const t of data) {
      expect(Value.Errors(Transfer, t).First()).toBeUndefined();
    }
    const last = data[data.length - 1];
    expect(last.state).not.toBe('running');
    expect((await call('GET', `/transfers/${started.id}`)).json()).toEqual(last);
    return last;
  }

  beforeAll(async () => {
    mounts = makeMounts(32);
    writeFileSync(join(mounts.source, 'kept.txt'), 'read only\n');
    root = mkdtempSync(join(tmpdir(), 'hs-transfer-root-'));
    server = await startTestServer({
      rootDir: root,
      config: {
        storage: {
          discover: { enabled: false },
          mounts: [
            { name: 'scratch', path: mounts.tmpfs, kind: 'project' },
            { name: 'shared', path: mounts.readOnly, kind: 'shared' }
          ]
        }
      }
    });
  });
  afterAll(async () => {
    await server.close();
    mounts.teardown();
    rmSync(root, { recursive: true, force: true });
  });

  it('copies a tree from Home to the tmpfs with equal contents and its progress', async () => {
    makeTree(join(root, 'tree'));
    const done = await transfer({
      from: { storage: 'home', path: 'tree' },
      to: { storage: 'scratch', path: '' },
      mode: 'copy',
      conflict: 'skip'
    });
    expect(done).toMatchObject({ state: 'done', target: 'tree', filesDone: 12, filesTotal: 12 });
    expect(done.bytesDone).toBe(done.bytesTotal);
    const bytes = Array.from({ length: 12 }, (_, i) => `file ${i}\n`.length * (100 + i));
    expect(done.bytesTotal).toBe(bytes.reduce((a, b) => a + b));
    expect(snapshot(join(mounts.tmpfs, 'tree'))).toEqual(snapshot(join(root, 'tree')));
    expect(readdirSync(mounts.tmpfs).filter(n => n.includes('.hs-transfer-'))).toEqual([]);
  });

  it('applies the conflict policy once for the whole transfer', async () => {
    writeFileSync(join(root, 'a.txt'), 'new\n');
    writeFileSync(join(mounts.tmpfs, 'a.txt'), 'old\n');
    const body = (conflict: string) => ({
      from: { storage: 'home', path: 'a.txt' },
      to: { storage: 'scratch', path: '' },
      mode: 'copy',
      conflict
    });
    const skipped = await transfer(body('skip'));
    expect(skipped.state).toBe('skipped');
    expect(skipped.message).toMatch(/"a\.txt" already exists in scratch; skipped as asked/);
    expect(readFileSync(join(mounts.tmpfs, 'a.txt'), 'utf8')).toBe('old\n');

    expect(await transfer(body('keep-both'))).toMatchObject({
      state: 'done',
      target: 'a-Copy1.txt'
    });
    expect(readFileSync(join(mounts.tmpfs, 'a-Copy1.txt'), 'utf8')).toBe('new\n');
    expect(readFileSync(join(mounts.tmpfs, 'a.txt'), 'utf8')).toBe('old\n');

    expect(await transfer(body('overwrite'))).toMatchObject({ state: 'done', target: 'a.txt' });
    expect(readFileSync(join(mounts.tmpfs, 'a.txt'), 'utf8')).toBe('new\n');

    // A folder over a folder: replaced whole, not merged.
    makeTree(join(root, 'over'), 3);
    mkdirSync(join(mounts.tmpfs, 'over'));
    writeFileSync(join(mounts.tmpfs, 'over', 'stale.txt'), 'stale');
    await transfer({ ...body('overwrite'), from: { storage: 'home', path: 'over' } });
    expect(snapshot(join(mounts.tmpfs, 'over'))).toEqual(snapshot(join(root, 'over')));
  });

  it('moves a folder: the source is gone and the target equal', async () => {
    makeTree(join(mounts.tmpfs, 'moving'), 6);
    const before = snapshot(join(mounts.tmpfs, 'moving'));
    mkdirSync(join(root, 'into'));
    const done = await transfer({
      from: { storage: 'scratch', path: 'moving' },
      to: { storage: 'home', path: 'into' },
      mode: 'move',
      conflict: 'skip'
    });
    expect(done).toMatchObject({ state: 'done', target: 'into/moving' });
    expect(existsSync(join(mounts.tmpfs, 'moving'))).toBe(false);
    expect(snapshot(join(root, 'into', 'moving'))).toEqual(before);
  });

  it('fails cleanly when the target fills up: the reason, nothing left there', async () => {
    writeFileSync(join(root, 'big.bin'), Buffer.alloc(40 * 1024 * 1024, 7));
    const failed = await transfer({
      from: { storage: 'home', path: 'big.bin' },
      to: { storage: 'scratch', path: '' },
      mode: 'move',
      conflict: 'skip'
    });
    expect(failed.state).toBe('failed');
    expect(failed.message).toBe('scratch is full; free some space and try again');
    expect(readdirSync(mounts.tmpfs).filter(n => n.includes('big.bin'))).toEqual([]);
    expect(lstatSync(join(root, 'big.bin')).size).toBe(40 * 1024 * 1024);
    rmSync(join(root, 'big.bin'));
  });

  it('refuses a read-only target with 403 and its reason, writing nothing', async () => {
    const before = readdirSync(mounts.source);
    let res = await call('POST', '/transfers', {
      from: { storage: 'home', path: 'tree' },
      to: { storage: 'shared', path: '' },
      mode: 'copy',
      conflict: 'overwrite'
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().message).toBe(
      'shared is read-only: the file system is mounted read-only; nothing was changed'
    );
    expect(readdirSync(mounts.source)).toEqual(before);
    // A move out of a read-only storage would have to delete its source: refused before copying.
    res = await call('POST', '/transfers', {
      from: { storage: 'shared', path: 'kept.txt' },
      to: { storage: 'home', path: '' },
      mode: 'move',
      conflict: 'skip'
    });
    expect(res.statusCode).toBe(403);
    expect(existsSync(join(root, 'kept.txt'))).toBe(false);
  });

  it('refuses paths that leave a storage', async () => {
    const body = (from: string, to = '') => ({
      from: { storage: 'home', path: from },
      to: { storage: 'scratch', path: to },
      mode: 'copy',
      conflict: 'skip'
    });
    let res = await call('POST', '/transfers', body('../etc'));
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/contains "\.\."/);
    res = await call('POST', '/transfers', body('/etc/passwd'));
    expect(res.statusCode).toBe(400);
    res = await call('POST', '/transfers', body('tree', '../..'));
    expect(res.statusCode).toBe(400);
    symlinkSync('/etc', join(root, 'out'));
    res = await call('POST', '/transfers', body('out'));
    expect(res.statusCode).toBe(403);
    expect(res.json().message).toMatch(/leads outside the storage/);
    // A link inside a tree leading out refuses the whole tree before anything is written.
    mkdirSync(join(root, 'leaky'));
    writeFileSync(join(root, 'leaky', 'a.txt'), 'a');
    symlinkSync('/etc/passwd', join(root, 'leaky', 'passwd'));
    res = await call('POST', '/transfers', body('leaky'));
    expect(res.statusCode).toBe(403);
    expect(res.json().message).toMatch(/"leaky\/passwd" is a symbolic link leading outside Home/);
    expect(existsSync(join(mounts.tmpfs, 'leaky'))).toBe(false);
    res = await call('POST', '/transfers', body('tree', 'nowhere'));
    expect(res.statusCode).toBe(404);
    expect(res.json().message).toBe('The folder "nowhere" does not exist in scratch');
    res = await call('POST', '/transfers', {
      ...body('tree'),
      to: { storage: 'home', path: 'tree/sub' }
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/cannot be copied into itself/);
    expect((await call('GET', '/transfers/nope')).statusCode).toBe(404);
  });

  it('keeps "transfers" for the transfer routes: no storage may be called so', () => {
    expect(() =>
      parseConfig({ storage: { mounts: [{ name: 'transfers', path: '/srv', kind: 'other' }] } })
    ).toThrow(/storage\.mounts\.0\.name/);
  });
});

describe('storage transfers held between files', () => {
  let base: string;
  const place = (name: string): Place => ({
    name,
    label: name,
    root: join(base, name),
    mode: 'rw'
  });

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'hs-transfer-'));
    mkdirSync(join(base, 'a'));
    mkdirSync(join(base, 'b'));
    makeTree(join(base, 'a', 'tree'), 20);
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  /** Resolves with the transfer's final state. */
  const ended = (transfers: Transfers, id: string) =>
    new Promise<Transfer>(resolve => {
      if (transfers.get(id).state !== 'running') {
        return resolve(transfers.get(id));
      }
      const on = (t: Transfer) => {
        if (t.id === id && t.state !== 'running') {
          transfers.off('progress', on);
          resolve(t);
        }
      };
      transfers.on('progress', on);
    });

  it('cancelled halfway leaves nothing under the target name and keeps a move’s source', async () => {
    let reached!: (t: Transfer) => void;
    const halfway = new Promise<Transfer>(resolve => (reached = resolve));
    let release!: () => void;
    const held = new Promise<void>(resolve => (release = resolve));
    const transfers = new Transfers({
      place: async name => place(name),
      beforeFile: async t => {
        // Files finish in parallel: the first to start after ten are done holds the rest.
        if (t.filesDone >= 10) {
          reached(t);
          await held;
        }
      }
    });
    const before = snapshot(join(base, 'a', 'tree'));
    const started = await transfers.start({
      from: { storage: 'a', path: 'tree' },
      to: { storage: 'b', path: '' },
      mode: 'move',
      conflict: 'overwrite'
    });
    const end = ended(transfers, started.id);
    const at = await halfway;
    expect(at.filesDone).toBeGreaterThanOrEqual(10);
    // Half the files are written, under the temporary name only.
    expect(readdirSync(join(base, 'b'))).toEqual([expect.stringMatching(/^\.tree\.hs-transfer-/)]);
    transfers.cancel(started.id);
    release();
    const last = await end;
    expect(last.state).toBe('cancelled');
    expect(last.filesDone).toBeLessThan(20);
    expect(readdirSync(join(base, 'b'))).toEqual([]);
    expect(snapshot(join(base, 'a', 'tree'))).toEqual(before);
  });

  it('stopped with the server, clears its temporary copy before the stop returns', async () => {
    let reached!: () => void;
    const halfway = new Promise<void>(resolve => (reached = resolve));
    let release!: () => void;
    const held = new Promise<void>(resolve => (release = resolve));
    const transfers = new Transfers({
      place: async name => place(name),
      beforeFile: async t => {
        if (t.filesDone >= 5) {
          reached();
          await held;
        }
      }
    });
    const started = await transfers.start({
      from: { storage: 'a', path: 'tree' },
      to: { storage: 'b', path: '' },
      mode: 'copy',
      conflict: 'skip'
    });
    await halfway;
    expect(readdirSync(join(base, 'b'))).toHaveLength(1);
    const stopping = transfers.stop();
    release();
    await stopping;
    expect(transfers.get(started.id).state).toBe('cancelled');
    expect(readdirSync(join(base, 'b'))).toEqual([]);
  });

  it('keeps a move’s source when it changed after it was copied', async () => {
    const transfers = new Transfers({
      place: async name => place(name),
      concurrency: 1,
      // The same size, other bytes: only the check of the source's time can tell.
      beforeFile: async t => {
        if (t.filesDone === 1) {
          const f0 = join(base, 'a', 'tree', 'f0.txt');
          writeFileSync(f0, readFileSync(f0, 'utf8').replace('file 0', 'FILE 0'));
        }
      }
    });
    const started = await transfers.start({
      from: { storage: 'a', path: 'tree' },
      to: { storage: 'b', path: '' },
      mode: 'move',
      conflict: 'skip'
    });
    const last = await ended(transfers, started.id);
    expect(last).toMatchObject({
      state: 'failed',
      message: '"f0.txt" changed while it was copied; the source was kept, try again'
    });
    expect(readFileSync(join(base, 'a', 'tree', 'f0.txt'), 'utf8')).toMatch(/^FILE 0/);
    expect(readdirSync(join(base, 'b'))).toEqual([]);
  });

  it('keeps a move’s source when the copy’s bytes differ from what was read', async () => {
    const transfers = new Transfers({
      place: async name => place(name),
      concurrency: 1,
      // The copy already written is altered, same size: only the sha256 can tell.
      beforeFile: async t => {
        if (t.filesDone === 1) {
          const [temp] = readdirSync(join(base, 'b'));
          const copy = join(base, 'b', temp, 'f0.txt');
          writeFileSync(copy, readFileSync(copy, 'utf8').replace('file 0', 'FILE 0'));
        }
      }
    });
    const started = await transfers.start({
      from: { storage: 'a', path: 'tree' },
      to: { storage: 'b', path: '' },
      mode: 'move',
      conflict: 'skip'
    });
    const last = await ended(transfers, started.id);
    expect(last).toMatchObject({
      state: 'failed',
      message: 'The copy of "f0.txt" differs from the original (sha256); the source was kept'
    });
    expect(readFileSync(join(base, 'a', 'tree', 'f0.txt'), 'utf8')).toMatch(/^file 0/);
    expect(readdirSync(join(base, 'b'))).toEqual([]);
  });

  it('keeps a move’s source when the copy does not check out', async () => {
    const transfers = new Transfers({
      place: async name => place(name),
      concurrency: 1,
      // The first file grows after it was copied: the size check must catch it.
      beforeFile: async t => {
        if (t.filesDone === 1) {
          appendFileSync(join(base, 'a', 'tree', 'f0.txt'), 'late');
        }
      }
    });
    const started = await transfers.start({
      from: { storage: 'a', path: 'tree' },
      to: { storage: 'b', path: '' },
      mode: 'move',
      conflict: 'skip'
    });
    const last = await ended(transfers, started.id);
    expect(last.state).toBe('failed');
    expect(last.message).toMatch(
      /The copy of "f0\.txt" has \d+ bytes, the original \d+; the source was kept/
    );
    expect(existsSync(join(base, 'a', 'tree', 'f0.txt'))).toBe(true);
    expect(readdirSync(join(base, 'b'))).toEqual([]);
  });
});
