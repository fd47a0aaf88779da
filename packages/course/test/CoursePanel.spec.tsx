import { type IAnswer, failing, settingsRouting, until } from '@hotstepper/core/lib/testing';
import { nullTranslator } from '@jupyterlab/translation';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import React from 'react';
import { CoursePanelView } from '../src/components/CoursePanel';
import { CourseModel } from '../src/model';
import {
  action,
  assignment,
  assignments,
  courses,
  dashboard,
  progress,
  studentAssignment,
  studentAssignments,
  submitted,
  validation
} from './fixtures';

const trans = nullTranslator.load('hotstepper');
const A = 'api/v1/course';

describe('CoursePanelView', () => {
  let model: CourseModel | undefined;
  afterEach(() => model?.dispose());

  async function renderPanel(
    routes: Record<string, IAnswer | (() => IAnswer)>,
    ready: () => boolean
  ) {
    const seen: Request[] = [];
    model = new CourseModel({ visible: true, serverSettings: settingsRouting(routes, seen) });
    await until(model.changed, () => !model!.courses.loading && ready());
    const opened: string[] = [];
    const graded: string[] = [];
    const asked: string[] = [];
    let answer = true;
    const r = render(
      <CoursePanelView
        model={model}
        trans={trans}
        onOpen={p => opened.push(p)}
        onGrade={a => graded.push(a)}
        onGradebook={() => undefined}
        confirm={async (title, body) => {
          asked.push(`${title} ${body}`);
          return answer;
        }}
      />
    );
    const rerender = () =>
      r.rerender(
        <CoursePanelView
          model={model!}
          trans={trans}
          onOpen={p => opened.push(p)}
          onGrade={a => graded.push(a)}
          onGradebook={() => undefined}
          confirm={async (title, body) => {
            asked.push(`${title} ${body}`);
            return answer;
          }}
        />
      );
    model.changed.connect(() => act(() => rerender()));
    return { ...r, seen, opened, graded, asked, setAnswer: (v: boolean) => (answer = v) };
  }

  const posts = (seen: Request[]) =>
    seen
      .filter(r => r.method === 'POST')
      .map(r => new URL(r.url).pathname.replace(`/hotstepper/${A}/`, ''));

  it('says what to do when the user is in no course, or nbgrader is missing', async () => {
    await renderPanel({ [A]: { status: 200, body: courses({ courses: [] }) } }, () => true);
    expect(screen.getByText(/alice takes part in no course/)).toBeTruthy();
    model!.dispose();
    document.body.innerHTML = '';
    await renderPanel(
      {
        [A]: {
          status: 200,
          body: courses({
            courses: [],
            available: false,
            problem: 'nbgrader is not installed in the server’s Python: pip install nbgrader==0.9.6'
          })
        }
      },
      () => true
    );
    expect(screen.getByRole('alert').textContent).toContain('pip install nbgrader==0.9.6');
  });

  it('shows the backend’s error with a retry', async () => {
    let fail = true;
    await renderPanel(
      {
        [A]: () =>
          fail
            ? failing(500, 'The course list could not be read')
            : { status: 200, body: courses({ courses: [] }) }
      },
      () => true
    );
    expect(screen.getByRole('alert').textContent).toContain('The course list could not be read');
    fail = false;
    fireEvent.click(screen.getByText('Retry'));
    await screen.findByText(/takes part in no course/);
  });

  it('lets a student fetch, open, validate and submit late after saying so', async () => {
    let list = studentAssignments([
      studentAssignment({ fetched: false, path: undefined }),
      studentAssignment({
        name: 'hw0',
        submissions: 1,
        submittedAt: '2026-11-20T10:00:00+01:00',
        feedback: [{ notebook: 'intro', path: 'ml/feedback/hw0/intro.html' }],
        score: 8,
        maxPoints: 10
      })
    ]);
    const r = await renderPanel(
      {
        [A]: { status: 200, body: courses({ courses: [courses().courses[1]] }) },
        [`${A}/ml/student/assignments`]: () => ({ status: 200, body: list }),
        [`POST ${A}/ml/student/assignments/hw1/fetch`]: () => {
          list = studentAssignments([studentAssignment(), list.assignments[1]]);
          return { status: 200, body: action('Fetched hw1') };
        },
        [`POST ${A}/ml/student/assignments/hw1/validate`]: { status: 200, body: validation(false) },
        [`POST ${A}/ml/student/assignments/hw1/submit`]: { status: 200, body: submitted(true) }
      },
      () => !!model!.studentAssignments.value
    );
    const card = (name: string) =>
      r.container.querySelector<HTMLElement>(`[data-assignment="${name}"]`)!;
    expect(within(card('hw0')).getByText('8 / 10')).toBeTruthy();
    fireEvent.click(within(card('hw0')).getByText('intro'));
    expect(r.opened).toEqual(['ml/feedback/hw0/intro.html']);

    fireEvent.click(within(card('hw1')).getByText('Fetch'));
    await within(card('hw1')).findByText('Open');
    fireEvent.click(within(card('hw1')).getByText('Open'));
    expect(r.opened.at(-1)).toBe('ml/hw1');

    fireEvent.click(within(card('hw1')).getByText('Validate'));
    await within(card('hw1')).findByText('Validation found 2 problems');
    expect(card('hw1').textContent).toContain('AssertionError: squares(1) should be [1]');

    // The due date (1 Dec 2026) is past for this test's clock: the button and a question say so.
    const now = jest.spyOn(Date, 'now').mockReturnValue(Date.parse('2026-12-02T00:04:00Z'));
    act(() => model!.refresh());
    r.setAnswer(false);
    fireEvent.click(await within(card('hw1')).findByText('Submit (late)'));
    await waitFor(() => expect(r.asked).toHaveLength(1));
    expect(r.asked[0]).toMatch(/^Submit late\? The due date was 1 h 5 min ago/);
    expect(posts(r.seen)).not.toContain('ml/student/assignments/hw1/submit');
    r.setAnswer(true);
    fireEvent.click(within(card('hw1')).getByText('Submit (late)'));
    await within(card('hw1')).findByText('Submitted 1 h 5 min after the due date');
    expect(posts(r.seen)).toContain('ml/student/assignments/hw1/submit');
    now.mockRestore();
  });

  it('shows an instructor each assignment’s actions, the class and the autograde failures', async () => {
    const r = await renderPanel(
      {
        [A]: { status: 200, body: courses() },
        [`${A}/phys101/assignments`]: {
          status: 200,
          body: assignments([
            assignment(),
            assignment({ name: 'ps2', status: 'generated', collected: 0 })
          ])
        },
        [`${A}/phys101/dashboard`]: { status: 200, body: dashboard() },
        [`${A}/phys101/assignments/ps1/autograde`]: {
          status: 200,
          body: progress([
            { student: 's01', job: 'j1', status: 'succeeded' },
            {
              student: 's02',
              job: 'j2',
              status: 'failed',
              reason: 'Timeout: cell test_squares ran 30 s'
            }
          ])
        },
        [`POST ${A}/phys101/assignments/ps1/autograde`]: {
          status: 202,
          body: progress([
            { student: 's01', job: 'j1', status: 'succeeded' },
            { student: 's02', job: 'j3', status: 'succeeded' }
          ])
        },
        [`POST ${A}/phys101/assignments/ps2/validate`]: { status: 200, body: validation(false) },
        [`POST ${A}/phys101/assignments/ps2/release`]: {
          status: 200,
          body: action('released ps2 to 30 students')
        }
      },
      () => !!model!.assignments.value && !!model!.dashboard.value
    );
    const card = (name: string) =>
      r.container.querySelector<HTMLElement>(`[data-assignment="${name}"]`)!;
    const actions = (name: string) =>
      [...card(name).querySelectorAll<HTMLElement>('.hs-CourseActions button')].map(
        b => b.dataset.action
      );
    expect(actions('ps1')).toEqual([
      'validate',
      'unrelease',
      'collect',
      'autograde',
      'grade',
      'feedback',
      'releaseFeedback'
    ]);
    expect(actions('ps2')).toEqual(['validate', 'generate', 'release']);
    // Shown in the zone it was set in, whatever the browser's.
    expect(card('ps1').textContent).toMatch(/Due .*2026.*(11:59 PM|23:59) \(Europe\/Prague\)/);
    expect(
      [...card('ps1').querySelectorAll<HTMLElement>('.hs-CourseDashboard-legend li')].map(
        l => l.textContent
      )
    ).toEqual(['1 not started', '1 fetched', '1 submitted', '1 late']);

    // Autograding started earlier shows its failure with the reason, and re-runs that student.
    const failure = await within(card('ps1')).findByText('Timeout: cell test_squares ran 30 s');
    fireEvent.click(within(failure.closest('li')!).getByText('Re-run'));
    await until(model!.changed, () => posts(r.seen).includes('phys101/assignments/ps1/autograde'));
    const rerun = r.seen.filter(q => q.method === 'POST').at(-1)!;
    expect(JSON.parse(await rerun.text())).toEqual({ students: ['s02'] });
    await until(model!.changed, () => !card('ps1').textContent!.includes('Timeout'));

    fireEvent.click(within(card('ps1')).getByText('Grade'));
    expect(r.graded).toEqual(['ps1']);

    fireEvent.click(within(card('ps2')).getByText('Validate'));
    await within(card('ps2')).findByText('Validation found 2 problems');
    fireEvent.click(within(card('ps2')).getByText('Release'));
    await within(card('ps2')).findByText('released ps2 to 30 students');
  });
});
