import type { SshAuthorizedKey, SshKeyInfo, SshKeyList, SshStatus } from '@hotstepper/api';
import { SSH_TUNNEL_NAME } from '@hotstepper/api/constants';
import { readdir, readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { HttpError } from '../../../errors';
import { findProgram } from '../../../platform/programs';
import type { Processes } from '../../../platform/types';
import { SSH_TUNNEL_KEY_DIR, type SshConfig } from './config';
import { homeDir, readRegular, shown, writeAtomic } from './home';
import { keygenCheck } from './keygen';
import { isComment, looksPrivate, optionNames, parseKeyLine } from './keys';

export interface SshServiceOptions {
  config: SshConfig;
  processes: Processes;
  /** The user's home: every file this service writes is inside it. */
  home: string;
  env: NodeJS.ProcessEnv;
}

/** At most this many keys in one paste: an authorized_keys text, not a dump. */
const MAX_NEW_KEYS = 50;

/** The SSH card: the image's sshd, the managed authorized_keys, the host keys. */
export class SshService {
  private edits: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: SshServiceOptions) {}

  async status(): Promise<SshStatus> {
    const { config, env, processes, home } = this.options;
    const program = await findProgram(
      'sshd',
      '/',
      [env.PATH ?? '', '/usr/sbin', '/usr/local/sbin', '/sbin'].join(':')
    );
    const sockets = await processes.listeningSockets();
    const login = config.login ?? userInfo().username;
    const host = config.hostTemplate && this.host(config.hostTemplate, login);
    const hostKeys = await publicKeys(config.hostKeyDir);
    const keptDir = await homeDir(home, config.keptHostKeyDir, false).catch(() => undefined);
    const kept = keptDir ? await publicKeys(keptDir) : [];
    const tunnelDir = await homeDir(home, SSH_TUNNEL_KEY_DIR, false).catch(() => undefined);
    return {
      installed: program !== undefined,
      ...(program ? { program } : {}),
      running: sockets.some(s => s.port === config.port),
      port: config.port,
      login,
      ...(host
        ? {
            host,
            command: `ssh ${config.port === 22 ? '' : `-p ${config.port} `}${login}@${host}`
          }
        : {}),
      ipv6Only: config.ipv6Only,
      hostKeys,
      keepHostKeys: {
        supported: config.hostKeysInHome,
        kept:
          hostKeys.length > 0 &&
          hostKeys.every(k => kept.some(c => c.fingerprint === k.fingerprint)),
        dir: `~/${config.keptHostKeyDir}`
      },
      tunnel: {
        available: config.tunnel && program !== undefined,
        path: `${SSH_TUNNEL_NAME}/`,
        hostKeys: tunnelDir ? await publicKeys(tunnelDir) : []
      }
    };
  }

  /** The admin's template filled in: `{user}`, `{server}`, `{--server}` ("--name" or nothing). */
  private host(template: string, login: string): string {
    const { env } = this.options;
    const user = env.JUPYTERHUB_USER || login;
    const server = env.JUPYTERHUB_SERVER_NAME ?? '';
    return template
      .replaceAll('{user}', user)
      .replaceAll('{server}', server)
      .replaceAll('{--server}', server ? `--${server}` : '');
  }

  async keys(): Promise<SshKeyList> {
    const { file, root } = await this.file(false);
    const text = file ? ((await readRegular(file, root)) ?? '') : '';
    const bak = file ? await readRegular(`${file}.bak`, root).catch(() => undefined) : undefined;
    return this.list(text, bak !== undefined, root);
  }

  /** Adds the public keys in `text` (checked first, each by ssh-keygen); nothing is written on a refusal. */
  add(text: string): Promise<SshKeyList> {
    return this.edit(async current => {
      const { config } = this.options;
      if (looksPrivate(text)) {
        throw new HttpError(
          400,
          'This is a PRIVATE key: it was not saved. Never paste it anywhere; paste the public one (the .pub file, e.g. ~/.ssh/id_ed25519.pub). If it left your machine, make a new key pair.'
        );
      }
      const lines = text.split(/\r?\n/).filter(line => !isComment(line));
      if (lines.length === 0) {
        throw new HttpError(
          400,
          'No key found: paste a line such as "ssh-ed25519 AAAA… you@laptop"'
        );
      }
      if (lines.length > MAX_NEW_KEYS) {
        throw new HttpError(
          400,
          `At most ${MAX_NEW_KEYS} keys at once; this text has ${lines.length}`
        );
      }
      const present = new Map(
        current
          .split('\n')
          .map((line, i) => [parseKeyLine(line)?.fingerprint, i + 1] as const)
          .filter((e): e is [string, number] => e[0] !== undefined)
      );
      const added: string[] = [];
      for (const [i, raw] of lines.entries()) {
        const line = raw.trim();
        const where = lines.length > 1 ? `Line ${i + 1}: ` : '';
        const key = parseKeyLine(line);
        if (!key) {
          const type = line.split(/\s+/)[0];
          throw new HttpError(
            400,
            `${where}this is not a public key line ("type key comment", e.g. "ssh-ed25519 AAAA… you@laptop")${
              type && !/^[A-Za-z0-9+/=]{40,}$/.test(type) && !type.includes('=')
                ? `; "${type.slice(0, 40)}" is not a key type this server knows`
                : ''
            }`
          );
        }
        if (!config.keyTypes.includes(key.type)) {
          throw new HttpError(
            400,
            `${where}keys of type ${key.type} are not accepted here; use one of: ${config.keyTypes.join(', ')}`
          );
        }
        const refused = key.options
          ? optionNames(key.options).filter(
              name => !config.allowedOptions.some(a => a.toLowerCase() === name.toLowerCase())
            )
          : [];
        if (refused.length) {
          throw new HttpError(
            400,
            `${where}the option${refused.length > 1 ? 's' : ''} ${refused.join(', ')} ${
              refused.length > 1 ? 'are' : 'is'
            } not allowed by the administrator; allowed: ${config.allowedOptions.join(', ') || 'none'}`
          );
        }
        const verdict = await keygenCheck(line);
        if (verdict && !verdict.ok) {
          throw new HttpError(
            400,
            `${where}ssh-keygen does not accept this key: ${verdict.message}`
          );
        }
        if (present.has(key.fingerprint)) {
          throw new HttpError(
            409,
            `${where}this key (${key.fingerprint}) is already in authorized_keys, line ${present.get(key.fingerprint)}`
          );
        }
        present.set(key.fingerprint, 0);
        added.push(line);
      }
      const base = current === '' || current.endsWith('\n') ? current : `${current}\n`;
      return `${base}${added.join('\n')}\n`;
    });
  }

  /** Removes every line holding the key; the other lines stay exactly as they were. */
  remove(fingerprint: string): Promise<SshKeyList> {
    return this.edit(async current => {
      const lines = current.split('\n');
      const kept = lines.filter(line => parseKeyLine(line)?.fingerprint !== fingerprint);
      if (kept.length === lines.length) {
        throw new HttpError(
          404,
          `No key ${fingerprint} in authorized_keys; it may have been removed already`
        );
      }
      return kept.join('\n');
    });
  }

  /** Copies the server's host keys into the home, where the image's sshd reads them at start. */
  async keepHostKeys(): Promise<SshStatus> {
    const { config, home } = this.options;
    if (!config.hostKeysInHome) {
      throw new HttpError(
        409,
        'This image\'s SSH server does not read host keys from the home; the administrator would have to enable it ("apps.ssh.hostKeysInHome")'
      );
    }
    const names = (await readdir(config.hostKeyDir).catch(() => [])).filter(name =>
      /^ssh_host_[a-z0-9]+_key$/.test(name)
    );
    if (names.length === 0) {
      throw new HttpError(409, `No host keys in ${config.hostKeyDir}: is the SSH server set up?`);
    }
    const files: [string, string][] = [];
    for (const name of names) {
      for (const file of [name, `${name}.pub`]) {
        try {
          files.push([file, await readFile(join(config.hostKeyDir, file), 'utf8')]);
        } catch (err) {
          throw new HttpError(
            409,
            `The server's host key ${join(config.hostKeyDir, file)} cannot be read here (${
              (err as NodeJS.ErrnoException).code
            }); the image must let the notebook's user read it to keep it`
          );
        }
      }
    }
    await this.serial(async () => {
      const dir = (await homeDir(home, config.keptHostKeyDir, true))!;
      for (const [file, text] of files) {
        await writeAtomic(join(dir, file), text);
      }
    });
    return this.status();
  }

  /** One edit at a time: read, change, back up, write atomically. */
  private edit(change: (current: string) => Promise<string>): Promise<SshKeyList> {
    return this.serial(async () => {
      const { file, root } = await this.file(true);
      const current = (await readRegular(file!, root)) ?? '';
      const next = await change(current);
      if (current !== '') {
        await writeAtomic(`${file}.bak`, current);
      }
      await writeAtomic(file!, next);
      return this.list(next, current !== '', root);
    });
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.edits.then(work, work);
    this.edits = run.catch(() => undefined);
    return run;
  }

  /** The managed file's path, its folder checked (and made, `create`) at use. */
  private async file(create: boolean): Promise<{ file?: string; root: string }> {
    const { config, home } = this.options;
    const rel = config.authorizedKeysFile;
    const dir = await homeDir(home, dirname(rel), create);
    const root = (await homeDir(home, '', false))!;
    return { file: dir && join(dir, basename(rel)), root };
  }

  private list(text: string, backup: boolean, root: string): SshKeyList {
    const keys: SshAuthorizedKey[] = [];
    const unparsed: number[] = [];
    text.split('\n').forEach((line, i) => {
      if (isComment(line)) {
        return;
      }
      const key = parseKeyLine(line);
      if (key) {
        keys.push({
          type: key.type,
          fingerprint: key.fingerprint,
          comment: key.comment,
          ...(key.options ? { options: key.options } : {}),
          line: i + 1
        });
      } else {
        unparsed.push(i + 1);
      }
    });
    return {
      path: shown(root, join(root, this.options.config.authorizedKeysFile)),
      keys,
      unparsed,
      backup
    };
  }
}

/** The keys of the `*.pub` files in a folder (a host key folder), in name order. */
async function publicKeys(dir: string): Promise<SshKeyInfo[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter(n => n.endsWith('.pub'));
  const keys: SshKeyInfo[] = [];
  for (const name of names.sort()) {
    const text = await readFile(join(dir, name), 'utf8').catch(() => '');
    const key = parseKeyLine(text.split('\n')[0] ?? '');
    if (key) {
      keys.push({ type: key.type, fingerprint: key.fingerprint });
    }
  }
  return keys;
}
