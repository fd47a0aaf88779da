import type { GpuInventory } from '@hotstepper/api';

/** The shape of an inventory (the service is ours, but may be another version). */
function isInventory(x: unknown): x is GpuInventory {
  const i = x as GpuInventory | undefined;
  return (
    typeof i?.source === 'string' &&
    typeof i.checkedAt === 'string' &&
    Array.isArray(i.models) &&
    i.models.every(
      m => typeof m?.model === 'string' && Number.isInteger(m.free) && Number.isInteger(m.total)
    )
  );
}

export interface ServiceGpuOptions {
  /** The hub service's base URL, e.g. http://hub:10101/services/hotstepper-cluster/ */
  url: string;
  /** This server's hub token (JUPYTERHUB_API_TOKEN). */
  token?: string;
  /** Asked when the service is not configured with a token, fails or answers nonsense. */
  fallback: { read(): Promise<GpuInventory> };
  /** How long an answer is reused (the usage panel asks every 30 s). */
  ttlMs?: number;
  timeoutMs?: number;
  log?: { warn(obj: object, msg: string): void };
  fetch?: typeof fetch;
  now?: () => number;
}

/**
 * The cluster's free GPUs as the hub's cluster service sees them (one view, kept from watches,
 * for every user), asked with this server's hub token; this server's own view when the service
 * fails. `via` says which answered.
 */
export class ServiceGpuInventory {
  private cached?: { at: number; value: GpuInventory };
  private inFlight?: Promise<GpuInventory>;

  constructor(private readonly options: ServiceGpuOptions) {}

  read(): Promise<GpuInventory> {
    const now = (this.options.now ?? Date.now)();
    if (this.cached && now - this.cached.at < (this.options.ttlMs ?? 30_000)) {
      return Promise.resolve(this.cached.value);
    }
    this.inFlight ??= this.ask()
      .then(value => {
        this.cached = { at: now, value };
        return value;
      })
      .finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async ask(): Promise<GpuInventory> {
    const { url, token, log } = this.options;
    const where = new URL('gpus', url.endsWith('/') ? url : `${url}/`).href;
    let why: string;
    if (!token) {
      why = 'JUPYTERHUB_API_TOKEN is unset';
    } else {
      try {
        const res = await (this.options.fetch ?? fetch)(where, {
          headers: { Authorization: `token ${token}`, Accept: 'application/json' },
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000)
        });
        const body: unknown = await res.json().catch(() => undefined);
        if (res.ok && isInventory(body)) {
          return { ...body, via: 'cluster-service' };
        }
        const message = (body as { message?: unknown } | undefined)?.message;
        why = `HTTP ${res.status}${typeof message === 'string' ? `: ${message}` : ''}`;
      } catch (err) {
        why = (err as Error).message;
      }
    }
    log?.warn({ url: where, why }, 'the cluster service did not answer; counting GPUs here');
    return { ...(await this.options.fallback.read()), via: 'own' };
  }
}
