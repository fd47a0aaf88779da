import { type IAnswer, failing, settingsRouting } from '@hotstepper/core/lib/testing';
import type { Contents } from '@jupyterlab/services';
import { StorageDrive } from '../src/drive';

const entry = (name: string) => ({
  name,
  path: `big/${name}`,
  type: 'file',
  writable: true,
  created: '2026-01-01T00:00:00.000Z',
  last_modified: '2026-01-01T00:00:00.000Z',
  mimetype: 'text/plain',
  size: 1,
  format: null,
  content: null
});

function driveOver(routes: Record<string, IAnswer | (() => IAnswer)>, seen: Request[] = []) {
  return new StorageDrive('scratch', settingsRouting(routes, seen), () => ({
    showHidden: false,
    maxOpenBytes: 1024
  }));
}

describe('StorageDrive', () => {
  it('brings a big folder page by page, in order', async () => {
    const seen: Request[] = [];
    const folder = { ...entry('big'), path: 'big', type: 'directory', format: 'json', total: 3 };
    const drive = driveOver(
      {
        'GET api/v1/storage/scratch/contents': () => {
          const offset = new URL(seen[seen.length - 1].url).searchParams.get('offset');
          return {
            status: 200,
            body: {
              ...folder,
              content: offset === '2' ? [entry('c')] : [entry('a'), entry('b')]
            }
          };
        }
      },
      seen
    );
    const model = await drive.get('big', { content: true });
    expect((model.content as Contents.IModel[]).map(e => e.name)).toEqual(['a', 'b', 'c']);
    const queries = seen.map(r => new URL(r.url).searchParams);
    expect(queries.map(q => q.get('offset'))).toEqual([null, '2']);
    expect(queries[0].get('path')).toBe('big');
    expect(queries[0].get('maxBytes')).toBe('1024');
    expect(queries[0].has('hidden')).toBe(false);
  });

  it('tells open browsers of a save only once an upload is complete', async () => {
    const seen: Request[] = [];
    const saved = { ...entry('up.bin'), path: 'up.bin' };
    const drive = driveOver(
      { 'PUT api/v1/storage/scratch/contents': { status: 200, body: saved } },
      seen
    );
    const changes: Contents.IChangedArgs[] = [];
    drive.fileChanged.connect((_, args) => changes.push(args));
    await drive.save('up.bin', { type: 'file', format: 'base64', content: 'AA==', chunk: 1 });
    await drive.save('up.bin', { type: 'file', format: 'base64', content: 'AA==', chunk: 2 });
    expect(changes).toEqual([]);
    await drive.save('up.bin', { type: 'file', format: 'base64', content: 'AA==', chunk: -1 });
    expect(changes).toEqual([{ type: 'save', oldValue: null, newValue: saved }]);
    expect(await seen[0].clone().json()).toEqual({
      type: 'file',
      format: 'base64',
      content: 'AA==',
      chunk: 1
    });
    expect(new URL(seen[0].url).searchParams.get('path')).toBe('up.bin');
  });

  it('rejects a refused save with the backend’s reason', async () => {
    const reason = 'shared is read-only: members of course-ml may only read; nothing was changed';
    const drive = driveOver({ 'PUT api/v1/storage/scratch/contents': failing(403, reason) });
    await expect(
      drive.save('a.txt', { type: 'file', format: 'text', content: 'x' })
    ).rejects.toThrow(reason);
  });

  it('renames, deletes and copies, telling open browsers', async () => {
    const seen: Request[] = [];
    const drive = driveOver(
      {
        'POST api/v1/storage/scratch/rename': { status: 200, body: entry('b') },
        'DELETE api/v1/storage/scratch/contents': { status: 204, body: null },
        'POST api/v1/storage/scratch/copy': { status: 201, body: entry('b-Copy1') }
      },
      seen
    );
    const kinds: string[] = [];
    drive.fileChanged.connect((_, args) => kinds.push(args.type));
    await drive.rename('big/a', 'big/b');
    await drive.delete('big/b');
    await drive.copy('big/b', 'big');
    expect(kinds).toEqual(['rename', 'delete', 'new']);
    expect(await seen[0].clone().json()).toEqual({ path: 'big/a', to: 'big/b' });
    expect(await seen[2].clone().json()).toEqual({ path: 'big/b', to: 'big' });
  });

  it('downloads through the backend with the path in the query', async () => {
    const drive = driveOver({});
    expect(await drive.getDownloadUrl('a b/c.csv')).toBe(
      'http://localhost:8888/hotstepper/api/v1/storage/scratch/download?path=a+b%2Fc.csv'
    );
  });
});
