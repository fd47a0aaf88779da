import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobStatus } from '@hotstepper/api';
import { parseConfig } from '../src/config';
import { JobInputError, type JobLaunch, type JobRef, type RunnerState } from '../src/platform/jobs';
import { SlurmJobRunner, STATE_FILE } from '../src/platform/slurm';
import { batchScript, gresFor, shellQuote } from '../src/platform/slurm/script';
import {
  gpuModelsFromGres,
  parseExitCode,
  parseJobRecord,
  slurmQuota,
  toRunnerState
} from '../src/platform/slurm/state';
import { httpRequest, sleep, startTestServer, type TestServer } from './helpers';
import {
  finished as finishedJob,
  jobDirs,
  submit as submitJob,
  waitFor as waitForJob
} from './jobs-helpers';
import { startSlurmCluster, type SlurmCluster } from './slurm-cluster';

const MiB = 1024 ** 2;
// Arguments a shell would otherwise split, expand or end early.
const ODD = ['two words', `it's "quoted"`, '$HOME and `date`', 'line one\nline two', '*', ''];

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'hs-slurm-jobs-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let seq = 0;
function launch(argv: string[], extra: Partial<JobLaunch> = {}): JobLaunch {
  const id = `j${Date.now().toString(36)}${seq++}`;
  return {
    id,
    name: 'test job',
    argv,
    cwd: scratch,
    env: {},
    resources: { cpu: 1, memory: 64 * MiB },
    timeLimitSeconds: 120,
    logDir: join(scratch, 'logs', id),
    ...extra
  };
}

const slurmConfig = (slurm: Record<string, unknown> = {}) =>
  parseConfig({ jobs: { runner: 'slurm', slurm } }).jobs;

describe('Slurm job states', () => {
  const record =
    'JobId=7 JobName=test_job UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=1 Nice=0 ' +
    'Account=(null) QOS=(null) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) ' +
    'ExitCode=3:0 RunTime=00:00:02 TimeLimit=00:01:00 SubmitTime=2026-11-25T23:36:21 ' +
    'StartTime=2026-11-25T23:36:22 EndTime=2026-11-25T23:36:24 Partition=debug ' +
    'Command=/data/my jobs/x.sbatch WorkDir=/home/ada/a b';

  it('reads the fields of a one-line scontrol record', () => {
    const fields = parseJobRecord(record);
    expect(fields).toMatchObject({ JobId: '7', JobState: 'FAILED', ExitCode: '3:0' });
    expect(fields.Partition).toBe('debug');
  });

  it('maps a failed job to its exit code and times', () => {
    expect(toRunnerState(parseJobRecord(record))).toEqual({
      status: 'failed',
      exitCode: 3,
      reason: 'exited with code 3',
      startedAt: new Date('2026-11-25T23:36:22').getTime(),
      finishedAt: new Date('2026-11-25T23:36:24').getTime()
    });
  });

  it.each<[string, string, JobStatus, string | undefined]>([
    ['PENDING', 'Resources', 'queued', 'waiting: Resources'],
    ['PENDING', 'None', 'queued', 'waiting'],
    ['CONFIGURING', 'None', 'starting', 'Slurm is preparing the node'],
    ['RUNNING', 'None', 'running', undefined],
    ['COMPLETING', 'None', 'running', undefined],
    ['COMPLETED', 'None', 'succeeded', undefined],
    ['CANCELLED', 'None', 'cancelled', 'cancelled'],
    ['TIMEOUT', 'TimeLimit', 'timed-out', 'killed at the time limit'],
    ['DEADLINE', 'None', 'timed-out', 'killed at its deadline'],
    ['OUT_OF_MEMORY', 'OutOfMemory', 'failed', 'out of memory: killed at its limit'],
    ['NODE_FAIL', 'None', 'failed', 'its node failed'],
    ['BOOT_FAIL', 'None', 'failed', 'its node failed to boot'],
    ['PREEMPTED', 'None', 'failed', 'preempted by a higher-priority job'],
    ['FAILED', 'JobLaunchFailure', 'failed', 'Slurm: JobLaunchFailure']
  ])('maps %s (Reason=%s) to %s', (JobState, Reason, status, reason) => {
    const state = toRunnerState({ JobState, Reason, ExitCode: '0:0' });
    expect(state.status).toBe(status);
    expect(state.reason).toBe(reason);
  });

  it('reads times as epoch seconds or as Slurm’s local time', () => {
    const state = toRunnerState({
      JobState: 'COMPLETED',
      StartTime: '1795649782',
      EndTime: '2026-11-25T23:36:24'
    });
    expect(state.startedAt).toBe(1795649782000);
    expect(state.finishedAt).toBe(new Date('2026-11-25T23:36:24').getTime());
    expect(toRunnerState({ JobState: 'RUNNING', StartTime: 'Unknown' }).startedAt).toBeUndefined();
  });

  it('reports a pending job without the start Slurm only expects', () => {
    const state = toRunnerState({ JobState: 'PENDING', StartTime: '2026-11-26T10:00:00' });
    expect(state.startedAt).toBeUndefined();
  });

  it('tells an exit code from a signal', () => {
    expect(parseExitCode('2:0')).toEqual({ code: 2 });
    expect(parseExitCode('0:9')).toEqual({ signal: 9 });
    const killed = toRunnerState({ JobState: 'FAILED', Reason: 'None', ExitCode: '0:9' });
    expect(killed).toMatchObject({ exitCode: null, reason: 'killed by signal 9' });
  });

  it('sums running jobs for the quota and names GPU models from gres', () => {
    expect(slurmQuota(['cpu=2,mem=300M,node=1', 'cpu=1,mem=1G,node=1,gres/gpu=2'])).toEqual({
      source: 'slurm',
      cpu: { used: 3, limit: null },
      memory: { used: 1324 * MiB, limit: null },
      gpu: { used: 2, limit: null },
      note: expect.stringContaining('queues')
    });
    expect(gpuModelsFromGres(['gpu:a40:4(S:0,1),gpu:t4:2', '(null)', 'gpu:2'], {})).toEqual([
      'a40',
      't4'
    ]);
    expect(gpuModelsFromGres(['gpu:nvidia_a40:4'], { a40: 'gpu:nvidia_a40' })).toEqual(['a40']);
    expect(gresFor({ count: 2, model: 'a40' }, { a40: 'gpu:nvidia_a40' })).toBe('gpu:nvidia_a40:2');
    expect(gresFor({ count: 1 }, {})).toBe('gpu:1');
  });
});

