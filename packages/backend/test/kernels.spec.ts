import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { KernelUsageList } from '@hotstepper/api';
import { KernelUsageReader, kernelIdOf } from '../src/features/usage/kernels';
import { ProcProcesses } from '../src/platform/local/processes';
import { fixture, httpRequest, startTestServer, type TestServer } from './helpers';

const PAGE = 4096;
const K1 = '5f1c2a3b-7d4e-4f60-9a1b-2c3d4e5f6a7b'; // ipykernel (140) with a worker (160) and its child (95)
const K2 = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d'; // IRkernel (150)
const RUNTIME = '/home/jovyan/.local/share/jupyter/runtime';

describe('kernelIdOf', () => {
  it('reads the id from ipykernel\'s "-f <connection file>"', () => {
    expect(
      kernelIdOf([
        '/opt/conda/bin/python',
        '-m',
        'ipykernel_launcher',
        '-f',
        `${RUNTIME}/kernel-${K1}.json`
      ])
    ).toBe(K1);
  });

  it('reads it from IRkernel\'s "--args <file>" and from "--f=<file>"', () => {
    expect(
      kernelIdOf(['R', '-e', 'IRkernel::main()', '--args', `${RUNTIME}/kernel-${K2}.json`])
    ).toBe(K2);
    expect(kernelIdOf(['python', `--f=${RUNTIME}/kernel-abc-1.json`])).toBe('abc-1');
  });

  it('is undefined for a process without a connection file, or a client attaching to one', () => {
    expect(kernelIdOf(['/bin/bash', '-l'])).toBeUndefined();
    expect(kernelIdOf([])).toBeUndefined();
    expect(kernelIdOf(['jupyter-console', '--existing', `kernel-${K1}.json`])).toBeUndefined();
    expect(kernelIdOf(['jupyter-console', `--existing=kernel-${K1}.json`])).toBeUndefined();
    // Only a file named like a connection file: not "my-kernel-notes.json.bak".
    expect(kernelIdOf(['vim', '/home/jovyan/kernel-notes.json.bak'])).toBeUndefined();
  });
});

/** A writable copy of the fixture /proc whose counters a test can move on. */
function copyOfFixture(): { root: string; bump: (pid: number, ticks: number) => void } {
  const root = mkdtempSync(join(tmpdir(), 'hotstepper-kernels-'));
  cpSync(fixture('proc-kernels'), root, { recursive: true });
  return {
    root,
    bump(pid, ticks) {
      const file = join(root, 'proc', String(pid), 'stat');
      const text = readFileSync(file, 'utf8');
      const close = text.lastIndexOf(')');
      const fields = text.slice(close + 2).split(' ');
      fields[11] = String(Number(fields[11]) + ticks); // utime, field 14
      writeFileSync(file, text.slice(0, close + 2) + fields.join(' '));
    }
  };
}

describe('KernelUsageReader over a fixture /proc', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach(d => rmSync(d, { recursive: true, force: true })));

  it('groups each kernel with its subtree; the server and the backend are the platform, the rest other', async () => {
    const reader = new KernelUsageReader({
      rootPid: 100,
      platformPids: [180],
      processes: new ProcProcesses(fixture('proc-kernels'))
    });
    const usage = await reader.read();
    expect(Value.Errors(KernelUsageList, usage).First()).toBeUndefined();
    expect(usage.kernels).toEqual([
      { kernelId: K1, pids: [140, 160, 95], cpu: 0, memory: (131072 + 65536 + 512) * PAGE },
      { kernelId: K2, pids: [150], cpu: 0, memory: 25600 * PAGE }
    ]);
    // The terminal and the `jupyter console --existing` in it are the user's own.
    // Not init (1), nor the kernel of someone else's server (200): they are outside the tree.
    expect(usage.other).toEqual({ cpu: 0, memory: (1024 + 12800) * PAGE });
    // jupyter-lab and the backend are the platform's, not the user's work.
    expect(usage.platform).toEqual({ cpu: 0, memory: (38400 + 20480) * PAGE });
  });

  it('measures CPU as a rate between two calls: the first is 0, a new process starts at 0', async () => {
    const proc = copyOfFixture();
    dirs.push(proc.root);
    let now = 1000;
    const reader = new KernelUsageReader({
      rootPid: 100,
      platformPids: [180],
      processes: new ProcProcesses(proc.root),
      clock: () => now
    });
    const first = await reader.read();
    expect(first.kernels.map(k => k.cpu)).toEqual([0, 0]);
    expect(first.other.cpu).toBe(0);

    proc.bump(140, 150);
    proc.bump(160, 50);
    proc.bump(100, 30);
    proc.bump(171, 20);
    // A new worker of the R kernel, with CPU time it spent before this reading.
    mkdirSync(join(proc.root, 'proc', '210'));
    writeFileSync(
      join(proc.root, 'proc', '210', 'stat'),
      readFileSync(join(proc.root, 'proc', '150', 'stat'), 'utf8').replace(
        /^150 \(R\) S 100 /,
        '210 (R) S 150 '
      )
    );
    writeFileSync(join(proc.root, 'proc', '210', 'cmdline'), '/usr/lib/R/bin/exec/R\0--no-echo\0');
    now += 2;

    const second = await reader.read();
    const k1 = second.kernels.find(k => k.kernelId === K1)!;
    const k2 = second.kernels.find(k => k.kernelId === K2)!;
    expect(k1.cpu).toBeCloseTo((150 + 50) / 100 / 2, 9);
    expect(k2.cpu).toBe(0);
    expect(k2.pids).toEqual([150, 210]);
    expect(k2.memory).toBe(2 * 25600 * PAGE);
    expect(second.other.cpu).toBeCloseTo(20 / 100 / 2, 9);
    expect(second.platform!.cpu).toBeCloseTo(30 / 100 / 2, 9);

    // Asked again a moment later: measured against the same earlier reading, not over 0.1 s.
    proc.bump(140, 10);
    now += 0.1;
    const third = await reader.read();
    expect(third.kernels.find(k => k.kernelId === K1)!.cpu).toBeCloseTo(
      (150 + 50 + 10) / 100 / 2.1,
      9
    );
  });

  it('is empty when the Jupyter server is gone', async () => {
    const reader = new KernelUsageReader({
      rootPid: 4242,
      processes: new ProcProcesses(fixture('proc-kernels'))
    });
    expect(await reader.read()).toEqual({
      kernels: [],
      other: { cpu: 0, memory: 0 },
      platform: { cpu: 0, memory: 0 }
    });
  });
});

