/** The jobs answers these tests feed the panel are checked against the wire contract's schemas. */
import { JOB_STATUSES } from '@hotstepper/api/constants';
import { Job, JobsInfo } from '@hotstepper/api';
import { schemaErrors } from '@hotstepper/core/lib/testing';
import { info, job } from './helpers';

describe('the jobs fixtures are answers the backend could send', () => {
  it.each(JOB_STATUSES.map(status => [status]))('a %s job is a Job', status => {
    expect(schemaErrors(Job, job('j1', status))).toEqual([]);
  });

  it('the info is a JobsInfo', () => {
    expect(schemaErrors(JobsInfo, info())).toEqual([]);
    expect(schemaErrors(JobsInfo, info({ gpuModels: ['a40'], papermill: false }))).toEqual([]);
  });

  it('the check fails on a fixture the backend could not send', () => {
    expect(schemaErrors(Job, { ...job('j1', 'running'), createdAt: 1764064800000 })).not.toEqual(
      []
    );
  });
});
