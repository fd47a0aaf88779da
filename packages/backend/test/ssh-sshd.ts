import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export function freePort(): Promise<number> {
  return new Promise(resolve => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts connections on the loopback port, or throws at `deadline`. */
export async function listening(port: number, deadline: number): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>(resolve => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`sshd did not listen on port ${port}`);
    }
    await new Promise(r => setTimeout(r, 50));
  }
}

/** A key pair made by ssh-keygen: the private key's path and the public line. */
export function makeKey(dir: string, name: string, comment: string) {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  const fingerprint = /SHA256:\S+/.exec(
    execFileSync('ssh-keygen', ['-l', '-f', `${path}.pub`], { encoding: 'utf8' })
  )![0];
  return { path, fingerprint };
}

/**
 * Debian's sshd on a loopback port, as the user running the tests, reading the authorized_keys
 * of the home given (the managed file) and a host key made here. `stop` ends it by its pid.
 */
export async function startSshd(home: string) {
  const base = mkdtempSync(join(tmpdir(), 'hs-sshd-'));
  mkdirSync('/run/sshd', { recursive: true });
  const hostKeyDir = join(base, 'etc');
  mkdirSync(hostKeyDir);
  const hostKey = join(hostKeyDir, 'ssh_host_ed25519_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'host', '-f', hostKey]);
  const port = await freePort();
  const config = join(base, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${join(home, '.ssh', 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      // The temp folders above the home are world-writable (/tmp): the modes are checked by the test.
      'StrictModes no',
      'UsePAM no',
      `PidFile ${join(base, 'sshd.pid')}`
    ].join('\n') + '\n'
  );
  const sshd: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], {
    stdio: 'ignore'
  });
  const stop = () => {
    if (sshd.exitCode === null && sshd.signalCode === null) {
      sshd.kill('SIGTERM');
    }
    rmSync(base, { recursive: true, force: true });
  };
  try {
    await listening(port, Date.now() + 15_000);
  } catch (err) {
    stop();
    throw err;
  }
  return { port, hostKeyDir, hostKey, stop };
}

/** `ssh -p port -i key user@127.0.0.1 true`: whether the server let the key in. */
export function sshTrue(port: number, key: string, extra: string[] = []): Promise<boolean> {
  return new Promise(resolve => {
    execFile(
      'ssh',
      [
        '-F',
        '/dev/null',
        '-p',
        String(port),
        '-i',
        key,
        '-o',
        'BatchMode=yes',
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'LogLevel=ERROR',
        ...extra,
        `${userInfo().username}@127.0.0.1`,
        'true'
      ],
      { timeout: 30_000 },
      err => resolve(!err)
    );
  });
}