describe('Slurm batch script', () => {
  it('asks Slurm for the job’s resources, partition and account', () => {
    const job = launch(['python3', 'x.py'], {
      resources: { cpu: 1.5, memory: 1000 * MiB + 1, gpu: { count: 1, model: 'a40' } },
      timeLimitSeconds: 61,
      logDir: '/data/jobs/j1 100%'
    });
    const { script, extraArgs } = batchScript(
      job,
      slurmConfig({ partition: 'gpu', account: 'lab-7' }).slurm
    );
    const directives = script.split('\n').filter(l => l.startsWith('#SBATCH'));
    expect(directives).toEqual(
      expect.arrayContaining([
        '#SBATCH --job-name="test_job"',
        '#SBATCH --output="/data/jobs/j1 100%%/stdout.log"',
        '#SBATCH --error="/data/jobs/j1 100%%/stderr.log"',
        `#SBATCH --chdir="${scratch}"`,
        '#SBATCH --cpus-per-task="2"',
        '#SBATCH --mem="1001M"',
        '#SBATCH --time="2"',
        '#SBATCH --gres="gpu:a40:1"',
        '#SBATCH --partition="gpu"',
        '#SBATCH --account="lab-7"',
        '#SBATCH --export="NONE"'
      ])
    );
    expect(extraArgs).toEqual([]);
  });

  it('puts a path sbatch cannot read from a directive on its command line', () => {
    const { script, extraArgs } = batchScript(
      launch(['true'], { cwd: '/home/ada/say "hi"' }),
      slurmConfig().slurm
    );
    expect(script).not.toContain('--chdir');
    expect(extraArgs).toEqual(['--chdir=/home/ada/say "hi"']);
  });

  it('refuses an environment variable that is not a name', () => {
    expect(() =>
      batchScript(launch(['true'], { env: { 'A-B': '1' } }), slurmConfig().slurm)
    ).toThrow(JobInputError);
  });

  it('hands odd arguments and values to the program unchanged', async () => {
    const job = launch(
      [
        'python3',
        '-c',
        'import json, os, sys; print(json.dumps([sys.argv[1:], os.environ["ODD"]]))',
        ...ODD
      ],
      { env: { ODD: `a 'b' "c" $d\ne` } }
    );
    const { script } = batchScript(job, slurmConfig().slurm);
    const file = join(scratch, 'quoting.sh');
    writeFileSync(file, script);
    // The body is plain sh: the #SBATCH lines are comments to it.
    const out = await new Promise<string>((resolve, reject) =>
      execFile('sh', [file], (err, stdout) => (err ? reject(err) : resolve(stdout)))
    );
    expect(JSON.parse(out)).toEqual([ODD, `a 'b' "c" $d\ne`]);

    // A working directory the node does not have fails the job instead of running it elsewhere.
    const gone = batchScript(launch(['pwd'], { cwd: join(scratch, 'gone') }), slurmConfig().slurm);
    writeFileSync(file, gone.script);
    const failed = await new Promise<{ code: number | null; stderr: string }>(resolve =>
      execFile('sh', [file], (err, _out, stderr) =>
        resolve({ code: err ? (err.code as number) : 0, stderr })
      )
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`cannot enter the working directory ${join(scratch, 'gone')}`);
    expect(shellQuote(`it's`)).toBe(`'it'\\''s'`);
  });
});

