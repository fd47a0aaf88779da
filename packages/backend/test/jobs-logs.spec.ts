import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mustWait, neverFits } from '../src/platform/local/admission';
import { LogFollower, parseOffsets, wholeCharacters } from '../src/features/jobs/logs';
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
