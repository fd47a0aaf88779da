import { SSH_PATHS } from '@hotstepper/api/constants';
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpRequest, startTestServer, type TestServer } from './helpers';
import { makeKey, sshTrue, startSshd } from './ssh-sshd';

const XSRF = '2|ssh|';
const MUTATE = { cookie: `_xsrf=${XSRF}`, 'x-xsrftoken': XSRF, 'content-type': 'application/json' };
const CORRUPT = 'ssh-ed25519 this-is-not-base64 broken@line';

describe('authorized_keys through the backend, checked by a real sshd', () => {
  let home: string;
  let keys: string;
  let server: TestServer;
  let sshd: Awaited<ReturnType<typeof startSshd>>;
  const savedHome = process.env.HOME;

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await httpRequest(server.socket, {
      method,
      path: `/${path}`,
      headers: method === 'GET' ? {} : MUTATE,
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.statusCode, body: res.json() as any };
  };
  const file = () => join(home, '.ssh', 'authorized_keys');

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'hs-ssh-home-'));
    keys = mkdtempSync(join(tmpdir(), 'hs-ssh-keys-'));
    sshd = await startSshd(home);
    process.env.HOME = home;
    server = await startTestServer({
      config: {
        apps: {
          ssh: {
            port: sshd.port,
            hostKeyDir: sshd.hostKeyDir,
            hostTemplate: 'jupyter-{user}{--server}.dyn.example.org',
            ipv6Only: true,
            login: 'jovyan',
            hostKeysInHome: true
          }
        }
      }
    });
  }, 60_000);
  afterAll(async () => {
    process.env.HOME = savedHome;
    await server?.close();
    sshd?.stop();
    rmSync(home, { recursive: true, force: true });
    rmSync(keys, { recursive: true, force: true });
  });

  it('lets a key added in the panel in, keeps lines it does not understand, and shuts it out once removed', async () => {
    mkdirSync(join(home, '.ssh'), { mode: 0o755 });
    writeFileSync(file(), `# written by hand\n${CORRUPT}\n`, { mode: 0o644 });
    const alice = makeKey(keys, 'alice', 'alice@laptop');
    expect(await sshTrue(sshd.port, alice.path)).toBe(false);
    // The backend reads this home's file (and no other) before anything is written.
    expect((await call('GET', SSH_PATHS.keys)).body).toEqual({
      path: '~/.ssh/authorized_keys',
      keys: [],
      unparsed: [2],
      backup: false
    });

    const added = await call('POST', SSH_PATHS.keys, {
      text: readFileSync(`${alice.path}.pub`, 'utf8')
    });
    expect(added.status).toBe(200);
    expect(added.body).toEqual({
      path: '~/.ssh/authorized_keys',
      keys: [
        { type: 'ssh-ed25519', fingerprint: alice.fingerprint, comment: 'alice@laptop', line: 3 }
      ],
      unparsed: [2],
      backup: true
    });
    expect(await sshTrue(sshd.port, alice.path)).toBe(true);
    expect(statSync(file()).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, '.ssh')).mode & 0o777).toBe(0o700);
    expect(readFileSync(`${file()}.bak`, 'utf8')).toBe(`# written by hand\n${CORRUPT}\n`);

    const bob = makeKey(keys, 'bob', 'bob@desktop');
    await call('POST', SSH_PATHS.keys, { text: readFileSync(`${bob.path}.pub`, 'utf8') });
    const removed = await call('DELETE', SSH_PATHS.key(alice.fingerprint));
    expect(removed.status).toBe(200);
    expect(removed.body.keys.map((k: { comment: string }) => k.comment)).toEqual(['bob@desktop']);
    expect(await sshTrue(sshd.port, alice.path)).toBe(false);
    expect(await sshTrue(sshd.port, bob.path)).toBe(true);
    const text = readFileSync(file(), 'utf8');
    expect(text.split('\n').slice(0, 2)).toEqual(['# written by hand', CORRUPT]);
    expect(text).not.toContain('alice@laptop');
    expect(readFileSync(`${file()}.bak`, 'utf8')).toContain('alice@laptop');

    const again = await call('DELETE', SSH_PATHS.key(alice.fingerprint));
    expect(again.status).toBe(404);
  }, 60_000);

  it('refuses private keys, unknown types, disallowed options and duplicates, writing nothing', async () => {
    const carol = makeKey(keys, 'carol', 'carol@lab');
    const before = readFileSync(file(), 'utf8');
    const pub = readFileSync(`${carol.path}.pub`, 'utf8').trim();
    const refusals: [unknown, number, RegExp][] = [
      [readFileSync(carol.path, 'utf8'), 400, /PRIVATE key: it was not saved/],
      [`ssh-dss ${pub.split(' ')[1]} old`, 400, /not a public key line/],
      [`command="/bin/sh" ${pub}`, 400, /option command is not allowed by the administrator/],
      [`${pub}\nnot a key at all`, 400, /^Line 2: this is not a public key line/],
      ['   \n# only a comment\n', 400, /No key found/]
    ];
    for (const [text, status, message] of refusals) {
      const res = await call('POST', SSH_PATHS.keys, { text });
      expect([res.status, res.body.message]).toEqual([status, expect.stringMatching(message)]);
    }
    const badRemoval = await call('DELETE', SSH_PATHS.key('carol@lab'));
    expect([badRemoval.status, badRemoval.body.message]).toEqual([
      400,
      expect.stringContaining('a key fingerprint as ssh-keygen -l prints it')
    ]);
    expect(readFileSync(file(), 'utf8')).toBe(before);
    expect(await sshTrue(sshd.port, carol.path)).toBe(false);

    const limited = await call('POST', SSH_PATHS.keys, { text: `from="127.0.0.1",no-pty ${pub}` });
    expect(limited.status).toBe(200);
    expect(limited.body.keys.at(-1)).toMatchObject({
      options: 'from="127.0.0.1",no-pty',
      comment: 'carol@lab'
    });
    expect(await sshTrue(sshd.port, carol.path)).toBe(true);
    const twice = await call('POST', SSH_PATHS.keys, { text: pub });
    expect(twice.status).toBe(409);
    expect(twice.body.message).toMatch(/already in authorized_keys, line \d+/);
    expect(readFileSync(file(), 'utf8')).toContain(CORRUPT);
  }, 60_000);

  it('shows the server running, the command, its host keys, and keeps them in the home', async () => {
    const res = await call('GET', SSH_PATHS.status);
    const hostFingerprint = makeKeyFingerprint(`${sshd.hostKey}.pub`);
    expect(res.body).toMatchObject({
      installed: true,
      running: true,
      port: sshd.port,
      command: `ssh -p ${sshd.port} jovyan@jupyter-${process.env.JUPYTERHUB_USER || 'jovyan'}.dyn.example.org`,
      ipv6Only: true,
      hostKeys: [{ type: 'ssh-ed25519', fingerprint: hostFingerprint }],
      keepHostKeys: { supported: true, kept: false, dir: '~/.ssh/host_keys' },
      tunnel: { available: true, path: 'hotstepper-ssh/' }
    });
    const kept = await call('POST', SSH_PATHS.keepHostKeys);
    expect(kept.body.keepHostKeys.kept).toBe(true);
    const copy = join(home, '.ssh', 'host_keys', 'ssh_host_ed25519_key');
    expect(readFileSync(copy, 'utf8')).toBe(readFileSync(sshd.hostKey, 'utf8'));
    expect(statSync(copy).mode & 0o777).toBe(0o600);
  });

  it('refuses to follow a symbolic link out of the home', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'hs-ssh-outside-'));
    try {
      rmSync(join(home, '.ssh'), { recursive: true });
      symlinkSync(outside, join(home, '.ssh'));
      const res = await call('POST', SSH_PATHS.keys, {
        text: readFileSync(join(keys, 'alice.pub'), 'utf8')
      });
      expect(res.status).toBe(409);
      expect(res.body.message).toMatch(/~\/\.ssh is a symbolic link/);
      expect(() => statSync(join(outside, 'authorized_keys'))).toThrow();

      // The file itself as a link to a file elsewhere: neither read nor replaced.
      rmSync(join(home, '.ssh'));
      mkdirSync(join(home, '.ssh'), { mode: 0o700 });
      writeFileSync(join(outside, 'elsewhere'), 'kept\n');
      symlinkSync(join(outside, 'elsewhere'), file());
      const listed = await call('GET', SSH_PATHS.keys);
      expect([listed.status, listed.body.message]).toEqual([
        409,
        expect.stringMatching(/~\/\.ssh\/authorized_keys is a symbolic link/)
      ]);
      const added = await call('POST', SSH_PATHS.keys, {
        text: readFileSync(join(keys, 'alice.pub'), 'utf8')
      });
      expect(added.status).toBe(409);
      expect(readFileSync(join(outside, 'elsewhere'), 'utf8')).toBe('kept\n');
    } finally {
      rmSync(join(home, '.ssh'), { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

function makeKeyFingerprint(pub: string): string {
  return /SHA256:\S+/.exec(execFileSync('ssh-keygen', ['-l', '-f', pub], { encoding: 'utf8' }))![0];
}
