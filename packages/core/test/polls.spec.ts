import { ResourcePolls } from '../src/polls';
import { until } from '../src/testing';

interface IResources extends Record<string, unknown> {
  a: number;
  b: string;
}

/** A factory whose answers the test sets, counting its calls. */
function source<T>(first: T | Error) {
  let next: T | Error = first;
  const calls = { count: 0 };
  return {
    calls,
    answer: (value: T | Error) => (next = value),
    factory: async (): Promise<T> => {
      calls.count++;
      if (next instanceof Error) {
        throw next;
      }
      return next;
    }
  };
}

const tick = (ms = 0) => new Promise(resolve => setTimeout(resolve, ms));

describe('ResourcePolls', () => {
  let polls: ResourcePolls<IResources> | undefined;
  afterEach(() => polls?.dispose());

  it('loads each resource while visible, with the time of the answer', async () => {
    const a = source(1);
    const b = source('one');
    polls = new ResourcePolls<IResources>(
      { a: { factory: a.factory, interval: 60_000 }, b: { factory: b.factory, interval: 60_000 } },
      { visible: true }
    );
    expect(polls.state('a')).toEqual({ loading: true, stale: false });
    const p = polls;
    await until(p.changed, () => !p.state('a').loading && !p.state('b').loading);
    expect(p.state('a')).toEqual({
      value: 1,
      loading: false,
      stale: false,
      updatedAt: expect.any(Number)
    });
    expect(p.state('b').value).toBe('one');
  });

  it('keeps the last value after a failure, marked stale with the error, until the next success', async () => {
    const a = source<number>(1);
    polls = new ResourcePolls<IResources>(
      {
        a: { factory: a.factory, interval: 60_000 },
        b: { factory: async () => '', interval: 60_000 }
      },
      { visible: true }
    );
    const p = polls;
    await until(p.changed, () => p.state('a').value === 1);
    const updatedAt = p.state('a').updatedAt;
    a.answer(new Error('backend down'));
    await tick();
    p.refresh('a');
    await until(p.changed, () => p.state('a').error !== undefined);
    expect(p.state('a')).toEqual({
      value: 1,
      error: 'backend down',
      loading: false,
      stale: true,
      updatedAt
    });
    a.answer(2);
    await tick();
    p.refresh('a');
    await until(p.changed, () => p.state('a').value === 2);
    expect(p.state('a').error).toBeUndefined();
    expect(p.state('a').stale).toBe(false);
  });

  it('a failure before any value is an error, not stale', async () => {
    polls = new ResourcePolls<IResources>(
      {
        a: { factory: async () => Promise.reject(new Error('No route')), interval: 60_000 },
        b: { factory: async () => '', interval: 60_000 }
      },
      { visible: true }
    );
    const p = polls;
    await until(p.changed, () => !p.state('a').loading);
    expect(p.state('a')).toEqual({ error: 'No route', loading: false, stale: false });
  });

  it('by default polls only while visible; a resource with its own standby polls regardless', async () => {
    const a = source(1);
    const b = source('always');
    polls = new ResourcePolls<IResources>({
      a: { factory: a.factory, interval: 60_000 },
      b: { factory: b.factory, interval: 60_000, standby: 'when-hidden' }
    });
    const p = polls;
    await until(p.changed, () => p.state('b').value === 'always');
    await tick(30);
    expect(a.calls.count).toBe(0);
    expect(p.state('a').loading).toBe(true);
    p.visible = true;
    expect(p.visible).toBe(true);
    await until(p.changed, () => p.state('a').value === 1);
  });

  it('applies a new interval at once', async () => {
    const a = source(1);
    polls = new ResourcePolls<IResources>(
      {
        a: { factory: a.factory, interval: 60_000 },
        b: { factory: async () => '', interval: 60_000 }
      },
      { visible: true }
    );
    const p = polls;
    await p.answered('a');
    const before = a.calls.count;
    p.setInterval('a', 10);
    await tick(80);
    expect(a.calls.count).toBeGreaterThan(before + 1);
  });

  it('reset shows loading and drops an answer asked for before it', async () => {
    let release: (v: number) => void = () => undefined;
    let calls = 0;
    polls = new ResourcePolls<IResources>(
      {
        a: {
          factory: () => {
            calls++;
            return calls === 1 ? new Promise<number>(r => (release = r)) : Promise.resolve(2);
          },
          interval: 60_000
        },
        b: { factory: async () => '', interval: 60_000 }
      },
      { visible: true }
    );
    const p = polls;
    while (calls === 0) {
      await tick(5);
    }
    p.reset('a');
    expect(p.state('a')).toEqual({ loading: true, stale: false });
    release(1);
    await until(p.changed, () => p.state('a').value === 2);
    await tick(10);
    expect(p.state('a').value).toBe(2);
  });

  it('records a value obtained elsewhere, e.g. the answer of a POST', async () => {
    polls = new ResourcePolls<IResources>({
      a: { factory: async () => 1, interval: 60_000 },
      b: { factory: async () => '', interval: 60_000 }
    });
    const keys: string[] = [];
    polls.changed.connect((_, key) => keys.push(key as string));
    polls.set('a', 7);
    expect(polls.state('a')).toMatchObject({ value: 7, loading: false, stale: false });
    expect(keys).toEqual(['a']);
  });

  it('stops polling when disposed', async () => {
    const a = source(1);
    polls = new ResourcePolls<IResources>(
      { a: { factory: a.factory, interval: 10 }, b: { factory: async () => '', interval: 10 } },
      { visible: true }
    );
    await polls.answered('a');
    polls.dispose();
    const count = a.calls.count;
    polls.refresh();
    await tick(50);
    expect(a.calls.count).toBe(count);
    expect(polls.isDisposed).toBe(true);
  });

  it('settles a caller waiting for an answer when disposed, and one asking afterwards', async () => {
    // A factory that never answers: only dispose can end the wait.
    polls = new ResourcePolls<IResources>(
      {
        a: { factory: () => new Promise<number>(() => undefined), interval: 60_000 },
        b: { factory: async () => '', interval: 60_000 }
      },
      { visible: true }
    );
    let settled = false;
    const waiting = polls.answered('a').then(() => (settled = true));
    await tick(20);
    expect(settled).toBe(false);
    polls.dispose();
    await waiting;
    expect(settled).toBe(true);
    await expect(polls.answered('a')).resolves.toBeUndefined();
  });

  it('shows a seeded value as stale and loading until the first answer replaces it', async () => {
    const a = source(2);
    polls = new ResourcePolls<IResources>(
      {
        a: { factory: a.factory, interval: 60_000 },
        b: { factory: source('x').factory, interval: 60_000 }
      },
      { visible: false }
    );
    polls.seed('a', 1, 1000);
    expect(polls.state('a')).toEqual({ value: 1, loading: true, stale: true, updatedAt: 1000 });
    polls.seed('a', 5, 2000); // only before a value is there
    expect(polls.state('a').value).toBe(1);
    const p = polls;
    p.visible = true;
    await until(p.changed, () => !p.state('a').loading);
    expect(p.state('a')).toMatchObject({ value: 2, loading: false, stale: false });
  });
});
