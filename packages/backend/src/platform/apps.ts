/**
 * What the apps feature needs from the world: jupyter-server-proxy's registry, a way to make it
 * start an app, what `hotstepper.apps` recorded about each app's process, the programs on PATH,
 * and signals.
 */

/** One server as jupyter-server-proxy's `servers-info` lists it. */
export interface ProxyServer {
  name: string;
  title: string;
  /** Where a person opens it, relative to the base URL, with a trailing slash. */
  path: string;
  /** The icon's URL relative to the base URL; absent: none. */
  iconPath?: string;
  /** Whether jupyter-server-proxy shows a launcher tile of its own for it. */
  launcher: boolean;
}

/** What `hotstepper.apps` wrote about an app's last start (`<name>.json`). */
export interface AppRecord {
  pid: number;
  /** Unix seconds. */
  started: number;
  /** Seconds the proxy waits for it to answer. */
  timeout: number;
  /** true once it answered, false while it has not (or did not in time). */
  ready: boolean;
  /** Unix seconds, once the process ended. */
  exited?: number;
  /** Its exit code; negative: the signal that ended it. */
  code?: number;
}

export interface AppsHost {
  /** jupyter-server-proxy's registry; rejects when the Jupyter server cannot be asked. */
  registry(): Promise<ProxyServer[]>;
  /** Asks the proxy for the app (starting it if need be); resolves with the HTTP status. */
  open(name: string, timeoutMs: number): Promise<{ status: number; body: string }>;
  /** Every app's record, by name. */
  records(): Promise<Map<string, AppRecord>>;
  /** The last lines the app wrote since its last start. */
  output(name: string, lines: number): Promise<string[]>;
  /** The program's path on PATH, or undefined. */
  which(program: string): Promise<string | undefined>;
  /** Whether the process exists and is not a zombie. */
  alive(pid: number): Promise<boolean>;
  /** Sends a signal; false when the process is gone. */
  signal(pid: number, signal: NodeJS.Signals | 0): boolean;
}
