/**
 * JupyterHub's REST API as this server's own token (`JUPYTERHUB_API_TOKEN`) reaches it: who
 * the user is and in which groups, and stopping this server. The variables are those
 * JupyterHub's spawner sets. The token is sent, never logged.
 */
import type { FastifyBaseLogger } from 'fastify';

/** How long the JupyterHub API gets to answer. */
const HUB_TIMEOUT_MS = 30_000;

/** Where the hub is and who this server is, from the spawner's environment. */
export interface HubAccess {
  /** JUPYTERHUB_API_URL without a trailing slash, e.g. http://hub:8081/hub/api */
  api: string;
  token: string;
  user: string;
  /** JUPYTERHUB_SERVER_NAME; empty for the default server. */
  server: string;
}

/** The hub's access from the environment, or the first variable that is missing. */
export function hubAccess(env: NodeJS.ProcessEnv): HubAccess | { missing: string } {
  for (const name of ['JUPYTERHUB_API_URL', 'JUPYTERHUB_API_TOKEN', 'JUPYTERHUB_USER']) {
    if (!env[name]) {
      return { missing: name };
    }
  }
  return {
    api: env.JUPYTERHUB_API_URL!.replace(/\/+$/, ''),
    token: env.JUPYTERHUB_API_TOKEN!,
    user: env.JUPYTERHUB_USER!,
    server: env.JUPYTERHUB_SERVER_NAME ?? ''
  };
}

/** The stop request: where, and the token to send (never to be logged). */
export interface HubStopTarget {
  url: string;
  token: string;
}

/**
 * The stop request for this server, or the first variable that is missing.
 * `JUPYTERHUB_SERVER_NAME` empty or unset is the default server. The path and verb are those
 * of JupyterHub's REST API: `DELETE /users/{name}/server` stops the default server,
 * `DELETE /users/{name}/servers/{server_name}` a named one (202 while stopping, 204 once
 * stopped).
 */
export function hubStopTarget(env: NodeJS.ProcessEnv): HubStopTarget | { missing: string } {
  const access = hubAccess(env);
  if ('missing' in access) {
    return access;
  }
  const user = encodeURIComponent(access.user);
  const path = access.server
    ? `/users/${user}/servers/${encodeURIComponent(access.server)}`
    : `/users/${user}/server`;
  return { url: `${access.api}${path}`, token: access.token };
}

/**
 * Stops this server through JupyterHub with the server's own token (`JUPYTERHUB_API_TOKEN`).
 *
 * The token needs the scope `servers!server=<user>/<name>` (or `delete:servers` on the user),
 * which JupyterHub does not give a server's token by default: add it with
 * `c.Spawner.server_token_scopes` (JupyterHub ≥ 4.0), e.g. the shortcut `"servers!server"`
 * next to the default scopes. Without it the hub answers 403 and the failure is logged.
 *
 * Resolves true when the hub accepted (2xx). The token is sent, never logged.
 */
export async function stopThroughHub(
  target: HubStopTarget,
  log: FastifyBaseLogger,
  fetchImpl: typeof fetch = fetch
): Promise<boolean> {
  try {
    const res = await fetchImpl(target.url, {
      method: 'DELETE',
      headers: { Authorization: `token ${target.token}` },
      signal: AbortSignal.timeout(HUB_TIMEOUT_MS)
    });
    if (res.ok) {
      log.warn({ url: target.url, status: res.status }, 'JupyterHub is stopping this idle server');
      return true;
    }
    const body = (await res.text()).slice(0, 500);
    log.error(
      { url: target.url, status: res.status, body },
      `JupyterHub refused to stop this idle server (HTTP ${res.status}); the server's token needs the scope servers!server (see c.Spawner.server_token_scopes)`
    );
  } catch (err) {
    log.error({ url: target.url, err }, 'JupyterHub could not be reached to stop this idle server');
  }
  return false;
}

/** The user this server belongs to, as the hub knows them. */
export interface HubUser {
  name: string;
  groups: string[];
}

/**
 * `GET /user`: the token's owner, this server's user, with their groups. (The server's token
 * has the scopes `read:users:name` and `read:users:groups` on its own user by default.)
 * Throws when the hub cannot be reached or refuses, saying which.
 */
export async function hubUser(
  access: HubAccess,
  fetchImpl: typeof fetch = fetch
): Promise<HubUser> {
  const url = `${access.api}/user`;
  const res = await fetchImpl(url, {
    headers: { Authorization: `token ${access.token}`, Accept: 'application/json' },
    signal: AbortSignal.timeout(HUB_TIMEOUT_MS)
  });
  if (!res.ok) {
    throw new Error(`JupyterHub answered GET ${url} with HTTP ${res.status}`);
  }
  const body = (await res.json()) as { name?: unknown; groups?: unknown };
  return {
    name: typeof body.name === 'string' ? body.name : access.user,
    groups: Array.isArray(body.groups) ? body.groups.filter(g => typeof g === 'string') : []
  };
}

