import { Type, type Static } from '@sinclair/typebox';
import { PlatformName } from './common';
import { FLARE_NAME_MAX_LENGTH, FLARE_NAME_PATTERN } from './constants';
import { literals } from './literals';

/** A TCP port one of the user's own processes listens on. */
/**
 * What a listening port belongs to: a web app of the user's (`app`, the only kind that can be
 * exposed), or the machinery around it.
 */
export const ListeningPortKind = literals('app', 'jupyter', 'kernel', 'language-server', 'backend');
export type ListeningPortKind = Static<typeof ListeningPortKind>;

export const ListeningPort = Type.Object({
  port: Type.Integer({ minimum: 1, maximum: 65535 }),
  address: Type.String({ description: 'e.g. "0.0.0.0", "127.0.0.1", "::"' }),
  pid: Type.Integer({ minimum: 1 }),
  command: Type.String({ description: 'The process’s command line' }),
  /** Names of the exposures of this port. */
  exposures: Type.Array(Type.String()),
  kind: ListeningPortKind,
  reason: Type.Optional(
    Type.String({ description: 'Why a port that is not an app cannot be exposed' })
  ),
  http: Type.Optional(
    Type.Boolean({
      description: 'Whether an app answered a HEAD / (absent: not checked, e.g. not an app)'
    })
  )
});
export type ListeningPort = Static<typeof ListeningPort>;

export const ListeningPorts = Type.Object(
  { ports: Type.Array(ListeningPort), checkedAt: Type.String({ format: 'date-time' }) },
  { $id: 'ListeningPorts' }
);
export type ListeningPorts = Static<typeof ListeningPorts>;

export const FlareProtection = literals('none', 'password', 'secret-link');
export type FlareProtection = Static<typeof FlareProtection>;

/** `POST /flare/exposures` */
export const ExposeRequest = Type.Object(
  {
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    name: Type.String({
      pattern: FLARE_NAME_PATTERN,
      minLength: 1,
      maxLength: FLARE_NAME_MAX_LENGTH
    }),
    protection: FlareProtection,
    password: Type.Optional(
      Type.String({ description: 'protection "password": at least the admin’s minimum length' })
    ),
    expiresInMinutes: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 525600, description: 'None: until unexposed' })
    )
  },
  { $id: 'ExposeRequest', additionalProperties: false }
);
export type ExposeRequest = Static<typeof ExposeRequest>;

export const Exposure = Type.Object(
  {
    name: Type.String(),
    port: Type.Integer(),
    protection: FlareProtection,
    /** The public URL; for a secret link it carries the secret, so share it with care. */
    url: Type.String(),
    /** For password protection: the user name the browser asks for. */
    username: Type.Optional(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
    requests: Type.Integer({ minimum: 0 }),
    lastRequestAt: Type.Optional(Type.String({ format: 'date-time' })),
    /** false: nothing listens on the port now ("no listener"); the exposure stays. */
    listening: Type.Boolean()
  },
  { $id: 'Exposure' }
);
export type Exposure = Static<typeof Exposure>;

export const ExposureList = Type.Object(
  {
    exposures: Type.Array(Exposure),
    /** Exposures removed because they expired, in the last 24 hours, for a notification. */
    expired: Type.Array(
      Type.Object({ name: Type.String(), port: Type.Integer(), expiredAt: Type.String() })
    )
  },
  { $id: 'ExposureList' }
);
export type ExposureList = Static<typeof ExposureList>;

/** `GET /flare/info` — where exposures appear and the login-protected alternatives. */
export const FlareInfo = Type.Object(
  {
    platform: PlatformName,
    /** e.g. "http://{name}.flare.localhost:8787/" or "https://{name}.flare.example.org/" */
    urlTemplate: Type.String(),
    passwordMinLength: Type.Integer({ minimum: 1 }),
    /** Why exposing is unavailable here, if it is (e.g. no flare domain configured). */
    unavailable: Type.Optional(Type.String()),
    /** Relative to the Jupyter base URL: "proxy/{port}/" and "proxy/absolute/{port}/". */
    proxyTemplates: Type.Object({ relative: Type.String(), absolute: Type.String() })
  },
  { $id: 'FlareInfo' }
);
export type FlareInfo = Static<typeof FlareInfo>;
