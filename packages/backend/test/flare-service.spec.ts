/**
 * The flare service against the FlareGateway contract where the local proxy cannot show it: a
 * platform that holds its own exposures (as Kubernetes does), a gateway that fails to start,
 * the exposure limit, and request counts written to the table. The gateway here is a small
 * in-memory implementation of the interface; the table is real SQLite.
 */
import { parseConfig } from '../src/config';
import { FlareService, type FlareServiceOptions } from '../src/features/flare/service';
import type { ExposureSpec, ExposureTraffic, FlareGateway } from '../src/platform/flare';
import { Store } from '../src/store';

class PlatformGateway implements FlareGateway {
  readonly name = 'kubernetes' as const;
  held = new Map<string, ExposureSpec>();
  counts = new Map<string, ExposureTraffic>();
  startFailures = 0;
  starts = 0;
  constructor(readonly own: boolean) {}
  urlFor(label: string) {
    return `https://${label}.flare.example.org/`;
  }
  unavailable() {
    return undefined;
  }
  async start() {
    this.starts += 1;
    if (this.startFailures > 0) {
      this.startFailures -= 1;
      throw new Error('the API server did not answer');
    }
  }
  async expose(spec: ExposureSpec) {
    this.held.set(spec.name, spec);
  }
  async unexpose(name: string) {
    this.held.delete(name);
  }
  async list() {
    return this.own ? [...this.held.values()] : undefined;
  }
  traffic() {
    return new Map(this.counts);
  }
  async close() {}
}

const listening = [
  { port: 8050, address: '0.0.0.0', pid: 4242, command: 'python app.py' },
  {
    port: 8888,
    address: '127.0.0.1',
    pid: 4243,
    command: 'python -m jupyter lab --ServerApp.token=0123abcd --port=8888'
  }
];

function service(
  store: Store,
  gateway: FlareGateway,
  flare: object = {},
  more: Partial<FlareServiceOptions> = {}
) {
  return new FlareService({
    ...more,
    config: parseConfig({ flare }).flare,
    store,
    gateway,
    platform: 'kubernetes',
    scan: async () => listening,
    flushMs: 3_600_000,
    bcryptRounds: 4
  });
}

