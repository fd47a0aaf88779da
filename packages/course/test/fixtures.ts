/**
 * Backend answers for the course routes, as the contract describes them: every fixture is
 * checked against its TypeBox schema from @hotstepper/api, so a test cannot pass on an answer
 * the backend could not send.
 */
import {
  ActionResult,
  type Assignment,
  AssignmentList,
  AutogradeProgress,
  ClassDashboard,
  CourseList,
  Gradebook,
  GradingSubmission,
  type StudentAssignment,
  StudentAssignmentList,
  SubmissionList,
  SubmitResult,
  ValidationResult
} from '@hotstepper/api';
import { schemaErrors } from '@hotstepper/core/lib/testing';
import type { TSchema } from '@sinclair/typebox';
import { ReadableStream, TextDecoderStream } from 'node:stream/web';

// jsdom lacks the web streams Node has (the autograde event stream).
Object.assign(globalThis, { ReadableStream, TextDecoderStream });

/** `value`, once the contract's schema accepts it. */
export function checked<T>(schema: TSchema, value: T): T {
  const errors = schemaErrors(schema, value);
  if (errors.length) {
    throw new Error(`fixture is not a ${schema.$id ?? 'valid answer'}: ${errors.join('; ')}`);
  }
  return value;
}

export const courses = (over: Partial<CourseList> = {}): CourseList =>
  checked(CourseList, {
    user: 'alice',
    available: true,
    courses: [
      {
        id: 'phys101',
        title: 'Physics 101',
        role: 'instructor',
        source: 'hub',
        group: 'formgrade-phys101'
      },
      { id: 'ml', title: 'Machine learning', role: 'student', source: 'hub', group: 'ml-students' }
    ],
    ...over
  });

export function assignment(over: Partial<Assignment> = {}): Assignment {
  return {
    name: 'ps1',
    status: 'released',
    dueDate: '2026-12-01T23:59:00+01:00',
    timeZone: 'Europe/Prague',
    notebooks: [{ name: 'problem1', maxPoints: 10, autogradedCells: 2, manualCells: 1 }],
    maxPoints: 10,
    sourcePath: 'phys101/source/ps1',
    collected: 28,
    autograded: 20,
    needsManualGrade: 7,
    inbound: 2,
    ...over
  };
}

export const assignments = (list: Assignment[], course = 'phys101'): AssignmentList =>
  checked(AssignmentList, { course, assignments: list });

export const dashboard = (): ClassDashboard =>
  checked(ClassDashboard, {
    course: 'phys101',
    students: 4,
    assignments: [
      {
        name: 'ps1',
        dueDate: '2026-12-01T23:59:00+01:00',
        counts: { notStarted: 1, fetched: 1, submitted: 1, late: 1 },
        students: [
          { student: 's01', state: 'not-started' },
          { student: 's02', state: 'fetched' },
          { student: 's03', state: 'submitted' },
          { student: 's04', state: 'late' }
        ]
      }
    ]
  });

export function studentAssignment(over: Partial<StudentAssignment> = {}): StudentAssignment {
  return {
    name: 'hw1',
    dueDate: '2026-12-01T23:59:00+01:00',
    fetched: true,
    path: 'ml/hw1',
    submissions: 0,
    late: false,
    feedback: [],
    ...over
  };
}

export const studentAssignments = (list: StudentAssignment[]): StudentAssignmentList =>
  checked(StudentAssignmentList, { course: 'ml', assignments: list });

export const action = (message: string, ok = true, log = ''): ActionResult =>
  checked(ActionResult, { ok, message, log });

export const validation = (ok: boolean): ValidationResult =>
  checked(ValidationResult, {
    ok,
    messages: ok
      ? [
          {
            notebook: 'problem1',
            kind: 'passed',
            message: 'Success! Your notebook passes all the tests.'
          }
        ]
      : [
          {
            notebook: 'problem1',
            cell: 'squares',
            kind: 'failed',
            message: 'AssertionError: squares(1) should be [1]'
          },
          {
            notebook: 'problem1',
            cell: 'intro',
            kind: 'changed',
            message: 'The read-only cell intro was changed'
          }
        ]
  });

