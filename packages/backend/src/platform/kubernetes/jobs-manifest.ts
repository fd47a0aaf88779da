import type {
  V1Container,
  V1Job,
  V1LocalObjectReference,
  V1Pod,
  V1PodSecurityContext,
  V1Volume,
  V1VolumeMount
} from '@kubernetes/client-node';
import type { Config } from '../../config';
import type { JobLaunch } from '../jobs';

export const MANAGED_BY = 'app.kubernetes.io/managed-by';
export const JOB_ID = 'hotstepper.io/job-id';
export const OWNER = 'hotstepper.io/owner';
export const JOB_NAME_ANNOTATION = 'hotstepper.io/job-name';
export const OWNER_ANNOTATION = 'hotstepper.io/owner-name';
/** Selects every Job (and its pods) this backend made. */
export const MANAGED_SELECTOR = `${MANAGED_BY}=hotstepper`;
export const CONTAINER = 'job';

const USERNAME_LABEL = 'hub.jupyter.org/username';
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** What a job takes over from the notebook's own pod, so it sees the same files as the same user. */
export interface NotebookPod {
  image?: string;
  volumes: V1Volume[];
  volumeMounts: V1VolumeMount[];
  securityContext?: V1PodSecurityContext;
  imagePullSecrets?: V1LocalObjectReference[];
  /** The JupyterHub user, as the pod's label has it. */
  owner?: string;
}

/** The notebook container: the one named "notebook" (Zero to JupyterHub), else the first. */
function notebookContainer(pod: V1Pod): V1Container | undefined {
  const containers = pod.spec?.containers ?? [];
  return containers.find(c => c.name === 'notebook') ?? containers[0];
}

/**
 * The parts of the notebook pod a job copies. The service account token is left out: a job
 * runs with `automountServiceAccountToken: false`, so neither its volume nor its mount is copied.
 */
export function notebookPodFrom(pod: V1Pod, env: NodeJS.ProcessEnv = {}): NotebookPod {
  const container = notebookContainer(pod);
  const volumeMounts = (container?.volumeMounts ?? []).filter(
    m => !m.mountPath.startsWith(SERVICE_ACCOUNT_DIR)
  );
  const used = new Set(volumeMounts.map(m => m.name));
  const volumes = (pod.spec?.volumes ?? []).filter(v => used.has(v.name));
  const podContext = pod.spec?.securityContext ?? {};
  const own = container?.securityContext ?? {};
  const securityContext: V1PodSecurityContext = {};
  const runAsUser = own.runAsUser ?? podContext.runAsUser;
  const runAsGroup = own.runAsGroup ?? podContext.runAsGroup;
  if (runAsUser !== undefined) {
    securityContext.runAsUser = runAsUser;
  }
  if (runAsGroup !== undefined) {
    securityContext.runAsGroup = runAsGroup;
  }
  if (podContext.fsGroup !== undefined) {
    securityContext.fsGroup = podContext.fsGroup;
  }
  if (podContext.supplementalGroups?.length) {
    securityContext.supplementalGroups = podContext.supplementalGroups;
  }
  return {
    image: container?.image,
    volumes,
    volumeMounts,
    securityContext: Object.keys(securityContext).length ? securityContext : undefined,
    imagePullSecrets: pod.spec?.imagePullSecrets?.length ? pod.spec.imagePullSecrets : undefined,
    owner: pod.metadata?.labels?.[USERNAME_LABEL] ?? env.JUPYTERHUB_USER
  };
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * A user name as a label value: at most 63 characters of letters, digits, "-", "_" and ".",
 * starting and ending with a letter or digit. Other characters become "-"; the full name
 * stays readable in an annotation.
 */
export function labelValue(value: string): string {
  const cleaned = value
    .replace(/[^A-Za-z0-9_.-]/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[^A-Za-z0-9]+$/, '');
  return cleaned || 'unknown';
}

/** The Kubernetes Job of our job id. */
export const jobName = (id: string) => `hs-${id}`;

/** CPU cores as Kubernetes writes them back: whole cores ("2"), else millicores ("1500m"). */
export function cpuQuantity(cores: number): string {
  const milli = Math.max(1, Math.round(cores * 1000));
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Bytes as Kubernetes writes them back: whole Gi or Mi ("4Gi", "1536Mi"), else plain bytes. */
export function memoryQuantity(bytes: number): string {
  const mi = 1024 * 1024;
  if (bytes % (1024 * mi) === 0) {
    return `${bytes / (1024 * mi)}Gi`;
  }
  return bytes % mi === 0 ? `${bytes / mi}Mi` : String(Math.ceil(bytes));
}

const MIG_MODEL = /^mig-\d+g\.\d+gb(\+me)?$/;

/**
 * The Job for one launch. Requests equal limits (Guaranteed QoS, and what the namespace's
 * quota counts); a GPU model becomes a node selector on the model label, except a MIG
 * profile, which is a resource of its own (`nvidia.com/mig-1g.10gb`).
 */
export function buildJobManifest(
  launch: JobLaunch,
  notebook: NotebookPod,
  config: Config['jobs']['kubernetes'],
  namespace: string
): V1Job {
  const image = launch.image ?? notebook.image;
  if (!image) {
    throw new Error('no image: the notebook pod could not be read and the job names none');
  }
  const amounts: Record<string, string> = {
    cpu: cpuQuantity(launch.resources.cpu),
    memory: memoryQuantity(launch.resources.memory)
  };
  let nodeSelector: Record<string, string> | undefined;
  const gpu = launch.resources.gpu;
  if (gpu) {
    if (gpu.model && MIG_MODEL.test(gpu.model)) {
      amounts[`nvidia.com/${gpu.model}`] = String(gpu.count);
    } else {
      amounts[config.gpuResource] = String(gpu.count);
      if (gpu.model) {
        nodeSelector = { [config.gpuModelLabel]: gpu.model };
      }
    }
  }
  const owner = notebook.owner ?? 'unknown';
  const labels = {
    [MANAGED_BY]: 'hotstepper',
    [JOB_ID]: launch.id,
    [OWNER]: labelValue(owner)
  };
  const container: V1Container = {
    name: CONTAINER,
    image,
    command: launch.argv,
    workingDir: launch.cwd,
    env: Object.entries(launch.env).map(([name, value]) => ({ name, value })),
    resources: { requests: { ...amounts }, limits: { ...amounts } },
    volumeMounts: notebook.volumeMounts.length ? notebook.volumeMounts : undefined
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(launch.id),
      namespace,
      labels,
      annotations: { [JOB_NAME_ANNOTATION]: launch.name, [OWNER_ANNOTATION]: owner }
    },
    spec: {
      backoffLimit: 0,
      ttlSecondsAfterFinished: config.ttlSecondsAfterFinished,
      activeDeadlineSeconds: launch.timeLimitSeconds,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          containers: [container],
          volumes: notebook.volumes.length ? notebook.volumes : undefined,
          securityContext: notebook.securityContext,
          imagePullSecrets: notebook.imagePullSecrets,
          nodeSelector
        }
      }
    }
  };
}

