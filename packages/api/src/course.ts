import { Type, type Static } from '@sinclair/typebox';
import {
  COURSE_ASSIGNMENT_STATUSES,
  COURSE_CELL_KINDS,
  COURSE_NAME_PATTERN,
  COURSE_ROLES,
  COURSE_STUDENT_STATES,
  JOB_STATUSES
} from './constants';
import { literals } from './literals';

/*
 * Courses run by nbgrader: the instructor's routes (assignments, autograding as jobs, manual
 * grading, feedback, the gradebook, the class dashboard) and the student's (released
 * assignments, fetch, validate, submit, feedback). Names (course, assignment, student,
 * notebook) are nbgrader's own ids; times are ISO 8601 with their offset.
 */

const Name = Type.String({ pattern: COURSE_NAME_PATTERN });
const Timestamp = Type.String({ format: 'date-time' });
const Points = Type.Number({ minimum: 0 });

export const CourseRole = literals(...COURSE_ROLES);
export type CourseRole = Static<typeof CourseRole>;

/** One course the user takes part in; several per user, possibly in different roles. */
export const Course = Type.Object({
  id: Name,
  title: Type.String(),
  role: CourseRole,
  /** Where the membership came from: the hub's groups or the admin's config. */
  source: literals('hub', 'config'),
  /** The hub group that gave the role, when it came from the hub. */
  group: Type.Optional(Type.String())
});
export type Course = Static<typeof Course>;

/** `GET /course` */
export const CourseList = Type.Object(
  {
    user: Type.String(),
    courses: Type.Array(Course),
    /** false: nbgrader is not installed in the server's Python; `problem` says what to do. */
    available: Type.Boolean(),
    problem: Type.Optional(Type.String())
  },
  { $id: 'CourseList' }
);
export type CourseList = Static<typeof CourseList>;

export const AssignmentStatus = literals(...COURSE_ASSIGNMENT_STATUSES, {
  description:
    'draft: source only; generated: the student version exists; released: in the exchange; ' +
    'closed: released and past its due date'
});
export type AssignmentStatus = Static<typeof AssignmentStatus>;

/** One notebook of an assignment and its points (from the gradebook once generated). */
export const AssignmentNotebook = Type.Object({
  name: Type.String({ description: 'The notebook name without ".ipynb"' }),
  maxPoints: Points,
  /** Cells graded automatically / by hand / tasks. */
  autogradedCells: Type.Integer({ minimum: 0 }),
  manualCells: Type.Integer({ minimum: 0 })
});
export type AssignmentNotebook = Static<typeof AssignmentNotebook>;

/** An assignment as the instructor sees it. */
export const Assignment = Type.Object(
  {
    name: Name,
    status: AssignmentStatus,
    /** The due date with its offset, e.g. "2026-12-01T23:59:00+01:00"; absent: none. */
    dueDate: Type.Optional(Timestamp),
    /** The IANA zone the due date was set in (for display), e.g. "Europe/Prague". */
    timeZone: Type.Optional(Type.String()),
    notebooks: Type.Array(AssignmentNotebook),
    maxPoints: Points,
    /** The source folder (`source/<name>`), relative to the Jupyter root, for the file browser. */
    sourcePath: Type.Optional(Type.String()),
    /** Submissions collected into `submitted/`, autograded, and still needing a manual grade. */
    collected: Type.Integer({ minimum: 0 }),
    autograded: Type.Integer({ minimum: 0 }),
    needsManualGrade: Type.Integer({ minimum: 0 }),
    /** Submissions waiting in the exchange's inbound, not collected yet. */
    inbound: Type.Integer({ minimum: 0 })
  },
  { $id: 'CourseAssignment' }
);
export type Assignment = Static<typeof Assignment>;

/** `GET /course/{course}/assignments` (instructor) */
export const AssignmentList = Type.Object(
  { course: Name, assignments: Type.Array(Assignment) },
  { $id: 'CourseAssignmentList' }
);
export type AssignmentList = Static<typeof AssignmentList>;

