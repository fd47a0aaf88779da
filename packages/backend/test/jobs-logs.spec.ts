import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Job } from '@hotstepper/api';
import Fastify, { type FastifyInstance } from 'fastify';
import { mustWait, neverFits } from '../src/platform/local/admission';
import { followLog, LogFollower, parseOffsets, wholeCharacters } from '../src/features/jobs/logs';
import { eventStreams } from '../src/sse';
import { newJobId } from '../src/features/jobs/service';

const GiB = 1024 ** 3;
let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hotstepper-joblogs-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('log files read as they grow', () => {
  it('never cuts a UTF-8 character in two', () => {
    const euro = Buffer.from('a€', 'utf8'); // 1 + 3 bytes
    expect(wholeCharacters(euro)).toBe(4);
    expect(wholeCharacters(euro.subarray(0, 3))).toBe(1);
    expect(wholeCharacters(euro.subarray(0, 2))).toBe(1);
    expect(wholeCharacters(Buffer.from('😀', 'utf8').subarray(0, 3))).toBe(0);
  });

  it('sends what was appended since the last read, with the offsets after each chunk', async () => {
    writeFileSync(join(dir, 'stdout.log'), 'one\n');
    const follower = new LogFollower(dir);
    expect(await follower.read()).toEqual([
      { chunk: { stream: 'stdout', offset: 0, text: 'one\n' }, after: '4:0' }
    ]);
    appendFileSync(join(dir, 'stdout.log'), 'two\n');
    writeFileSync(join(dir, 'stderr.log'), 'oops\n');
    expect(await follower.read()).toEqual([
      { chunk: { stream: 'stdout', offset: 4, text: 'two\n' }, after: '8:0' },
      { chunk: { stream: 'stderr', offset: 0, text: 'oops\n' }, after: '8:5' }
    ]);
    expect(await follower.read()).toEqual([]);
  });

  it('holds back half a character until the rest is written, or the job has ended', async () => {
    const smile = Buffer.from('😀', 'utf8');
    writeFileSync(join(dir, 'stdout.log'), smile.subarray(0, 2));
    const follower = new LogFollower(dir);
    expect(await follower.read()).toEqual([]);
    appendFileSync(join(dir, 'stdout.log'), smile.subarray(2));
    expect((await follower.read()).map(c => c.chunk.text)).toEqual(['😀']);

    appendFileSync(join(dir, 'stdout.log'), smile.subarray(0, 1));
    expect(await follower.read()).toEqual([]);
    expect((await follower.read(true)).map(c => c.chunk.offset)).toEqual([4]);
  });

  it('reads at most the given bytes of each stream per call, the rest on the next', async () => {
    writeFileSync(join(dir, 'stdout.log'), 'abcdefgh');
    writeFileSync(join(dir, 'stderr.log'), 'xyz');
    const follower = new LogFollower(dir);
    expect((await follower.read(false, 5)).map(c => [c.chunk.text, c.after])).toEqual([
      ['abcde', '5:0'],
      ['xyz', '5:3']
    ]);
    expect((await follower.read(true, 5)).map(c => [c.chunk.text, c.after])).toEqual([
      ['fgh', '8:3']
    ]);
    expect(await follower.read(true, 5)).toEqual([]);
  });

  it('resumes from offsets, and reads "<stdout>:<stderr>" ids only', async () => {
    writeFileSync(join(dir, 'stdout.log'), 'abcdef');
    expect(parseOffsets('3:0')).toEqual({ stdout: 3, stderr: 0 });
    expect(parseOffsets('3')).toBeUndefined();
    expect(parseOffsets('-1:0')).toBeUndefined();
    const chunks = await new LogFollower(dir, parseOffsets('3:0')).read();
    expect(chunks.map(c => c.chunk)).toEqual([{ stream: 'stdout', offset: 3, text: 'def' }]);
  });
});

