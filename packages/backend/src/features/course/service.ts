import type {
  ActionResult,
  Assignment,
  AssignmentList,
  AssignmentWrite,
  AutogradeProgress,
  ClassDashboard,
  CourseList,
  GradeWrite,
  Gradebook,
  GradingSubmission,
  StudentAssignmentList,
  SubmissionList,
  SubmitResult,
  ValidationResult
} from '@hotstepper/api';
import { HttpError } from '../../errors';
import type { CourseDeps } from './deps';

type SubmissionKey = { course: string; assignment: string; student: string; notebook: string };

const notBuilt = (): never => {
  throw new HttpError(501, 'Not built yet: this course route comes in a later version');
};

/** The course policy: who may do what in which course, and nbgrader underneath. */
export class CourseService {
  constructor(readonly deps: CourseDeps) {}

  stop(): void {}

  async courses(): Promise<CourseList> {
    return notBuilt();
  }
  async assignments(_course: string): Promise<AssignmentList> {
    return notBuilt();
  }
  async createAssignment(_course: string, _body: AssignmentWrite): Promise<Assignment> {
    return notBuilt();
  }
  async updateAssignment(_c: string, _a: string, _body: AssignmentWrite): Promise<Assignment> {
    return notBuilt();
  }
  async validateSource(_c: string, _a: string): Promise<ValidationResult> {
    return notBuilt();
  }
  async action(
    _c: string,
    _a: string,
    _action: 'generate' | 'release' | 'unrelease' | 'collect'
  ): Promise<ActionResult> {
    return notBuilt();
  }
  async submissions(_c: string, _a: string): Promise<SubmissionList> {
    return notBuilt();
  }
  async submission(_key: SubmissionKey): Promise<GradingSubmission> {
    return notBuilt();
  }
  async grade(_key: SubmissionKey, _body: GradeWrite): Promise<GradingSubmission> {
    return notBuilt();
  }
  async autograde(_c: string, _a: string, _students?: string[]): Promise<AutogradeProgress> {
    return notBuilt();
  }
  async autogradeProgress(_c: string, _a: string): Promise<AutogradeProgress> {
    return notBuilt();
  }
  /** Calls `listener` on every change of the assignment's autograding; returns the unsubscribe. */
  onAutograde(_c: string, _a: string, _listener: (p: AutogradeProgress) => void): () => void {
    return () => undefined;
  }
  async feedback(_c: string, _a: string, _students?: string[]): Promise<ActionResult> {
    return notBuilt();
  }
  async releaseFeedback(_c: string, _a: string, _students?: string[]): Promise<ActionResult> {
    return notBuilt();
  }
  async gradebook(_c: string): Promise<Gradebook> {
    return notBuilt();
  }
  async dashboard(_c: string): Promise<ClassDashboard> {
    return notBuilt();
  }
  async studentAssignments(_c: string): Promise<StudentAssignmentList> {
    return notBuilt();
  }
  async fetch(_c: string, _a: string): Promise<ActionResult> {
    return notBuilt();
  }
  async validateStudent(_c: string, _a: string): Promise<ValidationResult> {
    return notBuilt();
  }
  async submit(_c: string, _a: string): Promise<SubmitResult> {
    return notBuilt();
  }
}