/**
 * `POST /course/{course}/assignments` creates one from `source/<name>/` (the folder is made if
 * absent); `PUT /course/{course}/assignments/{assignment}` changes its due date.
 */
export const AssignmentWrite = Type.Object(
  {
    name: Type.Optional(Name),
    dueDate: Type.Optional(
      Type.Union([Timestamp, Type.Null()], {
        description: 'With its offset; null removes the due date'
      })
    ),
    timeZone: Type.Optional(Type.String({ maxLength: 64 }))
  },
  { $id: 'CourseAssignmentWrite', additionalProperties: false }
);
export type AssignmentWrite = Static<typeof AssignmentWrite>;

/** One problem nbgrader's validator found, in its words. */
export const ValidationMessage = Type.Object({
  notebook: Type.String(),
  /** The cell's nbgrader id, when the message is about one cell. */
  cell: Type.Optional(Type.String()),
  kind: literals('failed', 'passed', 'changed', 'error', 'type-changed'),
  message: Type.String()
});
export type ValidationMessage = Static<typeof ValidationMessage>;

/** The answer of validate (student or instructor): ok when no test failed and nothing errored. */
export const ValidationResult = Type.Object(
  { ok: Type.Boolean(), messages: Type.Array(ValidationMessage) },
  { $id: 'CourseValidationResult' }
);
export type ValidationResult = Static<typeof ValidationResult>;

/** The answer of the nbgrader actions (generate, release, unrelease, collect, feedback). */
export const ActionResult = Type.Object(
  {
    ok: Type.Boolean(),
    /** What was done, in words ("released ps1 to 30 students"). */
    message: Type.String(),
    /** nbgrader's log of the run, its last lines, for when it did not go as hoped. */
    log: Type.String()
  },
  { $id: 'CourseActionResult' }
);
export type ActionResult = Static<typeof ActionResult>;

/** The students an action is for; absent or empty: all of them. */
export const StudentsRequest = Type.Object(
  { students: Type.Optional(Type.Array(Name, { maxItems: 10000 })) },
  { $id: 'CourseStudentsRequest', additionalProperties: false }
);
export type StudentsRequest = Static<typeof StudentsRequest>;

/** One submission of an assignment, as the instructor's list shows it. */
export const Submission = Type.Object({
  student: Name,
  /** First and last name from the gradebook, when known. */
  name: Type.Optional(Type.String()),
  submittedAt: Type.Optional(Timestamp),
  late: Type.Boolean(),
  lateSeconds: Type.Number({ minimum: 0 }),
  status: literals('missing', 'inbound', 'collected', 'autograded', 'graded', 'feedback-released'),
  score: Type.Union([Type.Number(), Type.Null()]),
  maxPoints: Points,
  needsManualGrade: Type.Boolean(),
  /** The student's autograde job, once one was started. */
  job: Type.Optional(Type.String())
});
export type Submission = Static<typeof Submission>;

/** `GET /course/{course}/assignments/{assignment}/submissions` */
export const SubmissionList = Type.Object(
  { course: Name, assignment: Name, submissions: Type.Array(Submission) },
  { $id: 'CourseSubmissionList' }
);
export type SubmissionList = Static<typeof SubmissionList>;

export const AutogradeJobStatus = Type.Union([literals(...JOB_STATUSES), Type.Literal('pending')]);

/** One student's autograding: a job of the jobs feature. */
export const AutogradeEntry = Type.Object({
  student: Name,
  /** The job's id in the jobs feature (`/jobs/{id}`, its log); absent while pending. */
  job: Type.Optional(Type.String()),
  status: AutogradeJobStatus,
  /** A failure's reason in words (nbgrader's error, the job's). */
  reason: Type.Optional(Type.String()),
  startedAt: Type.Optional(Timestamp),
  finishedAt: Type.Optional(Timestamp)
});
export type AutogradeEntry = Static<typeof AutogradeEntry>;

