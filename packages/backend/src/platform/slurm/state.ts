import type { JobQuota } from '@hotstepper/api';
import type { RunnerState } from '../jobs';

/**
 * One `scontrol show job -o` record as key → value. Values run to the next " Key=": only the
 * fields before Command= are read, and our job names carry no spaces (see slurmJobName).
 */
export function parseJobRecord(line: string): Record<string, string> {
  const fields: Record<string, string> = {};
  const re = /(?:^|\s)([A-Za-z][A-Za-z0-9_/:]*)=(\S*)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    if (!(m[1] in fields)) {
      fields[m[1]] = m[2];
    }
  }
  return fields;
}

/**
 * A Slurm timestamp: epoch seconds (we ask for SLURM_TIME_FORMAT=%s), else the local time
 * Slurm prints by default, without a zone: "2026-11-25T23:36:22".
 */
export function parseSlurmTime(value: string | undefined): number | undefined {
  if (value && /^\d{9,}$/.test(value)) {
    return Number(value) * 1000;
  }
  if (!value || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(value)) {
    return undefined; // "Unknown", "None", "N/A"
  }
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

/** "3:0" → exit 3; "0:9" → killed by signal 9. */
export function parseExitCode(value: string | undefined): { code?: number; signal?: number } {
  const m = /^(\d+):(\d+)$/.exec(value ?? '');
  if (!m) {
    return {};
  }
  const [code, signal] = [Number(m[1]), Number(m[2])];
  return signal > 0 ? { signal } : { code };
}

const reasonless = new Set(['', 'None', '(null)']);

/** Our state for a job Slurm still knows, from its `scontrol show job -o` fields. */
export function toRunnerState(fields: Record<string, string>): RunnerState {
  // JobState may carry flags after "+" in some versions ("CANCELLED+").
  const slurmState = (fields.JobState ?? 'UNKNOWN').split('+')[0];
  const reason = reasonless.has(fields.Reason ?? '') ? undefined : fields.Reason;
  const startedAt = parseSlurmTime(fields.StartTime);
  const finishedAt = parseSlurmTime(fields.EndTime);
  const exit = parseExitCode(fields.ExitCode);
  const exitCode = exit.signal !== undefined ? null : (exit.code ?? null);
  const signalled = exit.signal !== undefined ? `killed by signal ${exit.signal}` : undefined;
  const ended = (state: RunnerState): RunnerState => ({ ...state, startedAt, finishedAt });

  switch (slurmState) {
    case 'PENDING':
      // A pending job's StartTime is Slurm's guess, not a start.
      return { status: 'queued', reason: reason ? `waiting: ${reason}` : 'waiting' };
    case 'REQUEUED':
    case 'REQUEUE_FED':
    case 'REQUEUE_HOLD':
      return { status: 'queued', reason: `requeued${reason ? `: ${reason}` : ''}` };
    case 'SUSPENDED':
    case 'STOPPED':
      return { status: 'queued', reason: 'suspended by Slurm', startedAt };
    case 'CONFIGURING':
      return { status: 'starting', reason: 'Slurm is preparing the node' };
    case 'RUNNING':
    case 'COMPLETING':
    case 'SIGNALING':
    case 'STAGE_OUT':
    case 'RESIZING':
      return { status: 'running', startedAt };
    case 'COMPLETED':
      return ended({ status: 'succeeded', exitCode: 0 });
    case 'CANCELLED':
    case 'REVOKED':
      return ended({ status: 'cancelled', exitCode, reason: 'cancelled' });
    case 'TIMEOUT':
      return ended({ status: 'timed-out', exitCode, reason: 'killed at the time limit' });
    case 'DEADLINE':
      return ended({ status: 'timed-out', exitCode, reason: 'killed at its deadline' });
    case 'OUT_OF_MEMORY':
      return ended({ status: 'failed', exitCode, reason: 'out of memory: killed at its limit' });
    case 'NODE_FAIL':
      return ended({ status: 'failed', exitCode, reason: 'its node failed' });
    case 'BOOT_FAIL':
      return ended({ status: 'failed', exitCode, reason: 'its node failed to boot' });
    case 'PREEMPTED':
      return ended({ status: 'failed', exitCode, reason: 'preempted by a higher-priority job' });
    case 'FAILED':
    case 'SPECIAL_EXIT':
      return ended({
        status: 'failed',
        exitCode,
        reason:
          signalled ??
          (reason && reason !== 'NonZeroExitCode'
            ? `Slurm: ${reason}`
            : `exited with code ${exitCode}`)
      });
    default:
      // A state this version does not know: say it, as a job still in Slurm's hands.
      return { status: 'queued', reason: `Slurm state ${slurmState}` };
  }
}

/** Bytes from a Slurm memory amount: "300M", "2G", "1.50T" (MiB when unitless). */
export function parseSlurmMemory(value: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMGTP]?)$/i.exec(value.trim());
  if (!m) {
    return 0;
  }
  const power = { K: 1, M: 2, G: 3, T: 4, P: 5 }[m[2].toUpperCase()] ?? 2;
  return Math.round(Number(m[1]) * 1024 ** power);
}

/** The sum of `squeue -O tres-alloc` lines ("cpu=2,mem=300M,node=1,gres/gpu=1"). */
export function sumTres(lines: string[]): { cpu: number; memory: number; gpu: number } {
  const total = { cpu: 0, memory: 0, gpu: 0 };
  for (const line of lines) {
    for (const item of line.trim().split(',')) {
      const [key, value = ''] = item.split('=');
      if (key === 'cpu') {
        total.cpu += Number(value) || 0;
      } else if (key === 'mem') {
        total.memory += parseSlurmMemory(value);
      } else if (key === 'gres/gpu') {
        total.gpu += Number(value) || 0;
      }
    }
  }
  return total;
}

/** What the user's running jobs take; Slurm shows no per-user limit without its database. */
export function slurmQuota(lines: string[]): JobQuota {
  const used = sumTres(lines);
  return {
    source: 'slurm',
    cpu: { used: used.cpu, limit: null },
    memory: { used: used.memory, limit: null },
    ...(used.gpu > 0 ? { gpu: { used: used.gpu, limit: null } } : {}),
    note: 'Slurm queues jobs beyond the partition’s capacity'
  };
}

/**
 * GPU models from `sinfo -o %G` lines ("gpu:a40:4(S:0-1),gpu:t4:2" or "(null)"), named as
 * jobs ask for them: the admin's gres mapping read backwards, else the gres type.
 */
export function gpuModelsFromGres(lines: string[], gres: Record<string, string>): string[] {
  const byGres = new Map(Object.entries(gres).map(([model, name]) => [name, model]));
  const models = new Set<string>();
  for (const line of lines) {
    // Commas also separate socket lists inside "(S:0,1)": drop those first.
    for (const item of line.replace(/\([^)]*\)/g, '').split(',')) {
      const parts = item.trim().split(':');
      if (parts[0] !== 'gpu' || parts.length < 3) {
        continue; // "(null)", other gres, or a GPU without a type
      }
      const name = `gpu:${parts[1]}`;
      models.add(byGres.get(name) ?? parts[1]);
    }
  }
  return [...models].sort();
}
