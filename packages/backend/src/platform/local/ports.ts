/**
 * The TCP ports the user's own processes listen on, read from /proc: listening sockets
 * (state 0A) from /proc/net/tcp and tcp6, their inodes matched to the `socket:[inode]`
 * links in /proc/<pid>/fd of the processes owned by our uid. No subprocess, no `ss`: one
 * scan reads a few small files and one directory per process, cheap enough to poll.
 */
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ListeningSocket, PortListener, PortScanOptions } from '../types';

/** "0100007F" → "127.0.0.1": the kernel prints each 32-bit word in host (little-endian) order. */
export function hexToIPv4(hex: string): string {
  const n = parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join('.');
}

/** 32 hex digits, four little-endian 32-bit words, → the compressed IPv6 text form. */
export function hexToIPv6(hex: string): string {
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (let b = 3; b >= 0; b--) {
      bytes.push(parseInt(word.slice(b * 2, b * 2 + 2), 16));
    }
  }
  // An IPv4-mapped address (::ffff:a.b.c.d) reads best as the IPv4 address.
  if (bytes.slice(0, 10).every(b => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return bytes.slice(12).join('.');
  }
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) {
    groups.push((bytes[i] << 8) | bytes[i + 1]);
  }
  // The longest run of two or more zero groups becomes "::".
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) {
      j++;
    }
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const text = (gs: number[]) => gs.map(g => g.toString(16)).join(':');
  return best < 0
    ? text(groups)
    : `${text(groups.slice(0, best))}::${text(groups.slice(best + bestLen))}`;
}

/** Listening sockets of one /proc/net/tcp{,6} table (of `uid`, or everyone's): inode → socket. */
export function parseTcpTable(
  text: string,
  v6: boolean,
  uid?: number
): Map<string, ListeningSocket> {
  const out = new Map<string, ListeningSocket>();
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // sl local rem st queues tr retrnsmt uid timeout inode
    if (f.length < 10 || f[3] !== '0A' || (uid !== undefined && Number(f[7]) !== uid)) {
      continue;
    }
    const [hexAddr, hexPort] = f[1].split(':');
    const inode = f[9];
    if (inode === '0') {
      continue;
    }
    out.set(inode, {
      port: parseInt(hexPort, 16),
      address: v6 ? hexToIPv6(hexAddr) : hexToIPv4(hexAddr),
      uid: Number(f[7])
    });
  }
  return out;
}

async function readOr(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

/** Every listening TCP socket on the machine, whoever owns it: the kernel's tables only, no process. */
export async function scanListeningSockets(proc = '/proc'): Promise<ListeningSocket[]> {
  return [
    ...parseTcpTable(await readOr(join(proc, 'net', 'tcp')), false).values(),
    ...parseTcpTable(await readOr(join(proc, 'net', 'tcp6')), true).values()
  ].sort((a, b) => a.port - b.port || a.address.localeCompare(b.address) || a.uid - b.uid);
}

/**
 * One scan: every TCP port a process of `uid` listens on, with the process and its command
 * line, sorted by port. A port listened on at several addresses (0.0.0.0 and ::) is listed
 * once per address.
 */
export async function scanListeningPorts(
  options: PortScanOptions & { proc?: string } = {}
): Promise<PortListener[]> {
  const proc = options.proc ?? '/proc';
  const uid = options.uid ?? process.getuid?.();
  const sockets = new Map([
    ...parseTcpTable(await readOr(join(proc, 'net', 'tcp')), false, uid),
    ...parseTcpTable(await readOr(join(proc, 'net', 'tcp6')), true, uid)
  ]);
  if (!sockets.size) {
    return [];
  }
  const pids = (await readdir(proc)).filter(name => /^\d+$/.test(name)).map(Number);
  const found: PortListener[] = [];
  await Promise.all(
    pids.map(async pid => {
      if (options.excludePids?.has(pid)) {
        return;
      }
      const dir = join(proc, String(pid));
      try {
        if (uid !== undefined && (await stat(dir)).uid !== uid) {
          return;
        }
        const fds = await readdir(join(dir, 'fd'));
        const targets = await Promise.all(
          fds.map(fd => readlink(join(dir, 'fd', fd)).catch(() => ''))
        );
        const inodes = targets
          .map(t => /^socket:\[(\d+)\]$/.exec(t)?.[1])
          .filter((inode): inode is string => inode !== undefined && sockets.has(inode));
        if (!inodes.length) {
          return;
        }
        const command = (await readOr(join(dir, 'cmdline'))).replace(/\0+$/, '').split('\0');
        for (const inode of inodes) {
          const { port, address } = sockets.get(inode)!;
          found.push({ port, address, pid, command: command.join(' ') });
        }
      } catch {
        // The process ended while we looked, or its fds are not ours to read.
      }
    })
  );
  // A socket shared by a parent and its forked children appears once, under the lowest pid.
  const unique = new Map<string, PortListener>();
  for (const l of found.sort((a, b) => a.pid - b.pid)) {
    const key = `${l.address}|${l.port}`;
    if (!unique.has(key)) {
      unique.set(key, l);
    }
  }
  return [...unique.values()].sort((a, b) => a.port - b.port || a.address.localeCompare(b.address));
}
