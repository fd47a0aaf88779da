/**
 * The SSH card as a user reaches it: a real Jupyter server (token and XSRF on) starts the bundled
 * backend with a home of the test's own; keys added and removed through {base_url}hotstepper/
 * are what a real sshd on loopback lets in.
 */
import { SSH_PATHS } from '@hotstepper/api/constants';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeKey, sshTrue, startSshd } from '../test/ssh-sshd';
import { JupyterServer, request } from './jupyter';

describe('authorized_keys through a real Jupyter server', () => {
  let home: string;
  let keys: string;
  let sshd: Awaited<ReturnType<typeof startSshd>>;
  let server: JupyterServer;
  let lab: Record<string, string>;
  const at = (path: string) => `${server.url}hotstepper/${path}`;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'hs-ssh-int-home-'));
    keys = mkdtempSync(join(tmpdir(), 'hs-ssh-int-keys-'));
    sshd = await startSshd(home);
    // The backend edits $HOME/.ssh/authorized_keys: this test's home, which the sshd reads.
    server = new JupyterServer({ env: { HOME: home } });
    await server.start();
    lab = await server.labHeaders();
  });

  afterAll(async () => {
    await server?.stop();
    sshd?.stop();
    rmSync(home, { recursive: true, force: true });
    rmSync(keys, { recursive: true, force: true });
  });

  it('a key added with the token and XSRF lets ssh in; removed, it no longer does', async () => {
    const alice = makeKey(keys, 'alice', 'alice@laptop');
    const text = readFileSync(`${alice.path}.pub`, 'utf8');

    // Without the XSRF pair the backend refuses, and nothing is written.
    const refused = await request(at(SSH_PATHS.keys), 'POST', {
      headers: { ...server.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ text })
    });
    expect(refused.status).toBe(403);
    expect(await sshTrue(sshd.port, alice.path)).toBe(false);

    const added = await request(at(SSH_PATHS.keys), 'POST', {
      headers: lab,
      body: JSON.stringify({ text })
    });
    expect(added.status).toBe(200);
    expect(JSON.parse(added.body).keys).toEqual([
      { type: 'ssh-ed25519', fingerprint: alice.fingerprint, comment: 'alice@laptop', line: 1 }
    ]);
    expect(await sshTrue(sshd.port, alice.path)).toBe(true);

    const removed = await request(at(SSH_PATHS.key(alice.fingerprint)), 'DELETE', {
      headers: lab
    });
    expect(removed.status).toBe(200);
    expect(await sshTrue(sshd.port, alice.path)).toBe(false);
  });
});
