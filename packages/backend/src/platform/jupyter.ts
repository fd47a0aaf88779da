/**
 * This backend's own Jupyter server, reached as a client: its REST API (kernels, sessions)
 * and each kernel's channels. The entry point names the server's info file
 * (`HOTSTEPPER_JUPYTER_INFO_FILE`, the `jpserver-<pid>.json` Jupyter writes once it
 * listens, private to the user): it holds the bound address and the token. Under
 * JupyterHub the server's own `JUPYTERHUB_API_TOKEN` is the credential when the file has
 * none. The token goes in an Authorization header only: never in a URL, never logged.
 *
 * A kernel with a listener counts as connected: with `cull_connected` off (Jupyter's
 * default) the server's kernel culler leaves it alone.
 */
import { readFile } from 'node:fs/promises';
import WebSocket from 'ws';

/** How long the Jupyter server gets to answer a REST call. */
const JUPYTER_TIMEOUT_MS = 15_000;

/** A kernel as `GET /api/kernels` lists it. */
export interface JupyterKernel {
  id: string;
  name: string;
  last_activity?: string;
  execution_state?: string;
}

/** A session as `GET /api/sessions` lists it: which kernel serves which document. */
export interface JupyterSession {
  id: string;
  path: string;
  type?: string;
  kernel: { id: string } | null;
}

/** A Jupyter message as the channels websocket sends it (JSON, no subprotocol). */
export interface JupyterMessage {
  channel: string;
  msg_type: string;
  header: { msg_id?: string; msg_type?: string; date?: string };
  parent_header: { msg_id?: string; msg_type?: string };
  content: Record<string, unknown>;
}

/** What the activity watcher needs of the Jupyter server. */
export interface JupyterServerClient {
  kernels(): Promise<JupyterKernel[]>;
  sessions(): Promise<JupyterSession[]>;
  /** Listens to a kernel's channels; the caller never sends on them. */
  listen(
    kernelId: string,
    on: { message(msg: JupyterMessage): void; close(): void }
  ): Promise<{ close(): void }>;
}

export interface Access {
  /** http://host:port/base_url/ */
  base: string;
  token: string;
}

/** Reads the server's info file: where it listens and its token. */
export async function readAccess(infoFile: string, env: NodeJS.ProcessEnv): Promise<Access> {
  const info = JSON.parse(await readFile(infoFile, 'utf8')) as {
    hostname?: string;
    port?: number;
    sock?: string;
    secure?: boolean;
    base_url?: string;
    token?: string;
  };
  if (info.sock) {
    throw new Error('the Jupyter server listens on a unix socket, which the watcher cannot reach');
  }
  // A wildcard address is reachable on loopback.
  const host =
    !info.hostname || ['0.0.0.0', '::', 'localhost', ''].includes(info.hostname)
      ? '127.0.0.1'
      : info.hostname.includes(':')
        ? `[${info.hostname}]`
        : info.hostname;
  const base = `${info.secure ? 'https' : 'http'}://${host}:${info.port}${info.base_url ?? '/'}`;
  return { base, token: info.token || env.JUPYTERHUB_API_TOKEN || '' };
}

/** The client of the own Jupyter server, or undefined when the entry point named no info file. */
export function ownJupyterServer(env: NodeJS.ProcessEnv): JupyterServerClient | undefined {
  const infoFile = env.HOTSTEPPER_JUPYTER_INFO_FILE;
  if (!infoFile) {
    return undefined;
  }
  // Read when first needed: the file is written once the server listens.
  let access: Promise<Access> | undefined;
  const resolveAccess = () => {
    access ??= readAccess(infoFile, env).catch(err => {
      access = undefined;
      throw err;
    });
    return access;
  };
  const headers = (a: Access): Record<string, string> =>
    a.token ? { authorization: `token ${a.token}` } : {};

  const get = async <T>(path: string): Promise<T> => {
    const a = await resolveAccess();
    // no_track_activity: polling must not keep an idle server from the hub's culler.
    const res = await fetch(new URL(`${path}?no_track_activity=1`, a.base), {
      headers: headers(a),
      signal: AbortSignal.timeout(JUPYTER_TIMEOUT_MS)
    });
    if (!res.ok) {
      throw new Error(`the Jupyter server answered ${res.status} to GET ${path}`);
    }
    return (await res.json()) as T;
  };

  return {
    kernels: () => get<JupyterKernel[]>('api/kernels'),
    sessions: () => get<JupyterSession[]>('api/sessions'),
    async listen(kernelId, on) {
      const a = await resolveAccess();
      const url = new URL(`api/kernels/${encodeURIComponent(kernelId)}/channels`, a.base);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      const ws = new WebSocket(url, { headers: headers(a), handshakeTimeout: JUPYTER_TIMEOUT_MS });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', err => reject(err));
      });
      ws.on('error', () => undefined); // 'close' follows and says it.
      ws.on('message', (data, isBinary) => {
        if (isBinary) {
          return; // Binary frames carry buffers (widgets, images): nothing the journal keeps.
        }
        try {
          on.message(JSON.parse(data.toString()) as JupyterMessage);
        } catch {
          // A frame that is not a message is not ours to judge.
        }
      });
      ws.once('close', () => on.close());
      return { close: () => ws.close() };
    }
  };
}
