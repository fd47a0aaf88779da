import type { JobQuota } from '@hotstepper/api';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config';
import type { JobLaunch, JobRef, JobRunner, RunnerState } from '../jobs';

export interface LocalJobRunnerOptions {
  config: Config['jobs'];
  env?: NodeJS.ProcessEnv;
  log?: FastifyBaseLogger;
}

// Being built: every method throws until the runner exists.
const todo = (): never => {
  throw new Error('the local job runner is not built yet');
};

export class LocalJobRunner implements JobRunner {
  readonly name = 'local' as const;
  constructor(readonly options: LocalJobRunnerOptions) {}
  async enforcement(): Promise<{ enforcement: 'none'; note: string }> {
    return todo();
  }
  async start(_launch: JobLaunch): Promise<{ externalId: string }> {
    return todo();
  }
  async state(_ref: JobRef): Promise<RunnerState> {
    return todo();
  }
  async cancel(_ref: JobRef): Promise<void> {
    return todo();
  }
  async remove(_ref: JobRef): Promise<void> {
    return todo();
  }
  async quota(): Promise<JobQuota | undefined> {
    return todo();
  }
  async gpuModels(): Promise<string[]> {
    return todo();
  }
  async close(): Promise<void> {}
}