describe('the local quota', () => {
  const quota = { cpu: 4, memory: 8 * GiB };
  it('says in words what a waiting job waits for', () => {
    expect(mustWait({ cpu: 1.5, memory: GiB }, { cpu: 3, memory: 0, gpus: 0 }, quota)).toBe(
      'waiting for 1.5 CPU: 3 of 4 in use'
    );
    expect(
      mustWait({ cpu: 1, memory: GiB }, { cpu: 3, memory: 0, gpus: 0 }, quota)
    ).toBeUndefined();
    expect(mustWait({ cpu: 1, memory: 2 * GiB }, { cpu: 0, memory: 7 * GiB, gpus: 0 }, quota)).toBe(
      'waiting for 2 GiB memory: 7 GiB of 8 GiB in use'
    );
  });

  it('names the field of a job bigger than the whole quota', () => {
    expect(neverFits({ cpu: 5, memory: GiB }, quota)).toMatch(/^resources\.cpu: 5 is more than/);
    expect(neverFits({ cpu: 1, memory: 9 * GiB }, quota)).toMatch(/^resources\.memory: 9 GiB/);
    expect(neverFits({ cpu: 4, memory: 8 * GiB }, quota)).toBeUndefined();
  });
});

it('job ids are "j", lowercase base36 and at most 20 characters', () => {
  const ids = new Set(Array.from({ length: 200 }, () => newJobId()));
  expect(ids.size).toBe(200);
  for (const id of ids) {
    expect(id).toMatch(/^j[0-9a-z]{1,19}$/);
  }
});

describe('a followed log and a slow client', () => {
  let app: FastifyInstance;
  afterEach(() => app?.close());

  it('reads a 50 MB log a step at a time as the client takes it, all of it exactly once', async () => {
    const line = `${'x'.repeat(99)}\n`;
    const block = line.repeat(10_000); // 1 MB
    const path = join(dir, 'stdout.log');
    for (let i = 0; i < 50; i++) {
      appendFileSync(path, block);
    }
    writeFileSync(join(dir, 'stderr.log'), 'err\n');
    const total = 50 * block.length;
    const job = { id: 'j1', status: 'succeeded' } as Job;
    app = Fastify({ logger: false });
    const streams = eventStreams(app);
    app.get('/log', async (_req, reply) => {
      void followLog(streams.open(reply, { comment: 'log' }), job, dir, undefined, () => () => {});
      return reply;
    });
    const socket = join(dir, 'app.sock');
    await app.listen({ path: socket });

    // What is alive, garbage collected first: what the server holds, not what it has dropped.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const used = () => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.external;
    };
    const before = used();
    let peak = 0;
    // Every 2 s: a full collection of a big test worker's heap is not free.
    const sampler = setInterval(() => (peak = Math.max(peak, used() - before)), 2000);
    const received = { stdout: 0, stderr: 0 };
    let stdoutOk = true;
    let ended = false;
    await new Promise<void>((resolve, reject) => {
      const req = request({ socketPath: socket, path: '/log', agent: false }, res => {
        res.setEncoding('utf8');
        let pending = '';
        res.on('data', (text: string) => {
          // A slow reader: a pause after every piece it takes.
          res.pause();
          setTimeout(() => res.resume(), 1);
          pending += text;
          let cut: number;
          while ((cut = pending.indexOf('\n\n')) >= 0) {
            const frame = pending.slice(0, cut);
            pending = pending.slice(cut + 2);
            const event = /^event: (.*)$/m.exec(frame)?.[1];
            const data = /^data: (.*)$/m.exec(frame)?.[1];
            if (event === 'end') {
              ended = true;
            } else if (event === 'log') {
              const chunk = JSON.parse(data!) as {
                stream: 'stdout' | 'stderr';
                offset: number;
                text: string;
              };
              // Each chunk starts where the last ended: nothing lost, nothing twice.
              stdoutOk &&= chunk.offset === received[chunk.stream];
              if (chunk.stream === 'stdout') {
                const at = chunk.offset % line.length;
                const expected = line.repeat(chunk.text.length / line.length + 2);
                stdoutOk &&= chunk.text === expected.slice(at, at + chunk.text.length);
              }
              received[chunk.stream] += Buffer.byteLength(chunk.text);
            }
          }
        });
        res.on('end', resolve);
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    clearInterval(sampler);
    expect(ended).toBe(true);
    expect(stdoutOk).toBe(true);
    expect(received).toEqual({ stdout: total, stderr: 4 });
    expect(peak).toBeLessThan(20 * 1024 * 1024);
  }, 120_000);
});
