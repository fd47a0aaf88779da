/** Jobs in words: statuses, durations, resources. */
import type { Job, JobResources, JobStatus, LimitEnforcement } from '@hotstepper/api';
import { formatBytes, formatCores, formatDuration } from '@hotstepper/core';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { JobFilter } from './model';

export function statusLabel(status: JobStatus, trans: TranslationBundle): string {
  switch (status) {
    case 'queued':
      return trans.__('Queued');
    case 'starting':
      return trans.__('Starting');
    case 'running':
      return trans.__('Running');
    case 'succeeded':
      return trans.__('Succeeded');
    case 'failed':
      return trans.__('Failed');
    case 'cancelled':
      return trans.__('Cancelled');
    case 'timed-out':
      return trans.__('Timed out');
  }
}

export function filterLabel(filter: JobFilter, trans: TranslationBundle): string {
  if (filter === 'all') {
    return trans.__('All');
  }
  if (filter === 'active') {
    return trans.__('Active');
  }
  return statusLabel(filter, trans);
}

/** Seconds the job has run: so far while running, in all once finished; undefined before. */
export function jobSeconds(job: Job, now = Date.now()): number | undefined {
  if (!job.startedAt) {
    return undefined;
  }
  const end = job.finishedAt ? Date.parse(job.finishedAt) : now;
  return Math.max(0, (end - Date.parse(job.startedAt)) / 1000);
}

/** "3 min ago" for the list. */
export function formatAge(iso: string, now = Date.now(), locale?: string): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'short' });
  const abs = Math.abs(seconds);
  if (abs < 60) {
    return format.format(seconds, 'second');
  }
  if (abs < 3600) {
    return format.format(Math.round(seconds / 60), 'minute');
  }
  if (abs < 86400) {
    return format.format(Math.round(seconds / 3600), 'hour');
  }
  return format.format(Math.round(seconds / 86400), 'day');
}

export function formatJobDuration(job: Job, now = Date.now()): string | undefined {
  const seconds = jobSeconds(job, now);
  return seconds === undefined ? undefined : formatDuration(seconds);
}

/** "2 CPU · 4 GiB · 1 × a40". */
export function formatResources(resources: JobResources, trans: TranslationBundle): string {
  const parts = [formatCores(resources.cpu), formatBytes(resources.memory)];
  if (resources.gpu) {
    parts.push(
      resources.gpu.model
        ? trans.__('%1 × %2 GPU', resources.gpu.count, resources.gpu.model)
        : trans.__('%1 GPU', resources.gpu.count)
    );
  }
  return parts.join(' · ');
}

/** "Cell 3 failed: ZeroDivisionError: division by zero" (cells counted from 1, as people do). */
export function formatFailure(job: Job, trans: TranslationBundle): string | undefined {
  if (!job.failure) {
    return undefined;
  }
  return job.failure.cell !== undefined
    ? trans.__('Cell %1 failed: %2', job.failure.cell + 1, job.failure.error)
    : job.failure.error;
}

/** How the job's resources are held, in one plain sentence. */
export function limitSentence(enforcement: LimitEnforcement, trans: TranslationBundle): string {
  switch (enforcement) {
    case 'cgroup':
      return trans.__('The job cannot use more CPU or memory than it asked for.');
    case 'rlimit':
      return trans.__(
        'The job cannot use more memory than it asked for; it shares the CPU with your other work.'
      );
    case 'scheduler':
      return trans.__('The cluster gives the job what it asked for and holds it to that.');
    case 'none':
      return trans.__('Nothing holds the job to what it asked for here; it is a guide only.');
  }
}

/** Where the job runs, and the id to look for it by with the runner's own tools. */
export function runnerSentence(job: Job, trans: TranslationBundle): string {
  const id = job.externalId;
  switch (job.runner) {
    case 'local':
      return id
        ? trans.__('This server, as process group %1 (what ps and kill know it by).', id)
        : trans.__('This server.');
    case 'slurm':
      return id
        ? trans.__('The Slurm cluster, as Slurm job %1 (for squeue and scancel).', id)
        : trans.__('The Slurm cluster.');
    case 'kubernetes':
      return id
        ? trans.__('Kubernetes, as the Job %1 (for kubectl).', id)
        : trans.__('Kubernetes.');
  }
  return job.runner;
}
