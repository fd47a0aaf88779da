/**
 * What the adapters are chosen for: a runner's own check of a job before it is recorded, the
 * admission that comes with each runner, and one cluster handle shared by the Kubernetes parts.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { parseConfig } from '../src/config';
import { createAdapters, createJobs } from '../src/platform';
import { JobInputError, SchedulerAdmission, type JobLaunch } from '../src/platform/jobs';
import { KubernetesCluster } from '../src/platform/kubernetes/cluster';
import { KubernetesFlareGateway } from '../src/platform/kubernetes/flare';
import { KubernetesJobRunner } from '../src/platform/kubernetes/jobs';
import { KubernetesPlatform } from '../src/platform/kubernetes';
import { LocalPlatform } from '../src/platform/local';
import { LocalQuotaAdmission } from '../src/platform/local/admission';
import { ProcTreeReader } from '../src/platform/resources';
import { SlurmJobRunner } from '../src/platform/slurm';

const GiB = 1024 ** 3;
const platform = new LocalPlatform(new ProcTreeReader(process.pid, '', {}));
const POD_ENV = {
  KUBERNETES_SERVICE_HOST: '10.0.0.1',
  HOSTNAME: 'jupyter-ada',
  POD_NAMESPACE: 'ns'
};

const launch = (argv: string[], extra: Partial<JobLaunch> = {}): JobLaunch => ({
  id: 'jcheck1',
  name: 'check',
  argv,
  cwd: tmpdir(),
  env: {},
  resources: { cpu: 1, memory: GiB },
  logDir: join(tmpdir(), 'jcheck1'),
  ...extra
});

const a40 = {
  read: async () => ({
    source: 'kubernetes' as const,
    models: [{ model: 'NVIDIA-A40', free: 1, total: 1 }],
    checkedAt: new Date().toISOString()
  })
};

describe('the admission chosen with the runner', () => {
  it('is the local quota for the local runner, the scheduler’s own queue for Slurm and Kubernetes', () => {
    const local = createJobs(parseConfig({ jobs: { runner: 'local' } }), { platform, env: {} });
    expect(local.admission).toBeInstanceOf(LocalQuotaAdmission);
    const slurm = createJobs(parseConfig({ jobs: { runner: 'slurm' } }), { platform, env: {} });
    expect(slurm.runner).toBeInstanceOf(SlurmJobRunner);
    expect(slurm.admission).toBeInstanceOf(SchedulerAdmission);
    const k8s = createJobs(parseConfig({ jobs: { runner: 'kubernetes' } }), {
      platform,
      env: POD_ENV
    });
    expect(k8s.runner).toBeInstanceOf(KubernetesJobRunner);
    expect(k8s.admission).toBeInstanceOf(SchedulerAdmission);
  });

  it('local: refuses what never fits, makes a job wait for what is taken, shows the quota', async () => {
    const admission = new LocalQuotaAdmission({ cpu: 2, memoryGiB: 4 }, platform.resources);
    expect(await admission.ceiling()).toEqual({ cpu: 2, memory: 4 * GiB });
    await expect(admission.refuse({ cpu: 3, memory: GiB })).rejects.toThrow(
      /^resources\.cpu: 3 is more than the 2 CPU/
    );
    await expect(admission.refuse({ cpu: 2, memory: GiB })).resolves.toBeUndefined();
    const taken = [{ cpu: 1.5, memory: GiB }];
    expect(await admission.wait({ cpu: 1, memory: GiB }, taken)).toBe(
      'waiting for 1 CPU: 1.5 of 2 in use'
    );
    expect(await admission.wait({ cpu: 0.5, memory: GiB }, taken)).toBeUndefined();
    expect(await admission.quota(taken)).toEqual({
      source: 'local',
      cpu: { used: 1.5, limit: 2 },
      memory: { used: GiB, limit: 4 * GiB }
    });
  });

  it('local: the notebook’s own limits fill what the admin’s quota leaves out', async () => {
    const resources = {
      limits: jest.fn(async () => ({
        cpu: { value: 4, source: 'cgroup' as const },
        memory: { value: 8 * GiB, source: 'cgroup' as const }
      }))
    };
    const admission = new LocalQuotaAdmission({ cpu: 1 }, resources);
    expect(await admission.ceiling()).toEqual({ cpu: 1, memory: 8 * GiB });
    await admission.quota([]);
    expect(resources.limits).toHaveBeenCalledTimes(1);
  });

  it('a scheduler: every job starts at once, the quota is the runner’s', async () => {
    const quota = {
      source: 'slurm' as const,
      cpu: { used: 1, limit: null },
      memory: { used: GiB, limit: null }
    };
    const admission = new SchedulerAdmission({ quota: async () => quota });
    expect(await admission.ceiling()).toBeUndefined();
    await expect(admission.refuse()).resolves.toBeUndefined();
    expect(await admission.wait()).toBeUndefined();
    expect(await admission.quota()).toBe(quota);
  });
});

describe('JobRunner.check', () => {
  const config = parseConfig({}).jobs;

  it('Slurm: the program as this machine finds it', async () => {
    const slurm = new SlurmJobRunner({ config, env: {} });
    await expect(slurm.check(launch(['no-such-program-hs']))).rejects.toThrow(
      'command: "no-such-program-hs" is not a program on the PATH; give its full path, or install it'
    );
    await expect(slurm.check(launch(['true']))).resolves.toBeUndefined();
  });

  const kubernetes = () =>
    new KubernetesJobRunner({
      config,
      cluster: new KubernetesCluster({ env: POD_ENV, namespaceFile: '/nonexistent' }),
      inventory: a40
    });

  it('Kubernetes: the program only in the notebook’s own image, and a GPU model of the cluster', async () => {
    const runner = kubernetes();
    await expect(runner.check(launch(['no-such-program-hs']))).rejects.toBeInstanceOf(
      JobInputError
    );
    // Another image has programs of its own.
    await expect(
      runner.check(launch(['no-such-program-hs'], { image: 'ghcr.io/x/train:1' }))
    ).resolves.toBeUndefined();
    const gpu = (model: string) =>
      launch(['true'], { resources: { cpu: 1, memory: GiB, gpu: { count: 1, model } } });
    await expect(runner.check(gpu('NVIDIA-H100'))).rejects.toThrow(
      'resources.gpu.model: no GPU model "NVIDIA-H100" here; the models are NVIDIA-A40'
    );
    await expect(runner.check(gpu('NVIDIA-A40'))).resolves.toBeUndefined();
  });
});

describe('KubernetesCluster', () => {
  it('is one for the platform, the job runner and the flare gateway made by createAdapters', async () => {
    const { platform, jobs, flare } = await createAdapters(
      parseConfig({ usage: { source: 'proc' } }),
      { ...POD_ENV, PATH: '' }
    );
    expect(platform).toBeInstanceOf(KubernetesPlatform);
    expect(jobs.runner).toBeInstanceOf(KubernetesJobRunner);
    expect(flare).toBeInstanceOf(KubernetesFlareGateway);
    const runner = jobs.runner as KubernetesJobRunner;
    const gateway = flare as KubernetesFlareGateway;
    const k8s = platform as KubernetesPlatform;
    expect(runner['cluster']).toBe(gateway['cluster']);
    expect(k8s['cluster']).toBe(runner['cluster']);
    // One GPU inventory, asked by the platform and the runner alike.
    expect(k8s['inventory']).toBeDefined();
    expect(k8s['inventory']).toBe(runner['inventory']);
    await jobs.runner.close();
  });

  it('reads the notebook’s pod once for everyone who asks, and again after a failure', async () => {
    const cluster = new KubernetesCluster({ env: POD_ENV, namespaceFile: '/nonexistent' });
    const pod: V1Pod = {
      metadata: { name: 'jupyter-ada', namespace: 'ns' },
      spec: { containers: [{ name: 'notebook', image: 'jupyter/scipy:2026' }] }
    };
    const readNamespacedPod = jest
      .fn()
      .mockRejectedValueOnce(Object.assign(new Error('boom'), { code: 500 }))
      .mockResolvedValue(pod);
    jest.spyOn(cluster, 'clients').mockResolvedValue({ core: { readNamespacedPod } } as never);
    await expect(cluster.notebookPod()).rejects.toThrow('boom');
    const runner = new KubernetesJobRunner({ config: parseConfig({}).jobs, cluster });
    expect(await runner.defaultImage()).toBe('jupyter/scipy:2026');
    expect(await cluster.notebookPod()).toBe(pod);
    expect(await runner.defaultImage()).toBe('jupyter/scipy:2026');
    expect(readNamespacedPod).toHaveBeenCalledTimes(2);
    expect(readNamespacedPod).toHaveBeenLastCalledWith({ name: 'jupyter-ada', namespace: 'ns' });
  });
});
