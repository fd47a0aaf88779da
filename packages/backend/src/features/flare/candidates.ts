/**
 * Which listening ports are web apps a person may want to expose, and which belong to the
 * machinery around them: the Jupyter server this backend runs under (an ancestor of the
 * backend), other Jupyter servers, kernels (their ZMQ ports), language servers, and the backend
 * itself. Those are never exposed: the list leaves them out unless asked, and exposing one is
 * refused with the reason.
 */
import { request } from 'node:http';
import type { ListeningPortKind } from '@hotstepper/api';
import type { PortListener, ProcessNode } from '../../platform/types';

/** A kernel is started with its connection file (`-f …/kernel-<id>.json`), whatever its language. */
const KERNEL = /(?:^|[\s/=])kernel-[\w-]+\.json(?:\s|$)|\bipykernel_launcher\b|\b-m ipykernel\b/;
/** Jupyter servers by their entry points (`jupyter lab`, `jupyter-server`, `-m jupyter …`, the hub's). */
const JUPYTER =
  /(?:^|[\s/])(?:jupyter-(?:lab|notebook|server|labhub|singleuser)|jupyterhub-singleuser)(?:\s|$)|(?:^|[\s/])jupyter\s+(?:lab|notebook|server)(?:\s|$)|\s-m\s+jupyter(?:lab|_server|hub\.singleuser)?\b|\s-m\s+jupyter\s+(?:lab|notebook|server)\b/;
/** Language servers JupyterLab's LSP starts (pylsp, pyright, the *-language-server family…). */
const LANGUAGE_SERVER =
  /\b(?:pylsp|pyls|jedi-language-server|[\w-]*-?langserver|[\w-]*language-?server|texlab|julia-lsp)\b|languageserver::run/i;

/** A Hotstepper backend (this one's pid is known; another Jupyter server's by its bundle). */
const BACKEND = /[\\/]hotstepper[\\/]backend[\\/]main\.js(?:\s|$)/;

/** Why a port of this kind is not an app to expose, as a person reads it. */
export function kindReason(kind: ListeningPortKind, ancestor: boolean): string | undefined {
  switch (kind) {
    case 'app':
      return undefined;
    case 'jupyter':
      return ancestor
        ? 'the Jupyter server you are using (it has its own address and login)'
        : 'a Jupyter server (it has its own address and login)';
    case 'kernel':
      return "a kernel's messaging (ZMQ) port: kernels talk to Jupyter, not to browsers";
    case 'language-server':
      return "a language server for JupyterLab's editor, not a web app";
    case 'backend':
      return "Hotstepper's own backend (it runs this proxy), not an app";
  }
}

/** What a listening port belongs to. */
export function classifyListener(
  listener: Pick<PortListener, 'pid' | 'command'>,
  context: { backendPid: number; ancestors: ReadonlySet<number> }
): { kind: ListeningPortKind; reason?: string } {
  const command = ` ${listener.command} `;
  const ancestor = context.ancestors.has(listener.pid);
  const kind: ListeningPortKind =
    listener.pid === context.backendPid || BACKEND.test(command)
      ? 'backend'
      : ancestor || JUPYTER.test(command)
        ? 'jupyter'
        : KERNEL.test(command)
          ? 'kernel'
          : LANGUAGE_SERVER.test(command)
            ? 'language-server'
            : 'app';
  const reason = kindReason(kind, ancestor);
  return reason ? { kind, reason } : { kind };
}

/** The processes `pid` runs under, nearest first (its parent, the parent's parent…). */
export function ancestorsOf(pid: number, processes: Pick<ProcessNode, 'pid' | 'ppid'>[]): number[] {
  const parent = new Map(processes.map(p => [p.pid, p.ppid]));
  const out: number[] = [];
  for (let p = parent.get(pid); p !== undefined && p > 1 && !out.includes(p); p = parent.get(p)) {
    out.push(p);
  }
  return out;
}

/** Where to reach a listener from here: a wildcard address on loopback. */
function reachable(address: string): string {
  return address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '::1' : address;
}

/**
 * Whether something answers HTTP at the listener: a HEAD / that gets any HTTP status line
 * within `timeoutMs`. A ZMQ socket, a database or a silent TCP server does not.
 */
export function answersHttp(address: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise(resolve => {
    const req = request(
      {
        host: reachable(address),
        port,
        method: 'HEAD',
        path: '/',
        agent: false,
        timeout: timeoutMs,
        headers: { host: `localhost:${port}`, 'user-agent': 'hotstepper-flare-probe' }
      },
      res => {
        res.resume();
        req.destroy();
        resolve(true);
      }
    );
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}
