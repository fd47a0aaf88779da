/**
 * Storages as a user reaches them: a real Jupyter server (token and XSRF on) starts the bundled
 * backend, whose admin config lists a real 64 MiB tmpfs and a real read-only bind mount (made
 * here as root and unmounted afterwards). Every call goes through {base_url}hotstepper/.
 */
import { readFileSync, readdirSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { df, makeMounts } from '../test/storage-mounts';
import { JupyterServer, request } from './jupyter';

describe('storages through a real Jupyter server', () => {
  const mounts = makeMounts(64);
  let server: JupyterServer;
  let lab: Record<string, string>;
  const at = (path: string) => `${server.url}hotstepper/api/v1/storage${path}`;
  const q = (path: string) => `path=${encodeURIComponent(path)}`;

  beforeAll(async () => {
    writeFileSync(join(mounts.source, 'notes.txt'), 'read me\n');
    const config = join(mounts.base, 'hotstepper.json');
    writeFileSync(
      config,
      JSON.stringify({
        storage: {
          discover: { enabled: false },
          mounts: [
            { name: 'scratch', path: mounts.tmpfs, kind: 'project' },
            { name: 'shared', path: mounts.readOnly, kind: 'shared' }
          ]
        }
      })
    );
    server = new JupyterServer({ env: { HOTSTEPPER_CONFIG: config } });
    await server.start();
    lab = await server.labHeaders();
  });

  afterAll(async () => {
    await server?.stop();
    mounts.teardown();
  });

  it('lists the storages with the capacity df reports and the read-only reason', async () => {
    const res = await request(at(''), 'GET', { headers: server.auth });
    expect(res.status).toBe(200);
    const list = JSON.parse(res.body);
    expect(list.storages.map((s: { name: string }) => s.name)).toEqual([
      'home',
      'scratch',
      'shared'
    ]);
    const d = df(mounts.tmpfs);
    expect(list.storages[1]).toMatchObject({ capacity: d.size, used: d.used, free: d.avail });
    expect(list.storages[2]).toMatchObject({
      mode: 'ro',
      reason: 'read-only: the file system is mounted read-only'
    });
  });

  it('refuses the storage routes without the token, and writes without the XSRF pair', async () => {
    const anonymous = await request(at(`/scratch/contents?${q('')}`), 'GET');
    expect([302, 403]).toContain(anonymous.status);
    const noXsrf = await request(at(`/scratch/contents?${q('x.txt')}`), 'PUT', {
      headers: { ...server.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'file', format: 'text', content: 'x' })
    });
    expect(noXsrf.status).toBe(403);
    expect(existsSync(join(mounts.tmpfs, 'x.txt'))).toBe(false);
  });

  it('saves, reads, uploads in chunks and downloads on the tmpfs', async () => {
    let res = await request(at(`/scratch/contents?${q('a.txt')}`), 'PUT', {
      headers: lab,
      body: JSON.stringify({ type: 'file', format: 'text', content: 'through jupyter' })
    });
    expect(res.status).toBe(200);
    res = await request(at(`/scratch/contents?${q('a.txt')}&1700000000000`), 'GET', {
      headers: server.auth
    });
    expect(JSON.parse(res.body)).toMatchObject({ content: 'through jupyter', format: 'text' });

    const chunk = (n: number, text: string) =>
      request(at(`/scratch/contents?${q('up.bin')}`), 'PUT', {
        headers: lab,
        body: JSON.stringify({
          type: 'file',
          format: 'base64',
          chunk: n,
          content: Buffer.from(text).toString('base64')
        })
      });
    expect((await chunk(1, 'one,')).status).toBe(200);
    expect(existsSync(join(mounts.tmpfs, 'up.bin'))).toBe(false);
    expect((await chunk(-1, 'two')).status).toBe(200);
    expect(readFileSync(join(mounts.tmpfs, 'up.bin'), 'utf8')).toBe('one,two');

    res = await request(at(`/scratch/download?${q('up.bin')}`), 'GET', { headers: server.auth });
    expect(res.status).toBe(200);
    expect(res.body).toBe('one,two');
    expect(res.headers['content-disposition']).toBe("attachment; filename*=UTF-8''up.bin");
  });

  it('refuses a write to the read-only bind mount with the reason, changing nothing', async () => {
    const res = await request(at(`/shared/contents?${q('notes.txt')}`), 'PUT', {
      headers: lab,
      body: JSON.stringify({ type: 'file', format: 'text', content: 'overwritten' })
    });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).message).toBe(
      'shared is read-only: the file system is mounted read-only; nothing was changed'
    );
    expect(readdirSync(mounts.readOnly)).toEqual(['notes.txt']);
    expect(readFileSync(join(mounts.readOnly, 'notes.txt'), 'utf8')).toBe('read me\n');
  });

  it('keeps paths inside the storage through the proxy’s decoding', async () => {
    for (const path of [
      '../../etc/passwd',
      '/etc/passwd',
      '%2e%2e/%2e%2e/etc/passwd',
      'a/../../x'
    ]) {
      const res = await request(at(`/scratch/contents?${q(path)}`), 'GET', {
        headers: server.auth
      });
      expect([400, 404]).toContain(res.status);
      expect(res.body).not.toContain('root:x:0:0');
    }
  });

  it('copies a folder from Home to the tmpfs, its progress streamed through the proxy', async () => {
    const tree = join(server.dir, 'root', 'results');
    mkdirSync(join(tree, 'run1'), { recursive: true });
    writeFileSync(join(tree, 'run1', 'a.csv'), 'x,y\n1,2\n');
    writeFileSync(join(tree, 'summary.txt'), 'ok\n');
    const body = {
      from: { storage: 'home', path: 'results' },
      to: { storage: 'scratch', path: '' },
      mode: 'copy',
      conflict: 'keep-both'
    };
    let res = await request(at('/transfers'), 'POST', { headers: lab, body: JSON.stringify(body) });
    expect(res.status).toBe(202);
    const { id } = JSON.parse(res.body);
    res = await request(at(`/transfers/${id}/events`), 'GET', { headers: server.auth });
    expect(res.headers['content-type']).toMatch(/text\/event-stream/);
    const events = res.body
      .split('\n')
      .filter(l => l.startsWith('data: '))
      .map(l => JSON.parse(l.slice(6)));
    expect(events[events.length - 1]).toMatchObject({
      state: 'done',
      target: 'results',
      filesDone: 2,
      filesTotal: 2,
      bytesDone: 11
    });
    expect(readFileSync(join(mounts.tmpfs, 'results', 'run1', 'a.csv'), 'utf8')).toBe('x,y\n1,2\n');

    res = await request(at('/transfers'), 'POST', {
      headers: lab,
      body: JSON.stringify({ ...body, to: { storage: 'shared', path: '' } })
    });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).message).toBe(
      'shared is read-only: the file system is mounted read-only; nothing was changed'
    );
    const noXsrf = await request(at('/transfers'), 'POST', {
      headers: { ...server.auth, 'content-type': 'application/json' },
      body: JSON.stringify(body)
    });
    expect(noXsrf.status).toBe(403);
    expect(readdirSync(mounts.tmpfs).filter(n => n.startsWith('results'))).toEqual(['results']);
  });
});