export const submitted = (late: boolean): SubmitResult =>
  checked(SubmitResult, {
    ok: true,
    submittedAt: '2026-12-02T01:04:00+01:00',
    late,
    ...(late ? { warning: 'Submitted 1 h 5 min after the due date' } : {}),
    message: 'Submitted hw1'
  });

export const submissions = (): SubmissionList =>
  checked(SubmissionList, {
    course: 'phys101',
    assignment: 'ps1',
    submissions: [
      {
        student: 's01',
        late: false,
        lateSeconds: 0,
        status: 'missing',
        score: null,
        maxPoints: 10,
        needsManualGrade: false
      },
      {
        student: 's02',
        late: false,
        lateSeconds: 0,
        status: 'graded',
        score: 9,
        maxPoints: 10,
        needsManualGrade: false
      },
      {
        student: 's03',
        name: 'Eva Novak',
        submittedAt: '2026-12-02T00:10:00+01:00',
        late: true,
        lateSeconds: 660,
        status: 'autograded',
        score: 6,
        maxPoints: 10,
        needsManualGrade: true,
        job: 'j-3'
      }
    ]
  });

/** One notebook of one submission: an answer, an autograded test that failed, a manual answer. */
export function grading(student: string, over: Partial<GradingSubmission> = {}): GradingSubmission {
  return checked(GradingSubmission, {
    course: 'phys101',
    assignment: 'ps1',
    student,
    notebook: 'problem1',
    late: false,
    score: 6,
    maxPoints: 10,
    cells: [
      { id: 'intro', kind: 'readonly', cellType: 'markdown', source: '# Problem 1', outputs: [] },
      {
        id: 'squares',
        kind: 'solution',
        cellType: 'code',
        source: 'def squares(n):\n    return [i * i for i in range(n)]',
        outputs: []
      },
      {
        id: 'test_squares',
        kind: 'tests',
        cellType: 'code',
        source: 'assert squares(1) == [1]',
        outputs: [
          {
            output_type: 'error',
            ename: 'AssertionError',
            evalue: '',
            traceback: ['\u001b[0;31mAssertionError\u001b[0m: squares(1) should be [1]']
          }
        ],
        autoPoints: 0,
        manualPoints: null,
        extraCredit: null,
        maxPoints: 4,
        needsManualGrade: false,
        autoComment: null,
        comment: null
      },
      {
        id: 'explain',
        kind: 'manual',
        cellType: 'markdown',
        source: 'Squares grow quadratically.',
        outputs: [],
        autoPoints: null,
        manualPoints: null,
        extraCredit: null,
        maxPoints: 6,
        needsManualGrade: true,
        comment: null
      }
    ],
    ...over
  });
}

export function progress(
  entries: AutogradeProgress['entries'],
  course = 'phys101',
  name = 'ps1'
): AutogradeProgress {
  const done = entries.filter(e => e.status === 'succeeded').length;
  const failed = entries.filter(e => e.status === 'failed').length;
  return checked(AutogradeProgress, {
    course,
    assignment: name,
    entries,
    done,
    failed,
    total: entries.length
  });
}

export const gradebook = (): Gradebook =>
  checked(Gradebook, {
    course: 'phys101',
    assignments: [
      { name: 'ps1', maxPoints: 10, dueDate: '2026-12-01T23:59:00+01:00' },
      { name: 'ps2', maxPoints: 20 }
    ],
    rows: [
      {
        student: 's01',
        firstName: 'Adam',
        lastName: 'Zeman',
        scores: [
          { score: 10, late: false, needsManualGrade: false },
          { score: 5, late: true, needsManualGrade: false }
        ],
        total: 15,
        maxTotal: 30
      },
      {
        student: 's02',
        firstName: 'Bea',
        lastName: 'Abel',
        scores: [
          { score: null, late: false, needsManualGrade: false },
          { score: 18, late: false, needsManualGrade: true }
        ],
        total: 18,
        maxTotal: 30
      },
      {
        student: 's03',
        firstName: 'Cyril, Jr.',
        lastName: 'Moravec',
        scores: [
          { score: 3.5, late: false, needsManualGrade: false },
          { score: 20, late: false, needsManualGrade: false }
        ],
        total: 23.5,
        maxTotal: 30
      }
    ]
  });
