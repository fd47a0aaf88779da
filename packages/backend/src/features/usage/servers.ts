/**
 * My servers: the user's servers under JupyterHub, started and stopped through the hub's API
 * with this server's own token. Outside a hub the list says so and nothing else is asked.
 */
import { ErrorResponse, HubServerAction, HubServerList, type HubServer } from '@hotstepper/api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HttpError } from '../../errors';
import {
  hubAccess,
  HubRefused,
  hubServerAction,
  hubServers,
  type HubServerModel
} from '../../platform/hub';
import type { UsageDeps } from './deps';

function stateOf(s: HubServerModel): HubServer['state'] {
  if (s.ready) {
    return 'running';
  }
  return s.pending === 'spawn' ? 'starting' : s.pending === 'stop' ? 'stopping' : 'stopped';
}

export const serverRoutes: FastifyPluginAsyncTypebox<UsageDeps> = async (app, deps) => {
  const env = deps.env ?? process.env;
  const limit = deps.config.usage.serverLimit;

  app.get(
    '/servers',
    {
      schema: {
        summary: "The user's servers under JupyterHub (My servers)",
        tags: ['usage'],
        response: { 200: HubServerList }
      }
    },
    async () => {
      const access = hubAccess(env);
      if ('missing' in access) {
        return {
          available: false,
          reason: 'This server does not run under JupyterHub.',
          user: null,
          limit,
          running: 0,
          servers: []
        };
      }
      try {
        const servers = (await hubServers(access))
          .map(s => ({
            name: s.name,
            current: s.name === access.server,
            state: stateOf(s),
            url: s.ready || s.pending ? s.url : null,
            started: s.started ?? null,
            lastActivity: s.last_activity ?? null
          }))
          // The default server first, then by name.
          .sort((a, b) => (a.name === '' ? -1 : b.name === '' ? 1 : a.name.localeCompare(b.name)));
        return {
          available: true,
          user: access.user,
          limit,
          running: servers.filter(s => s.state !== 'stopped').length,
          servers
        };
      } catch (err) {
        return {
          available: false,
          reason: (err as Error).message,
          user: access.user,
          limit,
          running: 0,
          servers: []
        };
      }
    }
  );

  app.post(
    '/servers',
    {
      schema: {
        summary: "Start, stop or remove one of the user's other servers through JupyterHub",
        tags: ['usage'],
        body: HubServerAction,
        response: {
          202: HubServerAction,
          400: ErrorResponse,
          409: ErrorResponse,
          502: ErrorResponse
        }
      }
    },
    async (req, reply) => {
      const access = hubAccess(env);
      if ('missing' in access) {
        throw new HttpError(
          400,
          'This server does not run under JupyterHub: it has no other servers'
        );
      }
      const { name, action } = req.body;
      if (action === 'remove' && name === '') {
        throw new HttpError(400, 'The default server cannot be removed, only stopped');
      }
      if (action !== 'start' && name === access.server) {
        throw new HttpError(
          409,
          'This is the server this page runs on; stop it from the hub’s home page (File → Hub Control Panel)'
        );
      }
      try {
        await hubServerAction(access, name, action);
      } catch (err) {
        if (err instanceof HubRefused) {
          // The hub's own words for what the user can fix (a limit, a name); its refusals of
          // this server's token are the admin's to fix.
          throw new HttpError(err.status === 400 ? 409 : 502, err.message);
        }
        throw new HttpError(502, `JupyterHub could not be reached: ${(err as Error).message}`);
      }
      return reply.code(202).send(req.body);
    }
  );
};
