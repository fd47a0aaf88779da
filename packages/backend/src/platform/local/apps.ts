/** The apps' world on this machine: the own Jupyter server's proxy, the state directory, PATH. */
import { open as openFile, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppRecord, AppsHost, ProxyServer } from '../apps';
import { type Access, readAccess } from '../jupyter';
import { findProgram } from '../programs';

/** The most of an app's log read for its last lines. */
const TAIL_BYTES = 16 * 1024;

interface ServersInfo {
  server_processes: Array<{
    name: string;
    launcher_entry?: { enabled?: boolean; title?: string; path_info?: string; icon_url?: string };
  }>;
}

export class LocalAppsHost implements AppsHost {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  private access?: Promise<Access>;

  private async jupyter(): Promise<Access> {
    const infoFile = this.env.HOTSTEPPER_JUPYTER_INFO_FILE;
    if (!infoFile) {
      throw new Error('the Jupyter server did not say where it listens (no info file)');
    }
    this.access ??= readAccess(infoFile, this.env).catch(err => {
      this.access = undefined;
      throw err;
    });
    return this.access;
  }

  private async get(path: string, timeoutMs: number): Promise<Response> {
    const a = await this.jupyter();
    return fetch(new URL(path, a.base), {
      headers: a.token ? { authorization: `token ${a.token}` } : {},
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs)
    });
  }

  async registry(): Promise<ProxyServer[]> {
    const res = await this.get('server-proxy/servers-info', 15_000);
    if (!res.ok) {
      throw new Error(`the Jupyter server answered ${res.status} to GET server-proxy/servers-info`);
    }
    const base = new URL((await this.jupyter()).base).pathname;
    const info = (await res.json()) as ServersInfo;
    return info.server_processes.map(s => {
      const entry = s.launcher_entry ?? {};
      const icon = entry.icon_url?.startsWith(base) ? entry.icon_url.slice(base.length) : undefined;
      return {
        name: s.name,
        title: entry.title || s.name,
        path: `${(entry.path_info || s.name).replace(/^\/+|\/+$/g, '')}/`,
        iconPath: icon,
        launcher: entry.enabled !== false
      };
    });
  }

  async open(name: string, timeoutMs: number): Promise<{ status: number; body: string }> {
    const res = await this.get(`${encodeURIComponent(name)}/`, timeoutMs);
    return { status: res.status, body: (await res.text()).slice(0, 2000) };
  }

  private get dir(): string | undefined {
    return this.env.HOTSTEPPER_APPS_DIR || undefined;
  }

  async records(): Promise<Map<string, AppRecord>> {
    const found = new Map<string, AppRecord>();
    if (!this.dir) {
      return found;
    }
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter(n => n.endsWith('.json'));
    } catch {
      return found;
    }
    await Promise.all(
      names.map(async file => {
        try {
          const record = JSON.parse(await readFile(join(this.dir!, file), 'utf8')) as AppRecord;
          if (Number.isInteger(record.pid) && record.pid > 0) {
            found.set(file.slice(0, -'.json'.length), record);
          }
        } catch {
          // Being replaced right now: the next query reads it.
        }
      })
    );
    return found;
  }

  async output(name: string, lines: number): Promise<string[]> {
    if (!this.dir) {
      return [];
    }
    try {
      const file = await openFile(join(this.dir, `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.log`));
      try {
        const { size } = await file.stat();
        const start = Math.max(0, size - TAIL_BYTES);
        const buffer = Buffer.alloc(size - start);
        await file.read(buffer, 0, buffer.length, start);
        const text = buffer.toString('utf8').split(/\r?\n/);
        if (start > 0) {
          text.shift(); // a partial first line
        }
        return text.filter(line => line.trim()).slice(-lines);
      } finally {
        await file.close();
      }
    } catch {
      return [];
    }
  }

  which(program: string): Promise<string | undefined> {
    return findProgram(program, '/', this.env.PATH ?? '');
  }

  async alive(pid: number): Promise<boolean> {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
    } catch {
      return false;
    }
  }

  signal(pid: number, signal: NodeJS.Signals | 0): boolean {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}