/**
 * `POST /course/{course}/assignments/{assignment}/autograde` (body StudentsRequest; one job per
 * student) and `GET` of the same path: the progress. The event stream `…/autograde/events`
 * sends this whole object as "autograde" events on every change, until all have ended.
 */
export const AutogradeProgress = Type.Object(
  {
    course: Name,
    assignment: Name,
    entries: Type.Array(AutogradeEntry),
    /** Counts per status, for the progress bar. */
    done: Type.Integer({ minimum: 0 }),
    failed: Type.Integer({ minimum: 0 }),
    total: Type.Integer({ minimum: 0 })
  },
  { $id: 'CourseAutogradeProgress' }
);
export type AutogradeProgress = Static<typeof AutogradeProgress>;

export const CellKind = literals(...COURSE_CELL_KINDS, {
  description:
    "nbgrader's cell roles: solution (answer), tests (autograded tests), manual (graded by hand), " +
    'task (graded by hand, no answer cell), readonly (locked), other'
});
export type CellKind = Static<typeof CellKind>;

/** One cell of a submission, as the grader sees it. */
export const GradingCell = Type.Object({
  /** nbgrader's grade_id (its cell id); absent for cells nbgrader does not grade or lock. */
  id: Type.Optional(Type.String()),
  kind: CellKind,
  cellType: literals('code', 'markdown', 'raw'),
  source: Type.String(),
  /** nbformat outputs as the autograder left them (tests cells: its output). */
  outputs: Type.Array(Type.Unknown()),
  /** Graded cells only. */
  autoPoints: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  manualPoints: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  extraCredit: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  maxPoints: Type.Optional(Points),
  needsManualGrade: Type.Optional(Type.Boolean()),
  /** Comments: nbgrader's automatic one and the grader's. */
  autoComment: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  comment: Type.Optional(Type.Union([Type.String(), Type.Null()]))
});
export type GradingCell = Static<typeof GradingCell>;

/**
 * `GET /course/{course}/assignments/{assignment}/submissions/{student}/{notebook}`: one notebook
 * of one submission for manual grading; `next`/`previous` name the neighbours to preload.
 */
export const GradingSubmission = Type.Object(
  {
    course: Name,
    assignment: Name,
    student: Name,
    notebook: Type.String(),
    late: Type.Boolean(),
    score: Type.Number(),
    maxPoints: Points,
    cells: Type.Array(GradingCell),
    next: Type.Optional(Type.Object({ student: Name, notebook: Type.String() })),
    previous: Type.Optional(Type.Object({ student: Name, notebook: Type.String() }))
  },
  { $id: 'CourseGradingSubmission' }
);
export type GradingSubmission = Static<typeof GradingSubmission>;

/** `PUT …/submissions/{student}/{notebook}/grades`: points and comments per cell; absent: unchanged. */
export const GradeWrite = Type.Object(
  {
    cells: Type.Array(
      Type.Object(
        {
          id: Type.String({ minLength: 1 }),
          manualPoints: Type.Optional(Type.Union([Points, Type.Null()])),
          extraCredit: Type.Optional(Type.Union([Points, Type.Null()])),
          comment: Type.Optional(Type.Union([Type.String({ maxLength: 20000 }), Type.Null()]))
        },
        { additionalProperties: false }
      ),
      { minItems: 1 }
    )
  },
  { $id: 'CourseGradeWrite', additionalProperties: false }
);
export type GradeWrite = Static<typeof GradeWrite>;

/** One cell of the gradebook: a student's score on one assignment. */
export const GradebookCell = Type.Object({
  /** null: nothing submitted. */
  score: Type.Union([Type.Number(), Type.Null()]),
  late: Type.Boolean(),
  needsManualGrade: Type.Boolean()
});
export type GradebookCell = Static<typeof GradebookCell>;

