import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { looksPrivate, optionNames, parseKeyLine } from '../src/features/apps/ssh/keys';

describe('reading authorized_keys lines as sshd does', () => {
  let dir: string;
  let pub: string;
  let fingerprint: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hs-ssh-parse-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', '', '-C', 'x', '-f', join(dir, 'k')]);
    pub = readFileSync(join(dir, 'k.pub'), 'utf8').trim();
    fingerprint = /SHA256:\S+/.exec(
      execFileSync('ssh-keygen', ['-l', '-f', join(dir, 'k.pub')], { encoding: 'utf8' })
    )![0];
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("computes ssh-keygen's fingerprint and keeps the comment with its spaces", () => {
    const [type, data] = pub.split(' ');
    expect(parseKeyLine(`${type} ${data} Alice Smith's laptop\r`)).toMatchObject({
      type: 'ecdsa-sha2-nistp256',
      fingerprint,
      comment: "Alice Smith's laptop"
    });
  });

  it('reads options, quoted values with spaces and commas included', () => {
    const options = 'from="10.0.0.1,10.0.0.2",command="echo hi, there",no-pty';
    const key = parseKeyLine(`${options} ${pub}`);
    expect(key).toMatchObject({ options, fingerprint });
    expect(optionNames(options)).toEqual(['from', 'command', 'no-pty']);
  });

  it('does not take a damaged key, a blob of another type, or a comment for a key', () => {
    const [, data] = pub.split(' ');
    expect(parseKeyLine(`ssh-ed25519 ${data} claims another type`)).toBeUndefined();
    expect(parseKeyLine(`ecdsa-sha2-nistp256 ${data.slice(0, 20)}`)).toBeUndefined();
    expect(parseKeyLine('# ecdsa-sha2-nistp256 AAAA')).toBeUndefined();
    expect(parseKeyLine('')).toBeUndefined();
  });

  it('recognises private keys in the OpenSSH, PEM and PuTTY formats', () => {
    expect(looksPrivate(readFileSync(join(dir, 'k'), 'utf8'))).toBe(true);
    expect(looksPrivate('-----BEGIN RSA PRIVATE KEY-----\nMIIE')).toBe(true);
    expect(looksPrivate('PuTTY-User-Key-File-3: ssh-ed25519')).toBe(true);
    expect(looksPrivate(pub)).toBe(false);
  });
});