describe('SlurmJobRunner on a real one-node cluster', () => {
  let cluster: SlurmCluster | undefined;
  let runner: SlurmJobRunner;

  beforeAll(async () => {
    cluster = await startSlurmCluster();
    // Seen in the test output: how long a cluster takes to come up here.
    console.info(`slurm test cluster up in ${cluster.startupMs} ms`);
    runner = new SlurmJobRunner({ config: slurmConfig({ partition: 'debug' }), env: cluster.env });
  }, 40_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 30_000);

  /** Asks for the state every 200 ms until `done`; returns every status seen, in order. */
  async function follow(
    ref: JobRef,
    done: (s: RunnerState) => boolean,
    ms = 25_000
  ): Promise<{ state: RunnerState; seen: JobStatus[] }> {
    const seen: JobStatus[] = [];
    const deadline = Date.now() + ms;
    for (;;) {
      const state = await runner.state(ref);
      if (seen[seen.length - 1] !== state.status) {
        seen.push(state.status);
      }
      if (done(state)) {
        return { state, seen };
      }
      if (Date.now() > deadline) {
        throw new Error(
          `job ${ref.externalId} still ${state.status} (${state.reason ?? ''}):\n${cluster?.logs()}`
        );
      }
      await sleep(200);
    }
  }

  async function submit(job: JobLaunch): Promise<JobRef> {
    const { externalId } = await runner.start(job);
    return { id: job.id, externalId, logDir: job.logDir };
  }

  const finished = (s: RunnerState) =>
    ['succeeded', 'failed', 'cancelled', 'timed-out'].includes(s.status);
  const read = (ref: JobRef, file: string) => readFileSync(join(ref.logDir, file), 'utf8');

  it('runs a job to success with its output in stdout.log and stderr.log', async () => {
    const job = launch([
      'python3',
      '-c',
      'import sys, time; time.sleep(1); print("to stdout"); print("to stderr", file=sys.stderr)'
    ]);
    const submittedAt = Date.now();
    const ref = await submit(job);
    expect(ref.externalId).toMatch(/^\d+$/);
    expect(readFileSync(join(job.logDir, 'job.sbatch'), 'utf8')).toContain(
      '#SBATCH --partition="debug"'
    );
    const { state, seen } = await follow(ref, finished);
    expect(state).toMatchObject({ status: 'succeeded', exitCode: 0 });
    expect(seen).toContain('running');
    expect(['queued', 'starting', 'running']).toContain(seen[0]);
    expect(state.finishedAt! - state.startedAt!).toBeGreaterThanOrEqual(1000);
    // Slurm counts whole seconds: the job started within a second of its submission or after.
    expect(state.startedAt!).toBeGreaterThanOrEqual(Math.floor(submittedAt / 1000) * 1000);
    expect(state.finishedAt!).toBeLessThanOrEqual(Date.now());
    expect(read(ref, 'stdout.log')).toBe('to stdout\n');
    expect(read(ref, 'stderr.log')).toBe('to stderr\n');
  }, 30_000);

  it('lets the log be followed while the job runs', async () => {
    const script =
      'import time\nfor i in range(3):\n    print("line", i, flush=True)\n    time.sleep(1)';
    const ref = await submit(launch(['python3', '-c', script]));
    await follow(ref, s => s.status === 'running' && read(ref, 'stdout.log').includes('line 0'));
    expect(read(ref, 'stdout.log')).not.toContain('line 2');
    const { state } = await follow(ref, finished);
    expect(state.status).toBe('succeeded');
    expect(read(ref, 'stdout.log')).toBe('line 0\nline 1\nline 2\n');
  }, 30_000);

  it('passes odd arguments, environment and working directory through sbatch unchanged', async () => {
    const cwd = join(scratch, `a dir with 'quotes' & 100%`);
    mkdirSync(cwd);
    const job = launch(
      [
        'python3',
        '-c',
        'import json, os, sys; print(json.dumps([sys.argv[1:], os.environ["ODD"], os.getcwd()]))',
        ...ODD
      ],
      { cwd, env: { ODD: `$HOME "x" 'y'` } }
    );
    const ref = await submit(job);
    const { state } = await follow(ref, finished);
    expect(state.status).toBe('succeeded');
    expect(JSON.parse(read(ref, 'stdout.log'))).toEqual([ODD, `$HOME "x" 'y'`, cwd]);
  }, 30_000);

  it('cancels a running job and shows what it holds in the quota meanwhile', async () => {
    const ref = await submit(
      launch(['sleep', '300'], { resources: { cpu: 2, memory: 256 * MiB } })
    );
    await follow(ref, s => s.status === 'running');
    const quota = await runner.quota();
    expect(quota).toMatchObject({ source: 'slurm', cpu: { used: 2, limit: null } });
    expect(quota.memory.used).toBe(256 * MiB);
    await runner.cancel(ref);
    const { state } = await follow(ref, finished);
    expect(state.status).toBe('cancelled');
    expect((await runner.quota()).cpu.used).toBe(0);
    // Cancelling a finished job leaves it as it is.
    await runner.cancel(ref);
    expect((await runner.state(ref)).status).toBe('cancelled');
  }, 30_000);

  it('reports a failing job with its exit code', async () => {
    const ref = await submit(launch(['python3', '-c', 'import sys; sys.exit(3)']));
    const { state } = await follow(ref, finished);
    expect(state).toMatchObject({ status: 'failed', exitCode: 3 });
  }, 30_000);

  it('refuses what the cluster cannot give, with sbatch’s reason, leaving nothing behind', async () => {
    const badPartition = new SlurmJobRunner({
      config: slurmConfig({ partition: 'nope' }),
      env: cluster!.env
    });
    // The jobs feature makes the folder before it starts the job: it is left empty.
    const job = launch(['true']);
    mkdirSync(job.logDir, { recursive: true });
    const err = await badPartition.start(job).catch(e => e);
    expect(err).toBeInstanceOf(JobInputError);
    expect(err.message).toMatch(/invalid partition/i);
    expect(readdirSync(job.logDir)).toEqual([]);

    const big = launch(['true'], { resources: { cpu: 8, memory: 64 * MiB } });
    const tooBig = await runner.start(big).catch(e => e);
    expect(tooBig).toBeInstanceOf(JobInputError);
    expect(tooBig.message).toMatch(/more processors requested than permitted/i);
    expect(existsSync(big.logDir)).toBe(false);

    const long = launch(['true'], { timeLimitSeconds: 2 * 3600 });
    const tooLong = await runner.start(long).catch(e => e);
    expect(tooLong).toBeInstanceOf(JobInputError);
    expect(tooLong.message).toMatch(/time limit is invalid/i);
  }, 30_000);

  it('tells a cluster it cannot reach, or commands it cannot find, from a refused job', async () => {
    // The same cluster's configuration with the controller's port changed to a closed one.
    const conf = join(scratch, 'unreachable.conf');
    const closed = await new Promise<number>(resolve => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    writeFileSync(
      conf,
      readFileSync(cluster!.env.SLURM_CONF!, 'utf8')
        .replace(/^SlurmctldPort=\d+$/m, `SlurmctldPort=${closed}`)
        // Clients give up sooner (sbatch retries for about 9 s by default).
        .concat('MessageTimeout=1\nTCPTimeout=1\n')
    );
    const away = new SlurmJobRunner({
      config: slurmConfig(),
      env: { ...cluster!.env, SLURM_CONF: conf }
    });
    const job = launch(['true']);
    const err = await away.start(job).catch(e => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(JobInputError);
    expect(err.message).toMatch(/unable to contact slurm controller/i);
    expect(existsSync(job.logDir)).toBe(false);

    const nowhere = new SlurmJobRunner({
      config: slurmConfig({ binDir: join(scratch, 'no-slurm') }),
      env: cluster!.env
    });
    const missing = await nowhere
      .state({ id: 'j1', externalId: '1', logDir: scratch })
      .catch(e => e);
    expect(missing).not.toBeInstanceOf(JobInputError);
    expect(missing.message).toMatch(/was not found.*jobs\.slurm\.binDir/);
  }, 60_000);

  it('has no GPU models on a cluster without GPUs', async () => {
    expect(await runner.gpuModels()).toEqual([]);
    expect((await runner.enforcement()).enforcement).toBe('scheduler');
  });

  it('still answers once Slurm has forgotten the job, from what it saw last', async () => {
    const seenEnd = await submit(launch(['python3', '-c', 'print("done")']));
    const before = (await follow(seenEnd, finished)).state;
    expect(before.status).toBe('succeeded');

    // A job whose end the backend never saw: last seen queued.
    const unseen = await submit(launch(['python3', '-c', 'print("done")']));
    await until(() => read(unseen, 'stdout.log') === 'done\n');
    // Fully ended in Slurm too, so no step is left waiting to report to a controller.
    while ((await cluster!.jobState(unseen.externalId)) !== 'COMPLETED') {
      await sleep(100);
    }

    // Restarting the controller without its saved state forgets every job, as MinJobAge does.
    await cluster!.restartController(true);
    const fresh = new SlurmJobRunner({ config: slurmConfig(), env: cluster!.env });
    expect(await fresh.state(seenEnd)).toEqual(before);
    const lost = await fresh.state(unseen);
    expect(lost).toMatchObject({ status: 'failed', exitCode: null });
    expect(lost.reason).toMatch(/no longer knows job/);
    expect(JSON.parse(readFileSync(join(unseen.logDir, STATE_FILE), 'utf8')).status).toBe('failed');
  }, 40_000);
});

describe('the jobs API with the Slurm runner', () => {
  let cluster: SlurmCluster | undefined;
  let server: TestServer | undefined;

  beforeAll(async () => {
    cluster = await startSlurmCluster();
    server = await startTestServer({
      config: { jobs: { runner: 'slurm', slurm: { partition: 'debug' } } },
      env: cluster.env,
      rootDir: scratch
    });
  }, 40_000);
  afterAll(async () => {
    await server?.close();
    await cluster?.stop();
  }, 30_000);

  it('runs a submitted command on Slurm and serves its log', async () => {
    const info = await httpRequest(server!.socket, { method: 'GET', path: '/api/v1/jobs/info' });
    expect(info.statusCode).toBe(200);
    expect(info.json()).toMatchObject({
      runner: 'slurm',
      enforcement: 'scheduler',
      gpuModels: [],
      quota: { source: 'slurm', cpu: { used: 0, limit: null } }
    });

    const res = await submitJob(server!, {
      name: 'hello slurm',
      kind: 'command',
      command: ['python3', '-c', 'print("hello from slurm")'],
      resources: { cpu: 1, memory: 128 * MiB },
      // The admin's default (a day) is beyond the test partition's MaxTime of an hour.
      timeLimitSeconds: 600
    });
    expect(res.statusCode).toBe(201);
    const job = await waitForJob(server!, res.json().id, finishedJob);
    expect(job).toMatchObject({ status: 'succeeded', runner: 'slurm', exitCode: 0 });
    expect(job.externalId).toMatch(/^\d+$/);
    expect(job.startedAt).toBeDefined();
    const log = await httpRequest(server!.socket, {
      method: 'GET',
      path: `/api/v1/jobs/${job.id}/log?stream=stdout`
    });
    expect(log.body).toBe('hello from slurm\n');
  }, 40_000);

  it('answers a partition Slurm refuses with a 400 that says so', async () => {
    await server!.close();
    server = await startTestServer({
      config: { jobs: { runner: 'slurm', slurm: { partition: 'nope' } } },
      env: cluster!.env,
      rootDir: scratch
    });
    const res = await submitJob(server, {
      name: 'nowhere',
      kind: 'command',
      command: ['true']
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/invalid partition/i);
    expect(jobDirs(server)).toEqual([]);
  }, 30_000);
});

async function until(condition: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error('timed out waiting');
    }
    await sleep(100);
  }
}
