import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What `ssh-keygen -l -f` says of one authorized_keys line: its fingerprint, or why it refuses it. */
export type KeygenVerdict = { ok: true; fingerprint: string } | { ok: false; message: string };

/**
 * OpenSSH's own check of a key line, on a private temp file (ssh-keygen reads files only).
 * Undefined when ssh-keygen is not installed: the caller's own parsing then stands alone.
 */
export async function keygenCheck(line: string): Promise<KeygenVerdict | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'hs-ssh-key-'));
  try {
    const file = join(dir, 'key.pub');
    await writeFile(file, `${line}\n`, { mode: 0o600 });
    return await new Promise(resolve => {
      execFile(
        'ssh-keygen',
        ['-l', '-E', 'sha256', '-f', file],
        { timeout: 10_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } },
        (err, stdout, stderr) => {
          if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
            resolve(undefined);
          } else if (err) {
            const said = stderr.replace(file, 'the key').trim() || err.message;
            resolve({ ok: false, message: said });
          } else {
            const fingerprint = /\b(SHA256:[A-Za-z0-9+/]+)/.exec(stdout)?.[1];
            resolve(
              fingerprint
                ? { ok: true, fingerprint }
                : { ok: false, message: 'ssh-keygen printed no fingerprint' }
            );
          }
        }
      );
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