/**
 * A child of this test process whose command line is a kernel's: the cmdline is what counts.
 * Resolves once Python runs (python3 may be a shim that execs it), so it is read in its final form.
 */
async function fakeKernel(): Promise<{ child: ChildProcess; id: string }> {
  const id = randomUUID();
  const child = spawn(
    'python3',
    [
      '-c',
      'import time; print("ready", flush=True); time.sleep(30)',
      '-f',
      join(tmpdir(), `kernel-${id}.json`)
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] }
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('error', reject);
    child.once('exit', code => reject(new Error(`the fake kernel exited (${code})`)));
  });
  return { child, id };
}

/** Kills a fake kernel and waits until it is gone, so no later test sees it. */
async function stop(kernel: { child: ChildProcess } | undefined): Promise<void> {
  if (kernel && kernel.child.exitCode === null && kernel.child.signalCode === null) {
    const exited = new Promise(resolve => kernel.child.once('exit', resolve));
    kernel.child.kill('SIGKILL');
    await exited;
  }
}

describe('KernelUsageReader over the real /proc', () => {
  let kernel: Awaited<ReturnType<typeof fakeKernel>> | undefined;
  afterEach(async () => {
    await stop(kernel);
    kernel = undefined;
  });

  it('finds a kernel started by this process, with its memory, and counts this process as the platform', async () => {
    kernel = await fakeKernel();
    const { child, id } = kernel;
    const usage = await new KernelUsageReader({
      rootPid: process.pid,
      processes: new ProcProcesses()
    }).read();
    expect(usage.kernels).toHaveLength(1);
    expect(usage.kernels[0].kernelId).toBe(id);
    expect(usage.kernels[0].pids).toEqual([child.pid]);
    expect(usage.kernels[0].memory).toBeGreaterThan(1024 * 1024);
    expect(usage.platform!.memory).toBeGreaterThan(process.memoryUsage().rss / 2);
  });
});

describe('GET /api/v1/usage/kernels', () => {
  const saved = process.env.HOTSTEPPER_ROOT_PID;
  let socket: string;
  let kernel: Awaited<ReturnType<typeof fakeKernel>> | undefined;

  let server: TestServer;
  beforeAll(async () => {
    // The route reads the tree of HOTSTEPPER_ROOT_PID, as under Jupyter: here this process.
    process.env.HOTSTEPPER_ROOT_PID = String(process.pid);
    server = await startTestServer();
    socket = server.socket;
  });
  afterAll(async () => {
    await stop(kernel);
    await server.close();
    if (saved === undefined) {
      delete process.env.HOTSTEPPER_ROOT_PID;
    } else {
      process.env.HOTSTEPPER_ROOT_PID = saved;
    }
  });

  it('answers a KernelUsageList naming the kernel this process started', async () => {
    kernel = await fakeKernel();
    const res = await httpRequest(socket, { method: 'GET', path: '/api/v1/usage/kernels' });
    expect(res.statusCode).toBe(200);
    expect(Value.Errors(KernelUsageList, res.json()).First()).toBeUndefined();
    expect(res.json().kernels.map((k: { kernelId: string }) => k.kernelId)).toEqual([kernel.id]);
  });

  it('is listed in the OpenAPI document', async () => {
    const res = await httpRequest(socket, { method: 'GET', path: '/api/v1/openapi.json' });
    expect(Object.keys(res.json().paths)).toContain('/api/v1/usage/kernels');
  });
});
