import { HOME_PATH_PATTERN } from '@hotstepper/api';
import { Type, type Static } from '@sinclair/typebox';

/** Key types a line may have; `ssh-dss` (DSA) is gone from OpenSSH 10 and left out. */
export const SSH_KEY_TYPES = [
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com'
];

/** Options that only narrow what a key may do; `command=`, `environment=`… need the admin's say. */
export const SSH_SAFE_OPTIONS = [
  'from',
  'expiry-time',
  'restrict',
  'no-agent-forwarding',
  'no-port-forwarding',
  'no-pty',
  'no-user-rc',
  'no-X11-forwarding'
];

const HomePath = Type.String({ pattern: HOME_PATH_PATTERN });

/** The SSH card's admin settings (`apps.ssh`). */
export const SshConfig = Type.Object(
  {
    /** The port the image's sshd listens on. */
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 2222 }),
    /** The address users connect to: `{user}`, `{server}` and `{--server}` ("--name" for a named server, else empty). */
    hostTemplate: Type.Optional(Type.String({ minLength: 1 })),
    /** The address has no IPv4 route (the card says so and points to SSH over HTTPS). */
    ipv6Only: Type.Boolean({ default: false }),
    /** The name to log in as; default the user the backend runs as. */
    login: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._][A-Za-z0-9._-]*$' })),
    /** The managed file, relative to the home. */
    authorizedKeysFile: Type.String({ ...HomePath, default: '.ssh/authorized_keys' }),
    /** Key types accepted when a key is added. */
    keyTypes: Type.Array(Type.String({ minLength: 1 }), { default: SSH_KEY_TYPES }),
    /** Option names (`from`, `no-pty`…) a key line may carry; any other is refused. */
    allowedOptions: Type.Array(Type.String({ minLength: 1 }), { default: SSH_SAFE_OPTIONS }),
    /** Where the running sshd's host keys are (`ssh_host_*_key[.pub]`). */
    hostKeyDir: Type.String({ minLength: 1, default: '/etc/ssh' }),
    /** The image's sshd reads its host keys from `keptHostKeyDir` when they are there. */
    hostKeysInHome: Type.Boolean({ default: false }),
    /** Where kept host keys go, relative to the home. */
    keptHostKeyDir: Type.String({ ...HomePath, default: '.ssh/host_keys' }),
    /** SSH over HTTPS through jupyter-server-proxy (the `hotstepper-ssh` entry point). */
    tunnel: Type.Boolean({ default: true })
  },
  { additionalProperties: false, default: {} }
);
export type SshConfig = Static<typeof SshConfig>;

/** Where the SSH-over-HTTPS server keeps its own host key, relative to the home. */
export const SSH_TUNNEL_KEY_DIR = '.ssh/hotstepper';
