import { Type, type Static } from '@sinclair/typebox';
import { SSH_FINGERPRINT_PATTERN, SSH_KEYS_TEXT_MAX } from './constants';

/** A public key as OpenSSH prints it (`ssh-keygen -l`). */
export const SshKeyInfo = Type.Object({
  /** The key type as written in the file, e.g. "ssh-ed25519", "ecdsa-sha2-nistp256". */
  type: Type.String(),
  /** "SHA256:…", as `ssh-keygen -l` and ssh's first-connection prompt show it. */
  fingerprint: Type.String()
});
export type SshKeyInfo = Static<typeof SshKeyInfo>;

/** One key line of the managed authorized_keys. */
export const SshAuthorizedKey = Type.Object({
  type: Type.String(),
  fingerprint: Type.String(),
  /** The text after the key, usually "user@machine"; empty when there is none. */
  comment: Type.String(),
  /** The line's options ("from=…,no-pty"), when it has any. */
  options: Type.Optional(Type.String()),
  /** 1-based line number in the file. */
  line: Type.Integer({ minimum: 1 })
});
export type SshAuthorizedKey = Static<typeof SshAuthorizedKey>;

/** `GET /apps/ssh/keys` and the answer of every edit. */
export const SshKeyList = Type.Object({
  /** Where the file is, relative to the home ("~/.ssh/authorized_keys"). */
  path: Type.String(),
  keys: Type.Array(SshAuthorizedKey),
  /** Lines that are neither keys the panel understands nor comments: kept as they are. */
  unparsed: Type.Array(Type.Integer({ minimum: 1 }), {
    description: 'Line numbers of lines kept untouched because the panel does not understand them'
  }),
  /** The previous file is kept as authorized_keys.bak. */
  backup: Type.Boolean()
});
export type SshKeyList = Static<typeof SshKeyList>;

/** `POST /apps/ssh/keys`: one or more public-key lines, pasted or read from an uploaded .pub file. */
export const SshAddKeys = Type.Object(
  {
    text: Type.String({
      minLength: 1,
      maxLength: SSH_KEYS_TEXT_MAX,
      description: 'The public key line(s), as in id_ed25519.pub'
    })
  },
  { additionalProperties: false }
);
export type SshAddKeys = Static<typeof SshAddKeys>;

/** `DELETE /apps/ssh/keys?fingerprint=SHA256:…` */
export const SshKeyFingerprint = Type.Object({
  fingerprint: Type.String({ pattern: SSH_FINGERPRINT_PATTERN })
});
export type SshKeyFingerprint = Static<typeof SshKeyFingerprint>;

/** `GET /apps/ssh`: how to reach this notebook with ssh. */
export const SshStatus = Type.Object({
  /** An sshd program is in this image. */
  installed: Type.Boolean(),
  /** Where it was found ("/usr/sbin/sshd"). */
  program: Type.Optional(Type.String()),
  /** Something listens on `port` (found from the listening sockets). */
  running: Type.Boolean(),
  port: Type.Integer({ minimum: 1, maximum: 65535 }),
  /** The name to log in as ("jovyan"). */
  login: Type.String(),
  /** The address from the admin's template; absent: none configured. */
  host: Type.Optional(Type.String()),
  /** The command to copy, when there is a host. */
  command: Type.Optional(Type.String()),
  /** The address has no IPv4 route: networks without IPv6 must use SSH over HTTPS. */
  ipv6Only: Type.Boolean(),
  /** The running server's host keys, to compare on first connection. */
  hostKeys: Type.Array(SshKeyInfo),
  keepHostKeys: Type.Object({
    /** The image's sshd reads host keys from the home (admin config): keeping them is possible. */
    supported: Type.Boolean(),
    /** The home holds the server's current host keys. */
    kept: Type.Boolean(),
    /** "~/.ssh/host_keys" */
    dir: Type.String()
  }),
  /** SSH over HTTPS through jupyter-server-proxy: available when sshd is installed. */
  tunnel: Type.Object({
    available: Type.Boolean(),
    /** Relative to the Jupyter server's base URL, with a trailing slash. */
    path: Type.String(),
    /** Its own host key (in the home), once it has run. */
    hostKeys: Type.Array(SshKeyInfo)
  })
});
export type SshStatus = Static<typeof SshStatus>;
