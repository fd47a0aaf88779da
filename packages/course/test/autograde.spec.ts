import { settingsRouting, until } from '@hotstepper/core/lib/testing';
import { AutogradeModel } from '../src/autograde';
import { progress } from './fixtures';

const PATH = 'api/v1/course/phys101/assignments/ps1/autograde';
const frame = (data: unknown, id: number) =>
  `id: ${id}\nevent: autograde\ndata: ${JSON.stringify(data)}\n\n`;

describe('AutogradeModel', () => {
  let model: AutogradeModel | undefined;
  afterEach(() => model?.dispose());

  it('starts a job per student and follows their progress until every job has ended', async () => {
    const seen: Request[] = [];
    const started = progress([
      { student: 's01', status: 'pending' },
      { student: 's02', status: 'pending' }
    ]);
    const running = progress([
      { student: 's01', job: 'j1', status: 'running', startedAt: '2026-12-02T10:00:00Z' },
      { student: 's02', job: 'j2', status: 'queued' }
    ]);
    const ended = progress([
      { student: 's01', job: 'j1', status: 'succeeded', finishedAt: '2026-12-02T10:00:09Z' },
      {
        student: 's02',
        job: 'j2',
        status: 'failed',
        reason: 'nbgrader: the kernel died while running cell test_squares'
      }
    ]);
    model = new AutogradeModel({
      course: 'phys101',
      assignment: 'ps1',
      serverSettings: settingsRouting(
        {
          [`POST ${PATH}`]: { status: 202, body: started },
          [`${PATH}/events`]: {
            status: 200,
            body: null,
            events: [frame(running, 1), frame(ended, 2)]
          }
        },
        seen
      )
    });
    const endedWith: number[] = [];
    model.ended.connect((_, p) => endedWith.push(p.done));
    const states: string[] = [];
    model.changed.connect(() =>
      states.push(model!.progress?.entries.map(e => e.status).join(',') ?? '')
    );
    await model.start();
    expect(JSON.parse(await seen[0].text())).toEqual({});
    await until(model.ended, () => endedWith.length > 0);
    // Every step the stream sent was shown, in order.
    expect([...new Set(states.filter(Boolean))]).toEqual([
      'pending,pending',
      'running,queued',
      'succeeded,failed'
    ]);
    expect(model.running).toBe(false);
    expect(model.progress).toEqual(ended);
    expect(model.failures.map(f => [f.student, f.reason])).toEqual([
      ['s02', 'nbgrader: the kernel died while running cell test_squares']
    ]);
    expect(endedWith).toEqual([1]);
  });

  it('re-runs one student by name, and says why a request failed', async () => {
    const seen: Request[] = [];
    let answer: { status: number; body: unknown } = {
      status: 400,
      body: {
        statusCode: 400,
        error: 'Bad Request',
        message: 's09 has no collected submission of ps1'
      }
    };
    model = new AutogradeModel({
      course: 'phys101',
      assignment: 'ps1',
      serverSettings: settingsRouting({ [`POST ${PATH}`]: () => answer }, seen)
    });
    await model.rerun('s09');
    expect(JSON.parse(await seen[0].text())).toEqual({ students: ['s09'] });
    expect(model.error).toBe('s09 has no collected submission of ps1');
    answer = {
      status: 202,
      body: progress([{ student: 's02', job: 'j9', status: 'succeeded' }])
    };
    await model.rerun('s02');
    expect(model.error).toBeUndefined();
    expect(model.running).toBe(false);
  });
});
