import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../src/config';
import { StorageService } from '../src/features/storage/service';
import { LocalStorageHost } from '../src/platform/local/storage';
import { httpRequest, startTestServer } from './helpers';
import { mountSshfs } from './storage-sshfs';

const XSRF = '2|sshfs|';
const MUTATE = { cookie: `_xsrf=${XSRF}`, 'x-xsrftoken': XSRF, 'content-type': 'application/json' };

describe('a real fuse.sshfs mount (an sshd on loopback)', () => {
  let sshfs: Awaited<ReturnType<typeof mountSshfs>>;
  beforeAll(async () => {
    sshfs = await mountSshfs();
    writeFileSync(join(sshfs.remote, 'thesis.md'), '# on the remote side\n');
  }, 60_000);
  afterAll(() => sshfs?.teardown());

  it('is discovered from the mount table by its type, with its capacity', async () => {
    const list = await new StorageService({
      config: parseConfig({}).storage,
      host: new LocalStorageHost({ env: {} }),
      rootDir: sshfs.base
    }).list();
    const found = list.storages.find(s => s.path === sshfs.mountPoint);
    expect(found).toMatchObject({
      name: 'meta-alice',
      label: 'alice',
      source: 'discovered',
      fsType: 'fuse.sshfs',
      available: true,
      mode: 'rw'
    });
    expect(found!.description).toMatch(/^fuse\.sshfs from .+@127\.0\.0\.1:/);
    expect(found!.capacity).toBeGreaterThan(0);
  });

  it('is a drive whose files are read and written on the remote side', async () => {
    const server = await startTestServer({
      rootDir: sshfs.base,
      config: {
        storage: {
          discover: { enabled: false },
          mounts: [{ name: 'meta', path: sshfs.mountPoint, kind: 'metacentrum' }]
        }
      }
    });
    try {
      const list = JSON.parse(
        (await httpRequest(server.socket, { method: 'GET', path: '/api/v1/storage' })).body
      );
      expect(list.storages[1]).toMatchObject({
        name: 'meta',
        kind: 'metacentrum',
        fsType: 'fuse.sshfs'
      });
      const read = await httpRequest(server.socket, {
        method: 'GET',
        path: '/api/v1/storage/meta/contents?path=thesis.md'
      });
      expect(read.json()).toMatchObject({ content: '# on the remote side\n' });
      const saved = await httpRequest(server.socket, {
        method: 'PUT',
        path: '/api/v1/storage/meta/contents?path=thesis.md',
        headers: MUTATE,
        body: JSON.stringify({ type: 'file', format: 'text', content: '# edited\n' })
      });
      expect(saved.statusCode).toBe(200);
      expect(readFileSync(join(sshfs.remote, 'thesis.md'), 'utf8')).toBe('# edited\n');
    } finally {
      await server.close();
    }
  });
});