/**
 * What only the API server would refuse, checked before sending: names and label values,
 * and a restart policy a Job accepts. Empty when the Job is fine.
 */
export function checkJobManifest(job: V1Job): string[] {
  const problems: string[] = [];
  const name = job.metadata?.name ?? '';
  // The Job controller puts the name in the pods' job-name label: a label value, so ≤ 63.
  if (name.length > 63 || !DNS1123_LABEL.test(name)) {
    problems.push(
      `metadata.name "${name}" must be at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit`
    );
  }
  const labelSets = {
    'metadata.labels': job.metadata?.labels,
    'spec.template.metadata.labels': job.spec?.template.metadata?.labels
  };
  for (const [where, labels] of Object.entries(labelSets)) {
    for (const [key, value] of Object.entries(labels ?? {})) {
      if (value.length > 63 || !LABEL_VALUE.test(value)) {
        problems.push(
          `${where}["${key}"] "${value}" must be at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`
        );
      }
    }
  }
  for (const [key, value] of Object.entries(job.spec?.template.spec?.nodeSelector ?? {})) {
    if (value.length > 63 || !LABEL_VALUE.test(value)) {
      problems.push(`nodeSelector["${key}"] "${value}" is not a valid label value`);
    }
  }
  const policy = job.spec?.template.spec?.restartPolicy;
  if (policy !== 'Never' && policy !== 'OnFailure') {
    problems.push(`spec.template.spec.restartPolicy must be Never or OnFailure, not ${policy}`);
  }
  const selector = job.spec?.template.metadata?.labels ?? {};
  if (selector[JOB_ID] !== job.metadata?.labels?.[JOB_ID]) {
    problems.push('the pod template must carry the job-id label of the Job');
  }
  return problems;
}

const SUFFIXES: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60
};

/** A Kubernetes quantity ("500m", "2Gi", "1e3", "4") as a number; undefined if it is not one. */
export function parseQuantity(quantity: string | undefined): number | undefined {
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|([numkKMGTPE]i?|))$/.exec(
    quantity?.trim() ?? ''
  );
  if (!match) {
    return undefined;
  }
  const [, digits, exponent, suffix] = match;
  if (exponent) {
    return Number(digits + exponent);
  }
  const factor = SUFFIXES[suffix ?? ''];
  return factor === undefined ? undefined : Number(digits) * factor;
}
