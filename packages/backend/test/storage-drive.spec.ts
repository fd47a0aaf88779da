import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { ContentsModel, StorageList } from '@hotstepper/api';
import { httpRequest, startTestServer, type TestServer } from './helpers';
import { makeMounts } from './storage-mounts';

const XSRF = '2|storage|';
const MUTATE = { cookie: `_xsrf=${XSRF}`, 'x-xsrftoken': XSRF, 'content-type': 'application/json' };
const MiB = 1024 * 1024;

describe('storage drive routes over real mounts', () => {
  let mounts: ReturnType<typeof makeMounts>;
  let server: TestServer;
  let root: string;
  let dataDir: string;

  const call = (method: string, path: string, body?: unknown) =>
    httpRequest(server.socket, {
      method,
      path: `/api/v1/storage${path}`,
      headers: method === 'GET' ? {} : MUTATE,
      body: body === undefined ? undefined : JSON.stringify(body)
    });
  const q = (path: string) => `path=${encodeURIComponent(path)}`;

  beforeAll(async () => {
    mounts = makeMounts(64);
    writeFileSync(join(mounts.source, 'notes.txt'), 'read me\n');
    root = mkdtempSync(join(tmpdir(), 'hs-storage-root-'));
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
    dataDir = join(server.socket, '..', 'data');
  });
  afterAll(async () => {
    await server.close();
    mounts.teardown();
    rmSync(root, { recursive: true, force: true });
  });

  it('lists the storages with the tmpfs capacity and the read-only reason', async () => {
    const res = await call('GET', '');
    expect(res.statusCode).toBe(200);
    const list = res.json();
    expect(Value.Errors(StorageList, list).First()).toBeUndefined();
    expect(list.storages.map((s: { name: string }) => s.name)).toEqual([
      'home',
      'scratch',
      'shared'
    ]);
    expect(list.storages[1]).toMatchObject({ capacity: 64 * MiB, fsType: 'tmpfs', mode: 'rw' });
    expect(list.storages[2]).toMatchObject({
      mode: 'ro',
      reason: 'read-only: the file system is mounted read-only'
    });
  });

  it('saves, opens, lists by pages, renames, copies and deletes on the tmpfs', async () => {
    mkdirSync(join(mounts.tmpfs, 'many'));
    for (let i = 0; i < 25; i++) {
      writeFileSync(join(mounts.tmpfs, 'many', `f${String(i).padStart(2, '0')}.txt`), `${i}`);
    }
    writeFileSync(join(mounts.tmpfs, 'many', '.hidden'), '');
    const page = (await call('GET', `/scratch/contents?${q('many')}&offset=20&limit=10`)).json();
    expect(page.total).toBe(25);
    expect(page.content.map((e: { name: string }) => e.name)).toEqual([
      'f20.txt',
      'f21.txt',
      'f22.txt',
      'f23.txt',
      'f24.txt'
    ]);
    expect(page.content[0].path).toBe('many/f20.txt');
    const all = (await call('GET', `/scratch/contents?${q('many')}&hidden=1`)).json();
    expect(all.total).toBe(26);

    let res = await call('PUT', `/scratch/contents?${q('a.txt')}`, {
      type: 'file',
      format: 'text',
      content: 'héllo'
    });
    expect(res.statusCode).toBe(200);
    expect(Value.Errors(ContentsModel, res.json()).First()).toBeUndefined();
    expect(readFileSync(join(mounts.tmpfs, 'a.txt'), 'utf8')).toBe('héllo');
    res = await call('GET', `/scratch/contents?${q('a.txt')}`);
    expect(res.json()).toMatchObject({ type: 'file', format: 'text', content: 'héllo', size: 6 });

    const nb = { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 };
    await call('PUT', `/scratch/contents?${q('n.ipynb')}`, { type: 'notebook', content: nb });
    res = await call('GET', `/scratch/contents?${q('n.ipynb')}`);
    expect(res.json()).toMatchObject({ type: 'notebook', format: 'json', content: nb });

    writeFileSync(join(mounts.tmpfs, 'bin'), Buffer.from([0xff, 0x00, 0xfe]));
    res = await call('GET', `/scratch/contents?${q('bin')}`);
    expect(res.json()).toMatchObject({ format: 'base64', content: '/wD+' });

    res = await call('GET', `/scratch/contents?${q('a.txt')}&maxBytes=3`);
    expect(res.statusCode).toBe(413);
    expect(res.json().message).toMatch(
      /over the 0\.0 MiB limit for opening in the editor; download it/
    );

    res = await call('POST', `/scratch/contents?${q('')}`, { type: 'directory' });
    expect(res.json().name).toBe('Untitled Folder');
    res = await call('POST', `/scratch/contents?${q('')}`, { type: 'directory' });
    expect(res.json().name).toBe('Untitled Folder 1');
    res = await call('POST', `/scratch/contents?${q('Untitled Folder')}`, { type: 'notebook' });
    expect(res.statusCode).toBe(201);
    expect(res.json().path).toBe('Untitled Folder/Untitled.ipynb');

    res = await call('POST', '/scratch/rename', { path: 'a.txt', to: 'Untitled Folder/b.txt' });
    expect(res.json().path).toBe('Untitled Folder/b.txt');
    expect(existsSync(join(mounts.tmpfs, 'a.txt'))).toBe(false);
    res = await call('POST', '/scratch/rename', { path: 'n.ipynb', to: 'Untitled Folder/b.txt' });
    expect(res.statusCode).toBe(409);

    res = await call('POST', '/scratch/copy', { path: 'Untitled Folder/b.txt', to: '' });
    expect(res.json().path).toBe('b-Copy1.txt');
    res = await call('POST', '/scratch/copy', { path: 'Untitled Folder', to: 'many' });
    expect(res.json().path).toBe('many/Untitled Folder-Copy1');
    expect(readFileSync(join(mounts.tmpfs, 'many/Untitled Folder-Copy1/b.txt'), 'utf8')).toBe(
      'héllo'
    );
    res = await call('POST', '/scratch/copy', { path: 'many', to: 'many' });
    expect(res.statusCode).toBe(400);

    res = await call('DELETE', `/scratch/contents?${q('Untitled Folder')}`);
    expect(res.statusCode).toBe(204);
    expect(existsSync(join(mounts.tmpfs, 'Untitled Folder'))).toBe(false);
    // No temporary names left behind by the copies.
    expect(readdirSync(mounts.tmpfs).filter(n => n.includes('.hs-'))).toEqual([]);
  });

  it('copies a tree with its links, and refuses one holding a FIFO, leaving nothing', async () => {
    mkdirSync(join(mounts.tmpfs, 'tree/sub'), { recursive: true });
    writeFileSync(join(mounts.tmpfs, 'tree/sub/x.txt'), 'x');
    symlinkSync('sub/x.txt', join(mounts.tmpfs, 'tree/link'));
    let res = await call('POST', '/scratch/copy', { path: 'tree', to: '' });
    expect(res.statusCode).toBe(201);
    expect(readFileSync(join(mounts.tmpfs, 'tree-Copy1/link'), 'utf8')).toBe('x');
    execFileSync('mkfifo', [join(mounts.tmpfs, 'tree/sub/pipe')]);
    res = await call('POST', '/scratch/copy', { path: 'tree', to: '' });
    expect(res.statusCode).toBe(403);
    expect(res.json().message).toBe('"tree/sub/pipe" is a FIFO; only files and folders are opened');
    expect(
      readdirSync(mounts.tmpfs).filter(n => n.startsWith('tree') || n.includes('.hs-'))
    ).toEqual(['tree', 'tree-Copy1']);
  });

  it('streams a download with its name', async () => {
    writeFileSync(join(mounts.tmpfs, 'report 1.csv'), 'a,b\n1,2\n');
    const res = await call('GET', `/scratch/download?${q('report 1.csv')}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('a,b\n1,2\n');
    expect(res.headers['content-disposition']).toBe("attachment; filename*=UTF-8''report%201.csv");
  });

  it('assembles a chunked upload and renames it into place only at the last chunk', async () => {
    const parts = [Buffer.alloc(MiB, 'a'), Buffer.alloc(MiB, 'b'), Buffer.from('end')];
    const send = (chunk: number, data: Buffer) =>
      call('PUT', `/scratch/contents?${q('big.bin')}`, {
        type: 'file',
        format: 'base64',
        chunk,
        content: data.toString('base64')
      });
    expect((await send(1, parts[0])).statusCode).toBe(200);
    expect((await send(2, parts[1])).statusCode).toBe(200);
    // Interrupted here: nothing under the target name, not in the listing either.
    expect(existsSync(join(mounts.tmpfs, 'big.bin'))).toBe(false);
    const listing = (await call('GET', `/scratch/contents?${q('')}`)).json();
    expect(listing.content.map((e: { name: string }) => e.name)).not.toContain('big.bin');
    expect((await send(-1, parts[2])).statusCode).toBe(200);
    expect(readFileSync(join(mounts.tmpfs, 'big.bin')).equals(Buffer.concat(parts))).toBe(true);
    expect(readdirSync(mounts.tmpfs).filter(n => n.includes('.hs-'))).toEqual([]);
    // A later chunk without the first is refused, saying what to do.
    const lone = await call('PUT', `/scratch/contents?${q('other.bin')}`, {
      type: 'file',
      format: 'base64',
      chunk: 3,
      content: 'AA=='
    });
    expect(lone.statusCode).toBe(409);
    expect(lone.json().message).toMatch(/upload the file again/);
  });

  it('never lists its own work files, and sweeps an upload abandoned a day ago as its folder is listed', async () => {
    const dir = join(mounts.tmpfs, 'uploads');
    mkdirSync(dir);
    writeFileSync(join(dir, 'kept.txt'), 'mine');
    // The user's own dotfile stays, listed with hidden files.
    writeFileSync(join(dir, '.env'), 'A=1');
    const abandoned = join(dir, '.old.bin.hs-upload');
    const fresh = join(dir, '.new.bin.hs-upload');
    writeFileSync(abandoned, 'half');
    writeFileSync(fresh, 'half');
    const twoDaysAgo = new Date(Date.now() - 48 * 3600 * 1000);
    utimesSync(abandoned, twoDaysAgo, twoDaysAgo);
    writeFileSync(join(dir, '.kept.txt.hs-0123456789ab'), 'a save under way');

    const listing = (await call('GET', `/scratch/contents?${q('uploads')}&hidden=1`)).json();
    expect(listing.content.map((e: { name: string }) => e.name)).toEqual(['.env', 'kept.txt']);
    expect(existsSync(abandoned)).toBe(false);
    // An upload still under way keeps its part.
    expect(existsSync(fresh)).toBe(true);
  });

  it('keeps checkpoints under the data directory and restores them', async () => {
    await call('PUT', `/scratch/contents?${q('c.txt')}`, {
      type: 'file',
      format: 'text',
      content: 'v1'
    });
    const made = await call('POST', `/scratch/checkpoints?${q('c.txt')}`);
    expect(made.statusCode).toBe(201);
    expect(made.json().id).toBe('checkpoint');
    await call('PUT', `/scratch/contents?${q('c.txt')}`, {
      type: 'file',
      format: 'text',
      content: 'v2'
    });
    const list = (await call('GET', `/scratch/checkpoints?${q('c.txt')}`)).json();
    expect(list).toHaveLength(1);
    expect((await call('POST', `/scratch/checkpoints/checkpoint?${q('c.txt')}`)).statusCode).toBe(
      204
    );
    expect(readFileSync(join(mounts.tmpfs, 'c.txt'), 'utf8')).toBe('v1');
    expect(readdirSync(join(dataDir, 'storage-checkpoints', 'scratch'))).toHaveLength(1);
    expect(readdirSync(mounts.tmpfs).filter(n => n.includes('checkpoint'))).toEqual([]);
    await call('DELETE', `/scratch/checkpoints/checkpoint?${q('c.txt')}`);
    expect((await call('GET', `/scratch/checkpoints?${q('c.txt')}`)).json()).toEqual([]);
  });

  it('refuses every write to the read-only bind mount with the reason, changing nothing', async () => {
    const before = readdirSync(mounts.readOnly);
    const attempts = [
      call('PUT', `/shared/contents?${q('notes.txt')}`, {
        type: 'file',
        format: 'text',
        content: 'x'
      }),
      call('PUT', `/shared/contents?${q('new.txt')}`, {
        type: 'file',
        format: 'text',
        content: 'x'
      }),
      call('POST', `/shared/contents?${q('')}`, { type: 'directory' }),
      call('POST', '/shared/rename', { path: 'notes.txt', to: 'moved.txt' }),
      call('DELETE', `/shared/contents?${q('notes.txt')}`),
      call('POST', '/shared/copy', { path: 'notes.txt', to: '' })
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.statusCode).toBe(403);
      expect(res.json().message).toBe(
        'shared is read-only: the file system is mounted read-only; nothing was changed'
      );
    }
    expect(readdirSync(mounts.readOnly)).toEqual(before);
    expect(readFileSync(join(mounts.readOnly, 'notes.txt'), 'utf8')).toBe('read me\n');
    const read = await call('GET', `/shared/contents?${q('notes.txt')}`);
    expect(read.json()).toMatchObject({ content: 'read me\n', writable: false });
  });

  it('answers 404 for a storage that is not there', async () => {
    const res = await call('GET', `/nope/contents?${q('')}`);
    expect(res.statusCode).toBe(404);
    expect(res.json().message).toMatch(/No storage "nope"/);
  });

  describe('path confinement fuzz', () => {
    const SECRET = 'TOP-SECRET-4f1c';
    let outside: string;
    let outsideBefore: string;
    const snapshot = () =>
      execFileSync('sh', ['-c', `cd "${outside}" && find . -printf '%p %s %y\\n' | sort`], {
        encoding: 'utf8'
      });

    beforeAll(() => {
      outside = mkdtempSync(join(tmpdir(), 'hs-outside-'));
      writeFileSync(join(outside, 'secret.txt'), SECRET);
      mkdirSync(join(root, 'inside'));
      writeFileSync(join(root, 'inside', 'ok.txt'), 'fine');
      symlinkSync(join(root, 'inside'), join(root, 'link-in'));
      symlinkSync('inside/ok.txt', join(root, 'rel-link-in'));
      symlinkSync(outside, join(root, 'link-out'));
      symlinkSync('../../../../../../..' + outside, join(root, 'rel-link-out'));
      symlinkSync(join(outside, 'secret.txt'), join(root, 'file-link-out'));
      symlinkSync(join(outside, 'planted.txt'), join(root, 'dangling-out'));
      symlinkSync(join(root, 'link-out'), join(root, 'inside', 'chain-out'));
      execFileSync('mkfifo', [join(root, 'pipe')]);
      outsideBefore = snapshot();
    });
    afterAll(() => rmSync(outside, { recursive: true, force: true }));

    /** A small seeded generator: the same paths every run, so a failure can be replayed. */
    function paths(count: number): string[] {
      // mulberry32
      let seed = 0x5eed;
      const rand = (n: number) => {
        seed = (seed + 0x6d2b79f5) | 0;
        let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n;
      };
      const parts = [
        '..',
        '.',
        '',
        'inside',
        'link-in',
        'rel-link-in',
        'link-out',
        'rel-link-out',
        'file-link-out',
        'dangling-out',
        'chain-out',
        'secret.txt',
        'ok.txt',
        'pipe',
        '%2e%2e',
        '%2F',
        '..%2f..',
        '%252e%252e',
        '..\\..',
        '\u2025',
        '\u002e\u002e\u2215etc',
        '\0',
        'a\0b',
        '....',
        'x'.repeat(300),
        outside,
        '/etc/passwd',
        '~',
        '..;',
        ' ..'
      ];
      const out = new Set<string>();
      while (out.size < count) {
        const n = 1 + Math.floor(rand(5));
        // Half the parts are names that exist inside, so the fuzz reaches real files too.
        const good = ['inside', 'link-in', 'ok.txt', 'rel-link-in', '.', ''];
        let p = Array.from({ length: n }, () =>
          rand(2) >= 1 ? good[Math.floor(rand(good.length))] : parts[Math.floor(rand(parts.length))]
        ).join(rand(5) < 1 ? '//' : '/');
        if (rand(8) < 1) {
          p = `/${p}`;
        }
        if (rand(20) < 1) {
          p = `${p}/${'deep/'.repeat(900)}`;
        }
        out.add(p);
      }
      return [...out];
    }

    it('lets no path out of the storage: 600 reads and writes, 0 escapes', async () => {
      const generated = paths(600);
      const statuses = new Map<number, number>();
      let served = 0;
      for (const path of generated) {
        const read = await call('GET', `/home/contents?${q(path)}&content=1`);
        statuses.set(read.statusCode, (statuses.get(read.statusCode) ?? 0) + 1);
        expect([200, 400, 403, 404]).toContain(read.statusCode);
        expect(read.body).not.toContain(SECRET);
        const dl = await call('GET', `/home/download?${q(path)}`);
        expect(dl.body).not.toContain(SECRET);
        const write = await call('PUT', `/home/contents?${q(path)}`, {
          type: 'file',
          format: 'text',
          content: 'planted'
        });
        expect([200, 400, 403, 404, 409]).toContain(write.statusCode);
        if (read.statusCode === 200) {
          served++;
        }
      }
      process.stdout.write(`fuzz statuses: ${JSON.stringify([...statuses])}\n`);
      // Some paths were fine (inside, link-in/ok.txt): the fuzz reached real files too.
      expect(served).toBeGreaterThan(10);
      expect(statuses.get(403)).toBeGreaterThan(10);
      expect(snapshot()).toBe(outsideBefore);
      expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe(SECRET);
    }, 180_000);

    it('follows links that stay inside and never opens a FIFO', async () => {
      writeFileSync(join(root, 'inside', 'ok.txt'), 'fine');
      const viaLink = await call('GET', `/home/contents?${q('link-in/ok.txt')}`);
      expect(viaLink.json()).toMatchObject({ content: 'fine', path: 'link-in/ok.txt' });
      const fifo = await call('GET', `/home/contents?${q('pipe')}`);
      expect(fifo.statusCode).toBe(403);
      expect(fifo.json().message).toBe('"pipe" is a FIFO; only files and folders are opened');
      const out = await call('GET', `/home/contents?${q('link-out/secret.txt')}`);
      expect(out.statusCode).toBe(403);
      expect(out.json().message).toMatch(/leads outside the storage/);
      // Deleting a link that leads out removes the link, not its target.
      expect((await call('DELETE', `/home/contents?${q('file-link-out')}`)).statusCode).toBe(204);
      expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe(SECRET);
    });
  });
});
