import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config';
import type { FlareGateway } from './flare';
import { SchedulerAdmission, type JobAdapters } from './jobs';
import { KubernetesPlatform } from './kubernetes';
import { KubernetesCluster } from './kubernetes/cluster';
import { ClusterGpuInventory } from './kubernetes/gpus';
import { ServiceGpuInventory } from './kubernetes/gpu-service';
import { KubernetesFlareGateway } from './kubernetes/flare';
import { KubernetesJobRunner } from './kubernetes/jobs';
import { LocalPlatform, type LocalGpuInventory } from './local';
import { LocalQuotaAdmission } from './local/admission';
import { LocalFlareGateway } from './local/flare';
import { LocalJobRunner } from './local/jobs';
import { LocalStorageHost } from './local/storage';
import { createResourceReader } from './resources';
import { NvidiaSmiReader, detectNvidiaSmi } from './resources/nvidia';
import { SlurmJobRunner } from './slurm';
import type { StorageHost } from './storage';
import type { GpuReader, Platform } from './types';

export type { Platform } from './types';
export type { FlareGateway } from './flare';
export type { StorageHost } from './storage';
export type { JobAdapters, JobAdmission, JobRunner } from './jobs';

/** Everything that touches the world, chosen once at start-up: features never ask which they got. */
export interface Adapters {
  platform: Platform;
  jobs: JobAdapters;
  flare: FlareGateway;
  /** Mounts and file systems are read the same way in a pod as on a machine. */
  storage: StorageHost;
}

/** The Jupyter server's pid, whose process tree is the notebook: HOTSTEPPER_ROOT_PID, else our parent. */
export function jupyterRootPid(
  env: NodeJS.ProcessEnv = process.env,
  parent = process.ppid
): number {
  return Number(env.HOTSTEPPER_ROOT_PID) || parent;
}

/** The platform, the job runner with its admission, and the flare gateway, from the admin's config. */
export async function createAdapters(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
  log?: FastifyBaseLogger
): Promise<Adapters> {
  // Looked for once: without nvidia-smi there is no GPU reader and the GPU features disappear.
  const smi = await detectNvidiaSmi(env);
  const gpus = smi
    ? new NvidiaSmiReader(smi, log ? { onError: err => log.warn(err.message) } : {})
    : undefined;
  // One handle on the cluster, made only when something runs there: one client, one read of
  // the notebook's pod, one GPU inventory for the platform and the job runner.
  // The pod's service account, or outside a pod the cluster a kubeconfig names (KUBECONFIG).
  const kubeconfig = env.KUBECONFIG;
  const cluster =
    platformName(config, env) === 'kubernetes' || config.jobs.runner === 'kubernetes'
      ? new KubernetesCluster({
          env,
          ...(kubeconfig && !env.KUBERNETES_SERVICE_HOST
            ? {
                kubeConfig: k8s => {
                  const kc = new k8s.KubeConfig();
                  kc.loadFromFile(kubeconfig);
                  return kc;
                }
              }
            : {})
        })
      : undefined;
  // With the hub's cluster service named, it is asked first and our own view is the fallback.
  const own = cluster && new ClusterGpuInventory(cluster);
  const service = config.usage.clusterService;
  const inventory =
    own && service
      ? new ServiceGpuInventory({
          url: service,
          token: env.JUPYTERHUB_API_TOKEN,
          fallback: own,
          log
        })
      : own;
  const platform = await createPlatform(config, { env, gpus, cluster, inventory });
  const shared = { platform, env, log, cluster, inventory };
  return {
    platform,
    jobs: createJobs(config, { ...shared, gpus }),
    flare: createFlareGateway(config, shared),
    storage: new LocalStorageHost({ env, groupsCacheSeconds: config.storage.groupsCacheSeconds })
  };
}

/** `auto` is kubernetes inside a pod, else local. */
function platformName(config: Config, env: NodeJS.ProcessEnv): 'local' | 'kubernetes' {
  if (config.platform !== 'auto') {
    return config.platform;
  }
  return env.KUBERNETES_SERVICE_HOST ? 'kubernetes' : 'local';
}

/** What the Kubernetes adapters share; each makes its own when given none (tests). */
interface ClusterOptions {
  cluster?: KubernetesCluster;
  inventory?: Pick<ClusterGpuInventory, 'read'>;
}

export interface PlatformOptions extends ClusterOptions {
  env?: NodeJS.ProcessEnv;
  /** Default: our parent (see jupyterRootPid). */
  rootPid?: number;
  /** This machine's GPUs (nvidia-smi), when it has any. */
  gpus?: GpuReader & LocalGpuInventory;
}

/** The platform the admin chose (see platformName). */
export async function createPlatform(
  config: Config,
  { env = process.env, rootPid = process.ppid, gpus, cluster, inventory }: PlatformOptions = {}
): Promise<Platform> {
  const name = platformName(config, env);
  const resources = await createResourceReader({
    prefer: config.usage.source,
    inContainer: name === 'kubernetes',
    rootPid: jupyterRootPid(env, rootPid),
    env
  });
  return name === 'kubernetes'
    ? new KubernetesPlatform({
        resources,
        gpus,
        cluster: cluster ?? new KubernetesCluster({ env }),
        inventory
      })
    : new LocalPlatform(resources, gpus, gpus);
}

export interface AdapterOptions extends ClusterOptions {
  platform: Platform;
  env?: NodeJS.ProcessEnv;
  log?: FastifyBaseLogger;
  /** This machine's GPUs, for jobs run on it. */
  gpus?: LocalGpuInventory;
}

/**
 * The job runner the admin chose (`auto` runs jobs where the notebook runs), with its
 * admission: a scheduler queues its own jobs; on this machine they wait for the local quota.
 */
export function createJobs(
  config: Config,
  { platform, env = process.env, log, gpus, cluster, inventory }: AdapterOptions
): JobAdapters {
  const options = { config: config.jobs, env, log };
  const runner = config.jobs.runner === 'auto' ? platform.name : config.jobs.runner;
  switch (runner) {
    case 'slurm': {
      const slurm = new SlurmJobRunner(options);
      return { runner: slurm, admission: new SchedulerAdmission(slurm) };
    }
    case 'kubernetes': {
      const kubernetes = new KubernetesJobRunner({
        config: config.jobs,
        log,
        cluster: cluster ?? new KubernetesCluster({ env }),
        inventory
      });
      return { runner: kubernetes, admission: new SchedulerAdmission(kubernetes) };
    }
    default:
      return {
        runner: new LocalJobRunner({ ...options, gpus }),
        admission: new LocalQuotaAdmission(config.jobs.quota, platform.resources)
      };
  }
}

/** Where exposures are served: the backend's own reverse proxy, or Ingresses. */
export function createFlareGateway(
  config: Config,
  { platform, env = process.env, log, cluster }: AdapterOptions
): FlareGateway {
  return platform.name === 'kubernetes'
    ? new KubernetesFlareGateway({
        config: config.flare,
        log,
        cluster: cluster ?? new KubernetesCluster({ env })
      })
    : new LocalFlareGateway({ config: config.flare, env, log });
}