/** One server in JupyterHub's user model (`GET /users/{name}`), the fields read here. */
export interface HubServerModel {
  name: string;
  ready: boolean;
  pending: 'spawn' | 'stop' | string | null;
  url: string;
  started: string | null;
  last_activity: string | null;
  stopped?: boolean;
}

/** The hub refused or failed: its status and what to tell the user. */
export class HubRefused extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
  }
}

/** The hub's `message` from an error body, if it has one. */
async function hubMessage(res: Response): Promise<string> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { message?: unknown };
    return typeof body.message === 'string' ? body.message : text.slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}

/**
 * The user's servers, stopped named ones included (`GET /users/{name}?include_stopped_servers`,
 * scope `read:servers!user`). Throws HubRefused saying which scope is missing on a 403.
 */
export async function hubServers(
  access: HubAccess,
  fetchImpl: typeof fetch = fetch
): Promise<HubServerModel[]> {
  const url = `${access.api}/users/${encodeURIComponent(access.user)}?include_stopped_servers`;
  const res = await fetchImpl(url, {
    headers: { Authorization: `token ${access.token}`, Accept: 'application/json' },
    signal: AbortSignal.timeout(HUB_TIMEOUT_MS)
  });
  if (res.status === 403) {
    throw new HubRefused(
      403,
      "JupyterHub does not let this server read your servers: its token needs the scope read:servers!user (the admin's c.Spawner.server_token_scopes)"
    );
  }
  if (!res.ok) {
    throw new HubRefused(
      res.status,
      `JupyterHub answered HTTP ${res.status}: ${await hubMessage(res)}`
    );
  }
  const body = (await res.json()) as { servers?: Record<string, Omit<HubServerModel, 'name'>> };
  return Object.entries(body.servers ?? {}).map(([name, s]) => ({ ...s, name }));
}

/**
 * Starts, stops or removes one of the user's servers (`POST` / `DELETE
 * /users/{name}/server[s/{server}]`, `{"remove": true}` to remove a named one; scope
 * `servers!user`). Throws HubRefused with the hub's own message (a limit reached, a name it
 * refuses) or the missing scope.
 */
export async function hubServerAction(
  access: HubAccess,
  name: string,
  action: 'start' | 'stop' | 'remove',
  fetchImpl: typeof fetch = fetch
): Promise<void> {
  const user = encodeURIComponent(access.user);
  const path = name
    ? `/users/${user}/servers/${encodeURIComponent(name)}`
    : `/users/${user}/server`;
  const res = await fetchImpl(`${access.api}${path}`, {
    method: action === 'start' ? 'POST' : 'DELETE',
    headers: { Authorization: `token ${access.token}`, 'content-type': 'application/json' },
    body: action === 'start' ? '{}' : action === 'remove' ? '{"remove": true}' : undefined,
    signal: AbortSignal.timeout(HUB_TIMEOUT_MS)
  });
  if (res.status === 403) {
    throw new HubRefused(
      403,
      "JupyterHub does not let this server start, stop or remove your servers: its token needs the scope servers!user (the admin's c.Spawner.server_token_scopes)"
    );
  }
  if (!res.ok) {
    throw new HubRefused(res.status, await hubMessage(res));
  }
}

/** Who holds a token, as the hub tells a service: the owner's name and the token's scopes. */
export interface TokenOwner {
  name: string;
  kind: string;
  scopes: string[];
}

/**
 * The owner of a token someone sent us, or undefined when the hub refuses it: `GET /user` asked
 * with that token, as JupyterHub's own HubAuth does (the answer carries the token's scopes).
 * Throws when the hub cannot be reached or answers otherwise. The token is sent, never logged.
 */
export async function tokenOwner(
  api: string,
  token: string,
  fetchImpl: typeof fetch = fetch
): Promise<TokenOwner | undefined> {
  const res = await fetchImpl(`${api.replace(/\/+$/, '')}/user`, {
    headers: { Authorization: `token ${token}`, Accept: 'application/json' },
    signal: AbortSignal.timeout(HUB_TIMEOUT_MS)
  });
  if (res.status === 401 || res.status === 403) {
    return undefined;
  }
  if (!res.ok) {
    throw new Error(`JupyterHub answered GET ${api}/user with HTTP ${res.status}`);
  }
  const body = (await res.json()) as { name?: unknown; kind?: unknown; scopes?: unknown };
  return {
    name: typeof body.name === 'string' ? body.name : '',
    kind: typeof body.kind === 'string' ? body.kind : 'user',
    scopes: Array.isArray(body.scopes) ? body.scopes.filter(s => typeof s === 'string') : []
  };
}
