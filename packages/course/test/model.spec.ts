import { failing, settingsRouting, until } from '@hotstepper/core/lib/testing';
import { CourseModel } from '../src/model';
import {
  action,
  assignment,
  assignments,
  courses,
  dashboard,
  studentAssignment,
  studentAssignments,
  submitted,
  validation
} from './fixtures';

const A = 'api/v1/course';

describe('CourseModel', () => {
  let model: CourseModel | undefined;
  afterEach(() => model?.dispose());

  it('shows the first course and asks only for what its role may see', async () => {
    const seen: Request[] = [];
    model = new CourseModel({
      visible: true,
      serverSettings: settingsRouting(
        {
          [A]: { status: 200, body: courses() },
          [`${A}/phys101/assignments`]: { status: 200, body: assignments([assignment()]) },
          [`${A}/phys101/dashboard`]: { status: 200, body: dashboard() },
          [`${A}/ml/student/assignments`]: {
            status: 200,
            body: studentAssignments([studentAssignment()])
          }
        },
        seen
      )
    });
    await until(model.changed, () => !!model!.assignments.value && !!model!.dashboard.value);
    expect(model.course?.id).toBe('phys101');
    expect(model.teachesAny).toBe(true);
    expect(model.assignment('ps1')?.inbound).toBe(2);
    const paths = () => seen.map(r => new URL(r.url).pathname);
    expect(paths()).not.toContain(`/hotstepper/${A}/phys101/student/assignments`);

    // The student's course: its released assignments, and no instructor route is asked.
    seen.length = 0;
    model.select('ml');
    expect(model.assignments.loading).toBe(true);
    await until(model.changed, () => !!model!.studentAssignments.value);
    expect(model.studentAssignment('hw1')?.fetched).toBe(true);
    expect(paths().filter(p => p.includes('/ml/'))).toEqual([
      `/hotstepper/${A}/ml/student/assignments`
    ]);
  });

  it('runs an instructor action, keeps its outcome and refreshes the lists', async () => {
    const seen: Request[] = [];
    let list = assignments([assignment({ status: 'generated' })]);
    model = new CourseModel({
      visible: true,
      serverSettings: settingsRouting(
        {
          [A]: { status: 200, body: courses() },
          [`${A}/phys101/assignments`]: () => ({ status: 200, body: list }),
          [`${A}/phys101/dashboard`]: { status: 200, body: dashboard() },
          [`POST ${A}/phys101/assignments/ps1/release`]: () => {
            list = assignments([assignment({ status: 'released' })]);
            return { status: 200, body: action('released ps1 to 30 students') };
          },
          [`POST ${A}/phys101/assignments/ps1/collect`]: failing(501, 'Collecting is not built yet')
        },
        seen
      )
    });
    await until(model.changed, () => !!model!.assignments.value);
    const released = model.act('release', 'ps1');
    expect(model.busy('ps1', 'release')).toBe(true);
    expect(await released).toMatchObject({ ok: true, message: 'released ps1 to 30 students' });
    expect(model.busy('ps1')).toBe(false);
    const post = seen.find(r => r.method === 'POST')!;
    expect(await post.text()).toBe('{}');
    await until(model.changed, () => model!.assignment('ps1')?.status === 'released');

    // A refusal keeps the backend's words.
    const refused = await model.act('collect', 'ps1');
    expect(refused).toEqual({
      action: 'collect',
      ok: false,
      message: 'Collecting is not built yet'
    });
    expect(model.outcome('ps1')).toBe(refused);
    model.dismiss('ps1');
    expect(model.outcome('ps1')).toBeUndefined();
  });

  it('sends feedback for the students named, creates assignments and sets due dates', async () => {
    const seen: Request[] = [];
    model = new CourseModel({
      visible: true,
      serverSettings: settingsRouting(
        {
          [A]: { status: 200, body: courses() },
          [`${A}/phys101/assignments`]: { status: 200, body: assignments([assignment()]) },
          [`${A}/phys101/dashboard`]: { status: 200, body: dashboard() },
          [`POST ${A}/phys101/assignments/ps1/feedback`]: { status: 200, body: action('ok') },
          [`POST ${A}/phys101/assignments`]: {
            status: 200,
            body: assignment({ name: 'ps2', status: 'draft', notebooks: [], maxPoints: 0 })
          },
          [`PUT ${A}/phys101/assignments/ps2`]: {
            status: 200,
            body: assignment({ name: 'ps2', status: 'draft', dueDate: '2026-12-24T12:00:00-05:00' })
          }
        },
        seen
      )
    });
    await until(model.changed, () => !!model!.assignments.value);
    await model.act('feedback', 'ps1', ['s03']);
    expect(JSON.parse(await seen.at(-1)!.text())).toEqual({ students: ['s03'] });

    await model.create({ name: 'ps2' });
    expect(model.assignments.value!.assignments.map(a => a.name)).toEqual(['ps1', 'ps2']);
    await model.setDueDate('ps2', '2026-12-24T12:00:00-05:00', 'America/New_York');
    const put = seen.at(-1)!;
    expect(put.method).toBe('PUT');
    expect(JSON.parse(await put.text())).toEqual({
      dueDate: '2026-12-24T12:00:00-05:00',
      timeZone: 'America/New_York'
    });
    expect(model.assignment('ps2')?.dueDate).toBe('2026-12-24T12:00:00-05:00');
  });

  it('lets a student fetch, validate with nbgrader’s messages and submit late with the warning', async () => {
    let list = studentAssignments([studentAssignment({ fetched: false, path: undefined })]);
    model = new CourseModel({
      visible: true,
      serverSettings: settingsRouting({
        [A]: { status: 200, body: courses({ courses: [courses().courses[1]] }) },
        [`${A}/ml/student/assignments`]: () => ({ status: 200, body: list }),
        [`POST ${A}/ml/student/assignments/hw1/fetch`]: () => {
          list = studentAssignments([studentAssignment()]);
          return { status: 200, body: action('Fetched hw1 into ml/hw1') };
        },
        [`POST ${A}/ml/student/assignments/hw1/validate`]: { status: 200, body: validation(false) },
        [`POST ${A}/ml/student/assignments/hw1/submit`]: { status: 200, body: submitted(true) }
      })
    });
    await until(model.changed, () => !!model!.studentAssignments.value);
    expect(model.teachesAny).toBe(false);
    expect((await model.fetch('hw1')).message).toBe('Fetched hw1 into ml/hw1');
    await until(model.changed, () => !!model!.studentAssignment('hw1')?.fetched);

    const checkedOut = await model.validate('hw1');
    expect(checkedOut.ok).toBe(false);
    expect(checkedOut.message).toBe('Validation found 2 problems');
    expect(checkedOut.messages?.map(m => m.cell)).toEqual(['squares', 'intro']);

    expect(model.isLate(model.studentAssignment('hw1')!, Date.parse('2026-12-02T00:00:00Z'))).toBe(
      true
    );
    expect(model.isLate(model.studentAssignment('hw1')!, Date.parse('2026-12-01T22:00:00Z'))).toBe(
      false
    );
    const sent = await model.submit('hw1');
    expect(sent).toMatchObject({ ok: true, warning: 'Submitted 1 h 5 min after the due date' });
  });

  it('says nbgrader is missing, and loads the courses at start-up shown or not', async () => {
    let calls = 0;
    model = new CourseModel({
      serverSettings: settingsRouting({
        [A]: () =>
          ++calls < 2
            ? failing(503, 'starting')
            : {
                status: 200,
                body: courses({ courses: [], available: false, problem: 'Install nbgrader 0.9' })
              }
      })
    });
    await model.load(3);
    expect(calls).toBe(2);
    expect(model.courses.value?.problem).toBe('Install nbgrader 0.9');
    expect(model.course).toBeNull();
  });
});