describe('the flare service', () => {
  let store: Store;
  beforeEach(() => {
    store = new Store({ path: ':memory:' });
  });
  afterEach(() => store.close());

  it('makes the table say what the platform holds when the platform keeps its own list', async () => {
    const gateway = new PlatformGateway(true);
    const first = service(store, gateway);
    await first.expose({ port: 8050, name: 'kept', protection: 'none' });
    await first.expose({ port: 8050, name: 'deleted-by-admin', protection: 'none' });
    await first.stop();
    // While the backend was down, one Ingress went and another appeared.
    gateway.held.delete('deleted-by-admin');
    gateway.held.set('made-elsewhere', { name: 'made-elsewhere', port: 8050, protection: 'none' });

    const second = service(store, gateway);
    const { exposures } = await second.list();
    expect(exposures.map(e => e.name).sort()).toEqual(['kept', 'made-elsewhere']);
    expect(exposures[0].url).toMatch(/^https:\/\/[a-z-]+\.flare\.example\.org\/$/);
    await second.stop();
  });

  it('refuses with 503 while the gateway cannot start, creates nothing, and tries again', async () => {
    const gateway = new PlatformGateway(false);
    gateway.startFailures = 1;
    const flare = service(store, gateway);
    await expect(
      flare.expose({ port: 8050, name: 'app', protection: 'none' })
    ).rejects.toMatchObject({
      statusCode: 503,
      message: expect.stringMatching(/the API server did not answer/)
    });
    expect((await flare.list()).exposures).toEqual([]);
    expect(gateway.held.size).toBe(0);

    const exposure = await flare.expose({ port: 8050, name: 'app', protection: 'none' });
    expect(exposure).toMatchObject({ name: 'app', listening: true });
    expect(gateway.starts).toBe(2);
    await flare.stop();
  });

  it('refuses an exposure beyond flare.maxExposures', async () => {
    const flare = service(store, new PlatformGateway(false), { maxExposures: 1 });
    await flare.expose({ port: 8050, name: 'one', protection: 'none' });
    await expect(
      flare.expose({ port: 8050, name: 'two', protection: 'none' })
    ).rejects.toMatchObject({
      statusCode: 409,
      message:
        'This server allows at most 1 exposed apps at once (flare.maxExposures); unexpose one first'
    });
    await flare.stop();
  });

  it('refuses a password with another protection, and hands the gateway a bcrypt hash, not the password', async () => {
    const gateway = new PlatformGateway(false);
    const flare = service(store, gateway);
    await expect(
      flare.expose({ port: 8050, name: 'x', protection: 'none', password: 'a long password' })
    ).rejects.toMatchObject({ statusCode: 400 });
    await flare.expose({
      port: 8050,
      name: 'x',
      protection: 'password',
      password: 'a long password'
    });
    const held = gateway.held.get('x')!;
    expect(held.secret).toMatch(/^\$2[aby]\$04\$/);
    expect(JSON.stringify(store.db.prepare('SELECT * FROM flare_exposure').all())).not.toContain(
      'a long password'
    );
    await flare.stop();
  });

  it("adds the gateway's request counts to the table, so they outlive the gateway's", async () => {
    const gateway = new PlatformGateway(false);
    const flare = service(store, gateway);
    await flare.expose({ port: 8050, name: 'app', protection: 'none' });
    gateway.counts.set('app', { requests: 3, lastRequestAt: Date.parse('2026-11-25T10:00:00Z') });
    flare.flush();
    gateway.counts.set('app', { requests: 5, lastRequestAt: Date.parse('2026-11-25T10:05:00Z') });
    expect((await flare.list()).exposures[0]).toMatchObject({ requests: 5 });
    await flare.stop(); // flushes
    gateway.counts.clear(); // a new gateway counts from zero

    const again = service(store, gateway);
    expect((await again.list()).exposures[0]).toMatchObject({
      requests: 5,
      lastRequestAt: '2026-11-25T10:05:00.000Z'
    });
    await again.stop();
  });

  it.each([
    ['73 ASCII bytes', 'x'.repeat(73)],
    ['25 euro signs (75 bytes in UTF-8)', '€'.repeat(25)]
  ])('refuses a password over the 72 bytes bcrypt reads: %s', async (_case, password) => {
    const gateway = new PlatformGateway(false);
    const flare = service(store, gateway);
    await expect(
      flare.expose({ port: 8050, name: 'long', protection: 'password', password })
    ).rejects.toMatchObject({
      statusCode: 400,
      message:
        'The password must be at most 72 bytes long in UTF-8 (bcrypt ignores the rest); choose a shorter one'
    });
    expect(gateway.held.size).toBe(0);
    await flare.expose({
      port: 8050,
      name: 'long',
      protection: 'password',
      password: 'x'.repeat(72)
    });
    expect(gateway.held.has('long')).toBe(true);
    await flare.stop();
  });

  it("lists the ports with the command lines' tokens redacted", async () => {
    const flare = service(store, new PlatformGateway(false));
    const { ports } = await flare.ports();
    expect(ports.map(p => p.command)).toEqual([
      'python app.py',
      'python -m jupyter lab --ServerApp.token=*** --port=8888'
    ]);
    await flare.stop();
  });

  it('refuses a port only another user listens on, saying so', async () => {
    const flare = service(
      store,
      new PlatformGateway(false),
      {},
      {
        sockets: async () => [
          { port: 9000, address: '127.0.0.1', uid: 4321 },
          { port: 8050, address: '0.0.0.0', uid: process.getuid!() }
        ]
      }
    );
    await expect(
      flare.expose({ port: 9000, name: 'theirs', protection: 'none' })
    ).rejects.toMatchObject({
      statusCode: 400,
      message:
        "Port 9000 is listened on by another user's program (uid 4321 on 127.0.0.1), not yours: only your own apps can be exposed"
    });
    await expect(
      flare.expose({ port: 9001, name: 'nobody', protection: 'none' })
    ).rejects.toMatchObject({
      statusCode: 400,
      message: 'Nothing listens on port 9001: start your app first, then expose it'
    });
    await flare.stop();
  });
});
