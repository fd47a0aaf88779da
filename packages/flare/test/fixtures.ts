import type {
  Exposure,
  ExposureList,
  FlareInfo,
  ListeningPort,
  ListeningPorts
} from '@hotstepper/api';

export const NOW = Date.parse('2026-11-25T10:00:00.000Z');

export const info = (over: Partial<FlareInfo> = {}): FlareInfo => ({
  platform: 'local',
  urlTemplate: 'http://{name}.flare.localhost:8787/',
  passwordMinLength: 8,
  proxyTemplates: { relative: 'proxy/{port}/', absolute: 'proxy/absolute/{port}/' },
  ...over
});

type PortFixture = [number, string, string[]?, Partial<ListeningPort>?];

export const ports = (...list: PortFixture[]): ListeningPorts => ({
  ports: list.map(([port, command, exposures, over]) => ({
    port,
    address: '0.0.0.0',
    pid: 4000 + port,
    command,
    exposures: exposures ?? [],
    kind: 'app' as const,
    http: true,
    ...over
  })),
  checkedAt: '2026-11-25T10:00:00.000Z'
});

export const exposure = (over: Partial<Exposure> & { name: string; port: number }): Exposure => ({
  protection: 'none',
  url: `http://${over.name}.flare.localhost:8787/`,
  createdAt: '2026-11-25T09:00:00.000Z',
  requests: 0,
  listening: true,
  ...over
});

export const exposures = (
  list: Exposure[],
  expired: ExposureList['expired'] = []
): ExposureList => ({ exposures: list, expired });
