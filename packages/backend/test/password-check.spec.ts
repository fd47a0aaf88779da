import bcrypt from 'bcryptjs';
import { isMainThread } from 'node:worker_threads';
import { CheckQueueFull, PasswordChecker } from '../src/platform/local/password-check';

describe('checking passwords in worker threads', () => {
  let checker: PasswordChecker;
  afterEach(() => checker.close());

  it('says whether a password matches its bcrypt hash', async () => {
    checker = new PasswordChecker(2);
    const hash = bcrypt.hashSync('open sesame', 4);
    expect(
      await Promise.all([
        checker.check('open sesame', hash),
        checker.check('open sesame!', hash),
        checker.check('open sesame', 'not a hash')
      ])
    ).toEqual([true, false, false]);
    expect(isMainThread).toBe(true);
  });

  it('keeps the event loop free while it checks', async () => {
    checker = new PasswordChecker(1);
    const hash = bcrypt.hashSync('x', 12); // a few hundred ms of CPU per check
    let worst = 0;
    let last = Date.now();
    const tick = setInterval(() => {
      const now = Date.now();
      worst = Math.max(worst, now - last);
      last = now;
    }, 5);
    try {
      const results = await Promise.all([1, 2, 3].map(i => checker.check(`guess ${i}`, hash)));
      expect(results).toEqual([false, false, false]);
    } finally {
      clearInterval(tick);
    }
    // bcrypt on this thread would hold it for the whole check each time.
    expect(worst).toBeLessThan(150);
  }, 30_000);

  it('refuses more checks than it may queue, rather than queueing without end', async () => {
    checker = new PasswordChecker(1, 2);
    const hash = bcrypt.hashSync('x', 4);
    const first = [checker.check('a', hash), checker.check('b', hash)];
    await expect(checker.check('c', hash)).rejects.toBeInstanceOf(CheckQueueFull);
    expect(await Promise.all(first)).toEqual([false, false]);
    expect(await checker.check('x', hash)).toBe(true);
  });

  it("gives each group its share: one group's flood leaves room for the others", async () => {
    checker = new PasswordChecker(1, 4, 2);
    const hash = bcrypt.hashSync('x', 4);
    const flood = [checker.check('a', hash, 'attacked'), checker.check('b', hash, 'attacked')];
    await expect(checker.check('c', hash, 'attacked')).rejects.toBeInstanceOf(CheckQueueFull);
    expect(await checker.check('x', hash, 'quiet')).toBe(true);
    expect(await Promise.all(flood)).toEqual([false, false]);
    // A finished check gives its place back.
    expect(await checker.check('x', hash, 'attacked')).toBe(true);
  });
});
