import { createHash } from 'node:crypto';

/** One line of an authorized_keys file, as sshd(8) reads it: `[options] type base64 [comment]`. */
export interface KeyLine {
  options?: string;
  type: string;
  /** The decoded key blob. */
  blob: Buffer;
  comment: string;
  fingerprint: string;
}

/** "SHA256:…" exactly as OpenSSH prints it: unpadded base64 of the blob's SHA-256. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** A private key in any of the formats people paste by mistake. */
export function looksPrivate(text: string): boolean {
  return /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----|PuTTY-User-Key-File-/.test(text);
}

/** A blank line or a `#` comment: kept, never shown. */
export function isComment(line: string): boolean {
  return /^\s*(#|$)/.test(line);
}

/** The first field of `line` (options may hold spaces inside double quotes) and the rest. */
function firstField(line: string): [string, string] {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"' && line[i - 1] !== '\\') {
      quoted = !quoted;
    } else if (!quoted && (c === ' ' || c === '\t')) {
      return [line.slice(0, i), line.slice(i).replace(/^[ \t]+/, '')];
    }
  }
  return [line, ''];
}

/** The key type written inside a blob (its first SSH string). */
function blobType(blob: Buffer): string | undefined {
  if (blob.length < 4) {
    return undefined;
  }
  const length = blob.readUInt32BE(0);
  return length > 0 && length < 64 && blob.length >= 4 + length
    ? blob.subarray(4, 4 + length).toString('latin1')
    : undefined;
}

function keyPart(type: string, rest: string): KeyLine | undefined {
  const [data, comment] = firstField(rest);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data)) {
    return undefined;
  }
  const blob = Buffer.from(data, 'base64');
  // A key whose blob names another type (or none) is not one sshd would accept as written.
  if (blobType(blob) !== type) {
    return undefined;
  }
  return { type, blob, comment: comment.trim(), fingerprint: fingerprintOf(blob) };
}

/** The line as a key, or undefined when it is not one this code understands (it is then kept untouched). */
export function parseKeyLine(line: string): KeyLine | undefined {
  const text = line.replace(/\r$/, '').trim();
  if (isComment(text)) {
    return undefined;
  }
  const [first, rest] = firstField(text);
  const plain = keyPart(first, rest);
  if (plain) {
    return plain;
  }
  const [type, afterType] = firstField(rest);
  const withOptions = keyPart(type, afterType);
  return withOptions && { ...withOptions, options: first };
}

/** The names of a line's options (`from="…",no-pty` → ["from", "no-pty"]). */
export function optionNames(options: string): string[] {
  const names: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i <= options.length; i++) {
    const c = options[i];
    if (c === '"' && options[i - 1] !== '\\') {
      quoted = !quoted;
    } else if (i === options.length || (!quoted && c === ',')) {
      const option = options.slice(start, i);
      names.push(option.split('=')[0]);
      start = i + 1;
    }
  }
  return names.filter(Boolean);
}
