import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../src/config';
import { LocalStorageHost, groupNames } from '../src/platform/local/storage';
import { mountOf, parseMountinfo } from '../src/platform/storage';
import { StorageService, modeByRules } from '../src/features/storage/service';
import { useHubStandIn } from './hub-standin';
import { df, makeMounts } from './storage-mounts';

const MiB = 1024 * 1024;

describe('storage sources: real mounts, statfs, groups and rules', () => {
  let mounts: ReturnType<typeof makeMounts>;
  beforeAll(() => {
    mounts = makeMounts(64);
    writeFileSync(join(mounts.source, 'data.txt'), 'shared data\n');
  });
  afterAll(() => mounts.teardown());

  it('reads the real mount table: the tmpfs with its type, the bind mount read-only', async () => {
    const entries = await new LocalStorageHost({ env: {} }).mounts();
    const scratch = entries.find(e => e.mountPoint === mounts.tmpfs);
    expect(scratch).toMatchObject({ fsType: 'tmpfs', source: 'hs-test', readOnly: false });
    const bound = mountOf(entries, join(mounts.readOnly, 'data.txt'));
    expect(bound?.mountPoint).toBe(mounts.readOnly);
    expect(bound?.readOnly).toBe(true);
    expect(bound?.root).not.toBe('/'); // a bind mount of a folder
  });

  it('decodes escaped mount points and super-block read-only flags', () => {
    const text =
      '36 25 0:32 / /home/meta/al\\040ice rw,nosuid - fuse.sshfs alice@storage:/home ro,user_id=0\n' +
      '37 25 0:33 / /proc rw - proc proc rw\n';
    const [first] = parseMountinfo(text);
    expect(first).toEqual({
      root: '/',
      mountPoint: '/home/meta/al ice',
      fsType: 'fuse.sshfs',
      source: 'alice@storage:/home',
      readOnly: true
    });
  });

  it('gives capacity, used and free as df does', async () => {
    writeFileSync(join(mounts.tmpfs, 'ballast'), Buffer.alloc(5 * MiB, 1));
    const figures = await new LocalStorageHost({ env: {} }).space(mounts.tmpfs);
    const d = df(mounts.tmpfs);
    expect(figures.capacity).toBe(64 * MiB);
    expect(figures).toEqual({ capacity: d.size, used: d.used, free: d.avail });
    expect(figures.used).toBeGreaterThanOrEqual(5 * MiB);
  });

  it('discovers mounts of the listed types and leaves pseudo file systems out', async () => {
    const host = new LocalStorageHost({ env: {} });
    const service = (types?: string[]) =>
      new StorageService({
        config: parseConfig({ storage: { discover: types ? { types } : {} } }).storage,
        host,
        rootDir: mounts.base
      });
    // The default list holds network and FUSE types: no tmpfs, proc, sysfs, overlay.
    const plain = await service().list();
    const types = new Set(plain.storages.map(s => s.fsType));
    for (const pseudo of ['proc', 'sysfs', 'cgroup2', 'devpts', 'mqueue']) {
      expect(types.has(pseudo)).toBe(false);
    }
    expect(plain.storages.some(s => s.path === mounts.tmpfs)).toBe(false);
    // With tmpfs listed, the test's tmpfs is found with its figures.
    const listed = await service(['tmpfs']).list();
    const scratch = listed.storages.find(s => s.path === mounts.tmpfs);
    expect(scratch).toMatchObject({
      source: 'discovered',
      fsType: 'tmpfs',
      available: true,
      capacity: 64 * MiB,
      mode: 'rw'
    });
  });

  it('shows the Jupyter root as Home and a read-only bind mount with its reason', async () => {
    const config = parseConfig({
      storage: {
        discover: { enabled: false },
        mounts: [
          { name: 'shared', path: mounts.readOnly, kind: 'shared' },
          { name: 'scratch', path: mounts.tmpfs, kind: 'project', description: 'Scratch' }
        ]
      }
    }).storage;
    const list = await new StorageService({
      config,
      host: new LocalStorageHost({ env: {} }),
      rootDir: mounts.base
    }).list();
    expect(list.groupsSource).toBe('os');
    expect(list.storages.map(s => s.name)).toEqual(['home', 'shared', 'scratch']);
    expect(list.storages[0]).toMatchObject({ kind: 'home', label: 'Home', path: mounts.base });
    expect(list.storages[1]).toMatchObject({
      mode: 'ro',
      reason: 'read-only: the file system is mounted read-only'
    });
    expect(list.storages[2]).toMatchObject({ mode: 'rw', description: 'Scratch' });
  });

  it('marks a path that cannot be reached, instead of failing the list', async () => {
    const config = parseConfig({
      storage: { mounts: [{ name: 'gone', path: '/nonexistent/{user}', kind: 'other' }] }
    }).storage;
    const list = await new StorageService({
      config,
      host: new LocalStorageHost({ env: {} }),
      rootDir: mounts.base
    }).list();
    const gone = list.storages.find(s => s.name === 'gone')!;
    expect(gone.available).toBe(false);
    expect(gone.path).toBe(`/nonexistent/${list.user}`);
    expect(gone.problem).toMatch(/ENOENT/);
  });
});

