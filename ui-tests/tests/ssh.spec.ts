/**
 * @hotstepper/apps: the SSH card. A real sshd on loopback (port 2292 and host keys in
 * /tmp/hs-ui-ssh/etc, as the test config says) reads the file the panel manages (the test config
 * puts it in ~/.cache/hotstepper-ui-tests, where no other sshd looks); a key pasted in the panel
 * lets ssh in, and once removed it no longer does.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { expect, inBothThemes, screenshot, test } from './helpers';

const PANEL_ID = 'hs-apps-panel';
const PORT = 2292;
const MANAGED = path.join(os.homedir(), '.cache', 'hotstepper-ui-tests');
const AUTHORIZED_KEYS = path.join(MANAGED, 'ssh', 'authorized_keys');
const HOST_KEYS = '/tmp/hs-ui-ssh/etc';

let dir: string;
let sshd: ChildProcess | undefined;

function makeKey(name: string, comment: string): { key: string; pub: string } {
  const key = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', key]);
  return { key, pub: fs.readFileSync(`${key}.pub`, 'utf8') };
}

/** `ssh -i key user@127.0.0.1 -p PORT true` against the test's sshd: whether it let the key in. */
function sshTrue(key: string): Promise<boolean> {
  const options = ['BatchMode=yes', 'IdentitiesOnly=yes', 'StrictHostKeyChecking=no'];
  return new Promise(resolve =>
    execFile(
      'ssh',
      [
        ...['-F', '/dev/null', '-p', String(PORT), '-i', key],
        ...options.flatMap(o => ['-o', o]),
        ...['-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR'],
        `${os.userInfo().username}@127.0.0.1`,
        'true'
      ],
      { timeout: 30_000 },
      err => resolve(!err)
    )
  );
}

test.beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-ui-ssh-'));
  fs.rmSync(MANAGED, { recursive: true, force: true });
  fs.mkdirSync('/run/sshd', { recursive: true });
  fs.rmSync(HOST_KEYS, { recursive: true, force: true });
  fs.mkdirSync(HOST_KEYS, { recursive: true });
  const hostKey = path.join(HOST_KEYS, 'ssh_host_ed25519_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    config,
    [
      `Port ${PORT}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${AUTHORIZED_KEYS}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'UsePAM no',
      `PidFile ${path.join(dir, 'sshd.pid')}`
    ].join('\n') + '\n'
  );
  sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: 'ignore' });
});

test.afterAll(() => {
  if (sshd && sshd.exitCode === null && sshd.signalCode === null) {
    sshd.kill('SIGTERM');
  }
  fs.rmSync(MANAGED, { recursive: true, force: true });
  fs.rmSync(path.dirname(HOST_KEYS), { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
});

test('adds a pasted key, which lets ssh in, and removes it, which shuts ssh out', async ({
  page
}, info) => {
  const alice = makeKey('alice', 'alice@laptop');
  const bob = makeKey('bob', 'bob@desktop');
  await page.sidebar.openTab(PANEL_ID);
  const card = page.locator(`#${PANEL_ID} .hs-SshCard`);
  await expect(card.locator('.hs-SshCard-state')).toHaveText(
    `The SSH server is running on port ${PORT}.`,
    { timeout: 30_000 }
  );
  await expect(card.getByLabel('SSH command', { exact: true })).toHaveText(
    `ssh -p ${PORT} jovyan@jupyter-jovyan.dyn.cloud.e-infra.cz`
  );
  await expect(card).toContainText('reachable over IPv6 only');
  await expect(card).toContainText('No keys yet');

  // A private key is refused with a warning, and nothing is written.
  const input = card.getByLabel(/Add a public key/);
  await input.fill(fs.readFileSync(alice.key, 'utf8'));
  await card.getByRole('button', { name: 'Add key' }).click();
  await expect(card.getByRole('alert')).toContainText('PRIVATE key: it was not saved');
  expect(fs.existsSync(AUTHORIZED_KEYS)).toBe(false);

  await input.fill(alice.pub);
  await card.getByRole('button', { name: 'Add key' }).click();
  const keys = card.getByRole('list', { name: 'Authorized keys' });
  await expect(keys).toContainText('alice@laptop');
  await expect(input).toHaveValue('');
  expect(await sshTrue(alice.key)).toBe(true);

  // The second key comes as an uploaded .pub file.
  await card.getByLabel('Public key file').setInputFiles(`${bob.key}.pub`);
  await expect(keys).toContainText('bob@desktop');

  // The host key the card shows is the one ssh sees; keeping it copies it into the home.
  await card.getByText('Host key fingerprints (compare on first connection)').click();
  const fingerprint = execFileSync(
    'ssh-keygen',
    ['-l', '-f', path.join(HOST_KEYS, 'ssh_host_ed25519_key.pub')],
    {
      encoding: 'utf8'
    }
  ).split(' ')[1];
  await expect(card.getByRole('list', { name: 'Host key fingerprints' })).toHaveText(
    `ssh-ed25519 ${fingerprint}`
  );
  await card.getByRole('button', { name: 'Keep my host keys' }).click();
  await expect(card).toContainText(
    'Kept in ~/.cache/hotstepper-ui-tests/host_keys: they stay the same after a restart.'
  );
  expect(fs.readFileSync(path.join(MANAGED, 'host_keys', 'ssh_host_ed25519_key.pub'), 'utf8')).toBe(
    fs.readFileSync(path.join(HOST_KEYS, 'ssh_host_ed25519_key.pub'), 'utf8')
  );

  await inBothThemes(page, async theme => {
    await screenshot(card, `ssh-card-${theme}`, info);
  });

  const remove = card.getByRole('button', { name: 'Remove key alice@laptop' });
  await remove.focus();
  await page.keyboard.press('Enter');
  await expect(keys).not.toContainText('alice@laptop');
  await expect(card.getByRole('status')).toContainText('Key removed.');
  expect(await sshTrue(alice.key)).toBe(false);
  expect(await sshTrue(bob.key)).toBe(true);

  await card.getByRole('button', { name: 'Remove key bob@desktop' }).click();
  await expect(card).toContainText('No keys yet');
});