/**
 * `GET /course/{course}/gradebook`: students × assignments in one answer, straight from
 * gradebook.db. `rows[i].scores[j]` is student i on `assignments[j]`.
 */
export const Gradebook = Type.Object(
  {
    course: Name,
    assignments: Type.Array(
      Type.Object({ name: Name, maxPoints: Points, dueDate: Type.Optional(Timestamp) })
    ),
    rows: Type.Array(
      Type.Object({
        student: Name,
        firstName: Type.Optional(Type.String()),
        lastName: Type.Optional(Type.String()),
        scores: Type.Array(GradebookCell),
        total: Type.Number(),
        maxTotal: Points
      })
    )
  },
  { $id: 'CourseGradebook' }
);
export type Gradebook = Static<typeof Gradebook>;

export const StudentState = literals(...COURSE_STUDENT_STATES);
export type StudentState = Static<typeof StudentState>;

/**
 * `GET /course/{course}/dashboard`: per released assignment, who is where, from the exchange
 * and the gradebook. `students` holds every student of the course with their state.
 */
export const ClassDashboard = Type.Object(
  {
    course: Name,
    students: Type.Integer({ minimum: 0 }),
    assignments: Type.Array(
      Type.Object({
        name: Name,
        dueDate: Type.Optional(Timestamp),
        counts: Type.Object({
          notStarted: Type.Integer({ minimum: 0 }),
          fetched: Type.Integer({ minimum: 0 }),
          submitted: Type.Integer({ minimum: 0 }),
          late: Type.Integer({ minimum: 0 })
        }),
        students: Type.Array(Type.Object({ student: Name, state: StudentState }))
      })
    )
  },
  { $id: 'CourseClassDashboard' }
);
export type ClassDashboard = Static<typeof ClassDashboard>;

/** A released assignment as the student sees it. */
export const StudentAssignment = Type.Object({
  name: Name,
  dueDate: Type.Optional(Timestamp),
  /** Fetched into the student's folder; where (relative to the Jupyter root). */
  fetched: Type.Boolean(),
  path: Type.Optional(Type.String()),
  /** The last submission's time, if any. */
  submittedAt: Type.Optional(Timestamp),
  submissions: Type.Integer({ minimum: 0 }),
  late: Type.Boolean(),
  /** Feedback released to this student: its files, relative to the Jupyter root. */
  feedback: Type.Array(Type.Object({ notebook: Type.String(), path: Type.String() })),
  /** Known once feedback is released. */
  score: Type.Optional(Type.Number()),
  maxPoints: Type.Optional(Points)
});
export type StudentAssignment = Static<typeof StudentAssignment>;

/** `GET /course/{course}/student/assignments` */
export const StudentAssignmentList = Type.Object(
  { course: Name, assignments: Type.Array(StudentAssignment) },
  { $id: 'CourseStudentAssignmentList' }
);
export type StudentAssignmentList = Static<typeof StudentAssignmentList>;

/** `POST …/student/assignments/{assignment}/submit`: a late submission is taken, with the warning. */
export const SubmitResult = Type.Object(
  {
    ok: Type.Boolean(),
    submittedAt: Timestamp,
    late: Type.Boolean(),
    /** "Submitted 2 h 5 min after the due date", when late. */
    warning: Type.Optional(Type.String()),
    message: Type.String()
  },
  { $id: 'CourseSubmitResult' }
);
export type SubmitResult = Static<typeof SubmitResult>;

/** Route parameters. */
export const CourseParams = Type.Object({ course: Name });
export const AssignmentParams = Type.Object({ course: Name, assignment: Name });
export const SubmissionParams = Type.Object({
  course: Name,
  assignment: Name,
  student: Name,
  notebook: Type.String({ minLength: 1, maxLength: 200, pattern: '^[^/\\\\]+$' })
});
