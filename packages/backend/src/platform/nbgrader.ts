/**
 * nbgrader, run as the server's Python runs it: one process per call (never a shell), the
 * course folder as its working directory, the answer parsed from its last line of output.
 */
import { spawn } from 'node:child_process';
import { HttpError } from '../errors';
import { BRIDGE_PY } from './nbgrader-bridge';

export interface NbgraderCall {
  /** The course folder: nbgrader reads its nbgrader_config.py there. */
  cwd: string;
  /** Student operations: the user nbgrader acts as. */
  user?: string;
  /** Defaults to 10 minutes (an autograde runs the student's code). */
  timeoutMs?: number;
}

export class Nbgrader {
  constructor(
    /** The Python that has nbgrader. */
    readonly python: string
  ) {}

  /** Runs one bridge operation; nbgrader's refusal comes back as a 4xx/5xx HttpError. */
  async call<T>(op: string, args: Record<string, unknown>, options: NbgraderCall): Promise<T> {
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: '1' };
    if (options.user) {
      env.HOTSTEPPER_COURSE_USER = options.user;
    }
    const child = spawn(this.python, ['-c', BRIDGE_PY], {
      cwd: options.cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe']
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-20000);
    });
    child.stdin.end(JSON.stringify({ op, args }));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', err =>
        reject(
          new HttpError(
            503,
            `The course tools need Python with nbgrader: ${this.python} could not be started (${(err as NodeJS.ErrnoException).code})`
          )
        )
      );
      child.on('close', resolve);
    }).finally(() => clearTimeout(timer));
    const last = stdout.trimEnd().split('\n').pop() ?? '';
    let answer: unknown;
    try {
      answer = JSON.parse(last);
    } catch {
      const missing = /No module named '?nbgrader/.test(stderr);
      throw new HttpError(
        missing ? 503 : 502,
        missing
          ? `nbgrader is not installed in ${this.python}: pip install nbgrader`
          : `nbgrader ${op} ended without an answer (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' ')}`
      );
    }
    if (answer && typeof answer === 'object' && 'error' in answer && !Array.isArray(answer)) {
      const error = String((answer as { error: unknown }).error);
      throw new HttpError(
        /MissingEntry|No such file|does not exist|doesn't exist/.test(error) ? 404 : 409,
        `nbgrader: ${error}`
      );
    }
    return answer as T;
  }
}
