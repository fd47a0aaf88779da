import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config';
import type { ExposureSpec, ExposureTraffic, FlareGateway } from '../flare';

export interface KubernetesFlareGatewayOptions {
  config: Config['flare'];
  env?: NodeJS.ProcessEnv;
  log?: FastifyBaseLogger;
}

// Being built: every method throws until the gateway exists.
const todo = (): never => {
  throw new Error('the kubernetes flare gateway is not built yet');
};

export class KubernetesFlareGateway implements FlareGateway {
  readonly name = 'kubernetes' as const;
  constructor(readonly options: KubernetesFlareGatewayOptions) {}
  urlFor(_name: string): string {
    return todo();
  }
  unavailable(): string | undefined {
    return 'not built yet';
  }
  async start(): Promise<void> {}
  async expose(_spec: ExposureSpec): Promise<void> {
    return todo();
  }
  async unexpose(_name: string): Promise<void> {
    return todo();
  }
  async list(): Promise<ExposureSpec[] | undefined> {
    return todo();
  }
  traffic(): Map<string, ExposureTraffic> {
    return new Map();
  }
  async close(): Promise<void> {}
}
