import { readFileSync } from 'node:fs';
import { access, readFile } from 'node:fs/promises';

/** Whether anything is at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Reads a small text file, or undefined when it does not exist. */
export async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw err;
  }
}

/**
 * Reads a small kernel file (/proc, /sys) at once, or undefined when it is not there. These
 * never wait on a disk, and a synchronous read costs a fraction of an asynchronous one's
 * thread-pool round trip: the sampler reads dozens every few seconds.
 */
export function readKernelFile(path: string, { strict = false } = {}): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    // strict: only a missing file is "not there"; anything else (EACCES…) is an error.
    if (strict && (err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw err;
    }
    return undefined;
  }
}

/** Parses `key value` lines (cpu.stat, memory.stat) into numbers. */
export function parseKeyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^-?\d+$/.test(value)) {
      out.set(key, Number(value));
    }
  }
  return out;
}

export function monotonicSeconds(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}