describe('storage access rules', () => {
  it('grants the most a matching rule gives, and says which rule', () => {
    const rules = [
      { group: 'course-students', mode: 'ro' as const },
      { group: 'course-teachers', mode: 'rw' as const }
    ];
    expect(modeByRules(rules, ['course-students'])).toEqual({ mode: 'ro', rule: rules[0] });
    expect(modeByRules(rules, ['course-students', 'course-teachers'])).toEqual({
      mode: 'rw',
      rule: rules[1]
    });
    expect(modeByRules(rules, ['others'])).toBeUndefined();
    expect(modeByRules([], [])).toEqual({ mode: 'rw' });
    expect(modeByRules([{ group: '*', mode: 'ro' }], [])).toEqual({
      mode: 'ro',
      rule: { group: '*', mode: 'ro' }
    });
  });

  it('names OS groups from /etc/group, members included', () => {
    const text = 'root:x:0:\nstaff:x:50:alice,bob\nusers:x:100:\n';
    expect(groupNames(text, [0, 100, 4242], 'alice')).toEqual(['root', 'users', '4242', 'staff']);
  });

  it('reads the real OS groups of this process', async () => {
    const identity = await new LocalStorageHost({ env: {} }).identity();
    const primary = readFileSync('/etc/group', 'utf8')
      .split('\n')
      .find(l => l.split(':')[2] === String(process.getgid!()))
      ?.split(':')[0];
    expect(identity.source).toBe('os');
    expect(identity.groups).toContain(primary);
  });

  describe('under JupyterHub', () => {
    const hub = useHubStandIn();

    it('takes the groups from the hub with the server token, cached', async () => {
      const base = makeMounts(8);
      try {
        const config = parseConfig({
          storage: {
            mounts: [
              {
                name: 'course',
                path: base.tmpfs,
                kind: 'shared',
                access: [
                  { group: 'course-ml', mode: 'ro' },
                  { group: 'course-ml-teachers', mode: 'rw' }
                ]
              },
              {
                name: 'secret',
                path: base.tmpfs,
                kind: 'shared',
                access: [{ group: 'admins', mode: 'rw' }]
              }
            ]
          }
        }).storage;
        const service = new StorageService({
          config,
          host: new LocalStorageHost({ env: hub.env(), groupsCacheSeconds: 60 }),
          rootDir: base.base
        });
        const list = await service.list();
        await service.list();
        expect(hub.requests).toEqual([
          { method: 'GET', url: '/hub/api/user', authorization: 'token s3cret' }
        ]);
        expect(list).toMatchObject({
          user: 'alice',
          groups: ['course-ml', 'staff'],
          groupsSource: 'hub'
        });
        expect(list.storages.map(s => s.name)).toEqual(['home', 'course']);
        expect(list.storages[1]).toMatchObject({
          mode: 'ro',
          reason: 'read-only: members of course-ml may only read',
          rule: { group: 'course-ml', mode: 'ro' }
        });
        await expect(service.place('secret')).rejects.toMatchObject({ statusCode: 404 });
      } finally {
        base.teardown();
      }
    });

    it('says when the hub refuses, and asks again next time', async () => {
      hub.status = 403;
      const host = new LocalStorageHost({ env: hub.env() });
      const service = new StorageService({
        config: parseConfig({}).storage,
        host,
        rootDir: '/tmp'
      });
      await expect(service.list()).rejects.toMatchObject({
        statusCode: 502,
        message: expect.stringContaining('HTTP 403')
      });
      hub.status = 204;
      await expect(service.list()).resolves.toMatchObject({ groupsSource: 'hub' });
      expect(hub.requests).toHaveLength(2);
    });
  });
});
