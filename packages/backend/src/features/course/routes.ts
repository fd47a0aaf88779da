import { Type, type TSchema } from '@sinclair/typebox';
import {
  ActionResult,
  Assignment,
  AssignmentList,
  AssignmentParams,
  AssignmentWrite,
  AutogradeProgress,
  ClassDashboard,
  CourseList,
  CourseParams,
  ErrorResponse,
  FEATURE_PREFIX,
  type Job,
  GradeWrite,
  Gradebook,
  GradingSubmission,
  StudentAssignmentList,
  StudentsRequest,
  SubmissionList,
  SubmissionParams,
  SubmitResult,
  ValidationResult
} from '@hotstepper/api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { CourseDeps } from './deps';
import { CourseService } from './service';
import { eventStreamResponse, eventStreams } from '../../sse';

/**
 * Courses run by nbgrader. Every route first finds the course among the user's (404 when the
 * user is not in it); instructor routes then refuse a student (403).
 */
export const courseRoutes: FastifyPluginAsyncTypebox<CourseDeps> = async (app, deps) => {
  const service = new CourseService(deps);
  app.addHook('onClose', () => service.stop());
  // Autograding goes through the jobs feature's own routes, in process.
  const xsrf = 'course-autograde';
  const jobsCall = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const res = await app.inject({
      method,
      url,
      payload: payload as object,
      headers: { cookie: `_xsrf=${xsrf}`, 'x-xsrftoken': xsrf }
    });
    if (res.statusCode >= 400) {
      throw new Error(res.json<{ message?: string }>().message ?? `HTTP ${res.statusCode}`);
    }
    return res;
  };
  service.useJobs({
    submit: async body => (await jobsCall('POST', FEATURE_PREFIX.jobs, body)).json<Job>(),
    stdout: async id =>
      (await jobsCall('GET', `${FEATURE_PREFIX.jobs}/${encodeURIComponent(id)}/log?stream=stdout`))
        .body
  });
  const streams = eventStreams(app);
  const tags = ['course'];
  const errors = {
    400: ErrorResponse,
    403: ErrorResponse,
    404: ErrorResponse,
    409: ErrorResponse,
    501: ErrorResponse,
    502: ErrorResponse
  };
  const ok = (schema: TSchema) => ({ 200: schema, ...errors });
  const Empty = Type.Optional(Type.Object({}, { additionalProperties: false }));

  app.get(
    '/',
    { schema: { summary: "The user's courses and role in each", tags, response: ok(CourseList) } },
    async () => service.courses()
  );

  // Instructor: assignments.
  app.get(
    '/:course/assignments',
    {
      schema: {
        summary: 'The assignments: source, generated, released; due date, points, counts',
        tags,
        params: CourseParams,
        response: ok(AssignmentList)
      }
    },
    async req => service.assignments(req.params.course)
  );
  app.post(
    '/:course/assignments',
    {
      schema: {
        summary: 'A new assignment in the source folder, with its due date',
        tags,
        params: CourseParams,
        body: AssignmentWrite,
        response: ok(Assignment)
      }
    },
    async req => service.createAssignment(req.params.course, req.body)
  );
  app.put(
    '/:course/assignments/:assignment',
    {
      schema: {
        summary: "An assignment's due date and time zone",
        tags,
        params: AssignmentParams,
        body: AssignmentWrite,
        response: ok(Assignment)
      }
    },
    async req => service.updateAssignment(req.params.course, req.params.assignment, req.body)
  );
  app.post(
    '/:course/assignments/:assignment/validate',
    {
      schema: {
        summary: "nbgrader's validation of the source notebooks",
        tags,
        params: AssignmentParams,
        body: Empty,
        response: ok(ValidationResult)
      }
    },
    async req => service.validateSource(req.params.course, req.params.assignment)
  );
  for (const action of ['generate', 'release', 'unrelease', 'collect'] as const) {
    app.post(
      `/:course/assignments/:assignment/${action}`,
      {
        schema: {
          summary: {
            generate: 'Generate the student version (nbgrader generate_assignment)',
            release: 'Release to the exchange (nbgrader release_assignment)',
            unrelease: 'Take back from the exchange',
            collect: 'Collect the submissions from the exchange'
          }[action],
          tags,
          params: AssignmentParams,
          body: Empty,
          response: ok(ActionResult)
        }
      },
      async req => service.action(req.params.course, req.params.assignment, action)
    );
  }

  // Instructor: submissions and grading.
  app.get(
    '/:course/assignments/:assignment/submissions',
    {
      schema: {
        summary: 'Every student with their submission, score and late flag',
        tags,
        params: AssignmentParams,
        response: ok(SubmissionList)
      }
    },
    async req => service.submissions(req.params.course, req.params.assignment)
  );
  app.get(
    '/:course/assignments/:assignment/submissions/:student/:notebook',
    {
      schema: {
        summary: 'One notebook of one submission, for manual grading',
        tags,
        params: SubmissionParams,
        response: ok(GradingSubmission)
      }
    },
    async req => service.submission(req.params)
  );
  app.put(
    '/:course/assignments/:assignment/submissions/:student/:notebook/grades',
    {
      schema: {
        summary: 'Manual points and comments per cell (written through nbgrader)',
        tags,
        params: SubmissionParams,
        body: GradeWrite,
        response: ok(GradingSubmission)
      }
    },
    async req => service.grade(req.params, req.body)
  );

  // Instructor: autograding as jobs.
  app.post(
    '/:course/assignments/:assignment/autograde',
    {
      schema: {
        summary: 'Autograde as background jobs, one per student (all collected when none named)',
        tags,
        params: AssignmentParams,
        body: StudentsRequest,
        response: { 202: AutogradeProgress, ...errors }
      }
    },
    async (req, reply) =>
      reply
        .code(202)
        .send(await service.autograde(req.params.course, req.params.assignment, req.body?.students))
  );
  app.get(
    '/:course/assignments/:assignment/autograde',
    {
      schema: {
        summary: 'The autograde jobs: progress per student, failures with the reason',
        tags,
        params: AssignmentParams,
        response: ok(AutogradeProgress)
      }
    },
    async req => service.autogradeProgress(req.params.course, req.params.assignment)
  );
  app.get(
    '/:course/assignments/:assignment/autograde/events',
    {
      schema: {
        summary: 'The autograde progress as server-sent events ("autograde") on every change',
        tags,
        params: AssignmentParams,
        response: { 200: eventStreamResponse('"autograde" events: AutogradeProgress'), ...errors }
      }
    },
    async (req, reply) => {
      const { course, assignment } = req.params;
      const first = await service.autogradeProgress(course, assignment);
      const stream = streams.open(reply, { comment: 'hotstepper course autograde' });
      stream.send('autograde', first);
      const stop = service.onAutograde(course, assignment, progress =>
        stream.send('autograde', progress)
      );
      stream.onClose(stop);
      return reply;
    }
  );

  // Instructor: feedback.
  app.post(
    '/:course/assignments/:assignment/feedback',
    {
      schema: {
        summary: 'Generate feedback (nbgrader generate_feedback) for the students named, or all',
        tags,
        params: AssignmentParams,
        body: StudentsRequest,
        response: ok(ActionResult)
      }
    },
    async req => service.feedback(req.params.course, req.params.assignment, req.body?.students)
  );
  app.post(
    '/:course/assignments/:assignment/feedback/release',
    {
      schema: {
        summary: 'Release generated feedback to the students named, or all',
        tags,
        params: AssignmentParams,
        body: StudentsRequest,
        response: ok(ActionResult)
      }
    },
    async req =>
      service.releaseFeedback(req.params.course, req.params.assignment, req.body?.students)
  );

  // Instructor: the whole class.
  app.get(
    '/:course/gradebook',
    {
      schema: {
        summary: 'Students × assignments with totals and late flags, from gradebook.db',
        tags,
        params: CourseParams,
        response: ok(Gradebook)
      }
    },
    async req => service.gradebook(req.params.course)
  );
  app.get(
    '/:course/dashboard',
    {
      schema: {
        summary: 'Per assignment: who has fetched, submitted, is late, has not started',
        tags,
        params: CourseParams,
        response: ok(ClassDashboard)
      }
    },
    async req => service.dashboard(req.params.course)
  );

  // Student.
  app.get(
    '/:course/student/assignments',
    {
      schema: {
        summary: "The released assignments with the student's own state, feedback and score",
        tags,
        params: CourseParams,
        response: ok(StudentAssignmentList)
      }
    },
    async req => service.studentAssignments(req.params.course)
  );
  app.post(
    '/:course/student/assignments/:assignment/fetch',
    {
      schema: {
        summary: "Fetch a released assignment into the student's folder",
        tags,
        params: AssignmentParams,
        body: Empty,
        response: ok(ActionResult)
      }
    },
    async req => service.fetch(req.params.course, req.params.assignment)
  );
  app.post(
    '/:course/student/assignments/:assignment/validate',
    {
      schema: {
        summary: "Validate the student's copy (nbgrader's messages)",
        tags,
        params: AssignmentParams,
        body: Empty,
        response: ok(ValidationResult)
      }
    },
    async req => service.validateStudent(req.params.course, req.params.assignment)
  );
  app.post(
    '/:course/student/assignments/:assignment/submit',
    {
      schema: {
        summary: 'Submit (a late submission is taken, with a warning)',
        tags,
        params: AssignmentParams,
        body: Empty,
        response: ok(SubmitResult)
      }
    },
    async req => service.submit(req.params.course, req.params.assignment)
  );
};
