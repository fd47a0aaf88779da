import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, listening } from './ssh-sshd';

/**
 * A real `fuse.sshfs` mount standing for a MetaCentrum home: an sshd on loopback with keys
 * generated here (Debian's openssh-server), and Debian's sshfs mounting a folder through it.
 * `teardown` unmounts and stops the sshd by its pid.
 */
export async function mountSshfs() {
  const base = mkdtempSync(join(tmpdir(), 'hs-sshfs-'));
  const remote = join(base, 'remote-home');
  const mountPoint = join(base, 'meta', 'alice');
  mkdirSync(remote);
  mkdirSync(mountPoint, { recursive: true });
  mkdirSync('/run/sshd', { recursive: true });
  const hostKey = join(base, 'host_ed25519');
  const userKey = join(base, 'user_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', userKey]);
  writeFileSync(join(base, 'authorized_keys'), execFileSync('cat', [`${userKey}.pub`]), {
    mode: 0o600
  });
  const port = await freePort();
  const config = join(base, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${join(base, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'UsePAM no',
      `PidFile ${join(base, 'sshd.pid')}`,
      'Subsystem sftp internal-sftp'
    ].join('\n') + '\n'
  );
  const sshd: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], {
    stdio: 'ignore'
  });
  let mounted = false;
  const teardown = () => {
    if (mounted) {
      execFileSync('umount', ['-l', mountPoint]);
      mounted = false;
    }
    if (sshd.exitCode === null && sshd.signalCode === null) {
      sshd.kill('SIGTERM');
    }
    rmSync(base, { recursive: true, force: true });
  };
  try {
    await listening(port, Date.now() + 15_000);
    const user = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
    execFileSync('sshfs', [
      `${user}@127.0.0.1:${remote}`,
      mountPoint,
      '-p',
      String(port),
      '-o',
      `IdentityFile=${userKey},StrictHostKeyChecking=no,UserKnownHostsFile=/dev/null,BatchMode=yes,LogLevel=ERROR`
    ]);
    mounted = true;
  } catch (err) {
    teardown();
    throw err;
  }
  return { base, remote, mountPoint, teardown };
}
