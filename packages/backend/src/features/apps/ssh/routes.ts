import {
  ErrorResponse,
  SshAddKeys,
  SshKeyFingerprint,
  SshKeyList,
  SshStatus
} from '@hotstepper/api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { homedir } from 'node:os';
import type { Config } from '../../../config';
import type { Processes } from '../../../platform/types';
import { SshService } from './service';

/** What the SSH card is given. */
export interface SshDeps {
  config: Config;
  processes: Processes;
  /** Default: the home of the user the backend runs as ($HOME). */
  home?: string;
  env?: NodeJS.ProcessEnv;
}

/** The SSH card: the image's sshd, its host keys, the managed authorized_keys. */
export const sshRoutes: FastifyPluginAsyncTypebox<SshDeps> = async (app, deps) => {
  const service = new SshService({
    config: deps.config.apps.ssh,
    processes: deps.processes,
    // $HOME as this process sees it (what ssh and sshd use for ~), else the password database's.
    home: deps.home ?? (process.env.HOME || homedir()),
    env: deps.env ?? process.env
  });
  const tags = ['apps'];
  const errors = { 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

  app.get(
    '/',
    {
      schema: {
        summary: 'The SSH server of this image, the command to reach it and its host keys',
        tags,
        response: { 200: SshStatus, 409: ErrorResponse }
      }
    },
    () => service.status()
  );
  app.post(
    '/host-keys/keep',
    {
      schema: {
        summary: "Copy the server's host keys into the home, where the image's sshd reads them",
        tags,
        response: { 200: SshStatus, ...errors }
      }
    },
    () => service.keepHostKeys()
  );
  app.get(
    '/keys',
    {
      schema: {
        summary: 'The keys of the managed authorized_keys',
        tags,
        response: { 200: SshKeyList, 409: ErrorResponse }
      }
    },
    () => service.keys()
  );
  app.post(
    '/keys',
    {
      schema: {
        summary:
          'Add public keys (pasted or uploaded); private keys, unknown types and disallowed options are refused',
        tags,
        body: SshAddKeys,
        response: { 200: SshKeyList, ...errors }
      }
    },
    req => service.add(req.body.text)
  );
  app.delete(
    '/keys',
    {
      schema: {
        summary: 'Remove every line holding this key',
        tags,
        querystring: SshKeyFingerprint,
        response: { 200: SshKeyList, ...errors }
      }
    },
    req => service.remove(req.query.fingerprint)
  );
};
