import type { FlareProtection } from '@hotstepper/api';

/** One exposure as the flare feature hands it to the platform. */
export interface ExposureSpec {
  name: string;
  port: number;
  protection: FlareProtection;
  /**
   * password: its bcrypt hash (what ingress-nginx's basic auth reads, and what the local
   * gateway checks; the user name is always "flare"); secret-link: the secret, 16 characters
   * [a-z0-9]. A secret-link exposure is served only at the host label `<name>-<secret>`, so
   * apps with absolute paths keep working; its plain `<name>` host answers 404.
   */
  secret?: string;
  /** Unix ms. */
  expiresAt?: number;
}

/** Counts the platform's gateway keeps of an exposure. */
export interface ExposureTraffic {
  requests: number;
  /** Unix ms. */
  lastRequestAt?: number;
}

/**
 * Makes exposures reachable: locally a reverse proxy in the backend routing by host
 * name; on Kubernetes a Service, an Ingress (TLS) and a basic-auth Secret owned by the
 * notebook pod. Chosen once at start-up; the flare feature never asks which it got.
 */
export interface FlareGateway {
  readonly name: 'local' | 'kubernetes';
  /** The public URL of a host label: `<name>`, or `<name>-<secret>` for a secret link. */
  urlFor(label: string): string;
  /** Why nothing can be exposed here (e.g. no flare domain configured on Kubernetes). */
  unavailable(): string | undefined;
  /** Starts serving (local: listens); called once before the first expose. */
  start(): Promise<void>;
  expose(spec: ExposureSpec): Promise<void>;
  unexpose(name: string): Promise<void>;
  /**
   * The exposures the platform itself holds (Kubernetes: read from the API by label), or
   * undefined when the platform keeps none of its own (local: the feature's table is the truth).
   */
  list(): Promise<ExposureSpec[] | undefined>;
  /** Request counts per exposure name since start, where the gateway can count them. */
  traffic(): Map<string, ExposureTraffic>;
  close(): Promise<void>;
}
