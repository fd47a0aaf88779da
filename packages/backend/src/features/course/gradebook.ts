/**
 * nbgrader's gradebook.db read straight with SQLite, read-only: the whole class in one query
 * (nbgrader's own API builds the same view object by object, hundreds of queries per page).
 * Scores follow nbgrader's rules: a cell's score is its manual score if set, else its automatic
 * one, plus extra credit; a submission's score is the sum less its late penalties.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import type { Gradebook } from '@hotstepper/api';
import { HttpError } from '../../errors';

const TABLE = `
WITH cell_max AS (
  SELECT id, max_score FROM grade_cells UNION ALL SELECT id, max_score FROM task_cells
), assignment_max AS (
  SELECT n.assignment_id AS id, SUM(m.max_score) AS max_score
  FROM notebook n JOIN base_cell b ON b.notebook_id = n.id JOIN cell_max m ON m.id = b.id
  GROUP BY n.assignment_id
), submission_score AS (
  SELECT sn.assignment_id AS id,
    SUM(CASE
      WHEN g.manual_score IS NOT NULL THEN g.manual_score + COALESCE(g.extra_credit, 0)
      WHEN g.auto_score IS NOT NULL THEN g.auto_score + COALESCE(g.extra_credit, 0)
      ELSE 0 END) AS raw,
    MAX(g.needs_manual_grade) AS needs
  FROM submitted_notebook sn JOIN grade g ON g.notebook_id = sn.id
  GROUP BY sn.assignment_id
), penalty AS (
  SELECT assignment_id AS id, SUM(COALESCE(late_submission_penalty, 0)) AS p
  FROM submitted_notebook GROUP BY assignment_id
)
SELECT s.id AS student, s.first_name AS firstName, s.last_name AS lastName,
  a.name AS assignment, a.duedate AS duedate, COALESCE(am.max_score, 0) AS maxPoints,
  sa.id AS submitted, sa.timestamp AS timestamp, sa.extension AS extension,
  ss.raw AS raw, ss.needs AS needs, pe.p AS penalty
FROM student s CROSS JOIN assignment a
LEFT JOIN assignment_max am ON am.id = a.id
LEFT JOIN submitted_assignment sa ON sa.student_id = s.id AND sa.assignment_id = a.id
LEFT JOIN submission_score ss ON ss.id = sa.id
LEFT JOIN penalty pe ON pe.id = sa.id
ORDER BY s.id, a.duedate IS NULL, a.duedate, a.name`;

interface Row {
  student: string;
  firstName: string | null;
  lastName: string | null;
  assignment: string;
  duedate: string | null;
  maxPoints: number;
  submitted: string | null;
  timestamp: string | null;
  extension: string | null;
  raw: number | null;
  needs: number | null;
  penalty: number | null;
}

/** nbgrader's naive UTC "YYYY-MM-DD HH:MM:SS[.ffffff]" as epoch milliseconds. */
export function utcMs(value: string): number {
  return Date.parse(`${value.replace(' ', 'T').slice(0, 23)}Z`);
}

/** nbgrader's naive UTC time as ISO 8601 with its offset. */
export const utcIso = (value: string) => new Date(utcMs(value)).toISOString();

/** How late a submission is: its time past the due date and the student's extension. */
export function secondsLate(
  timestamp: string | null,
  duedate: string | null,
  extension: string | null
): number {
  if (!timestamp || !duedate) {
    return 0;
  }
  // An extension is stored as a time after the epoch (SQLAlchemy's Interval on SQLite).
  const extra = extension ? utcMs(extension) : 0;
  return Math.max(0, (utcMs(timestamp) - utcMs(duedate) - extra) / 1000);
}

/** Opens the course's gradebook read-only, reads the whole table, closes it. */
export function readGradebook(file: string, course: string, nativeBinding?: string): Gradebook {
  if (!existsSync(file)) {
    return { course, assignments: [], rows: [] };
  }
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, nativeBinding });
  } catch (err) {
    throw new HttpError(502, `The gradebook ${file} cannot be read: ${(err as Error).message}`);
  }
  try {
    const rows = db.prepare(TABLE).all() as Row[];
    const assignments: Gradebook['assignments'] = [];
    const index = new Map<string, number>();
    const table: Gradebook['rows'] = [];
    let current: Gradebook['rows'][number] | undefined;
    for (const row of rows) {
      if (!index.has(row.assignment)) {
        index.set(row.assignment, assignments.length);
        assignments.push({
          name: row.assignment,
          maxPoints: row.maxPoints,
          ...(row.duedate ? { dueDate: utcIso(row.duedate) } : {})
        });
      }
      if (current?.student !== row.student) {
        current = {
          student: row.student,
          ...(row.firstName ? { firstName: row.firstName } : {}),
          ...(row.lastName ? { lastName: row.lastName } : {}),
          scores: [],
          total: 0,
          maxTotal: 0
        };
        table.push(current);
      }
      const score = row.submitted ? (row.raw ?? 0) - (row.penalty ?? 0) : null;
      current.scores[index.get(row.assignment)!] = {
        score,
        late: secondsLate(row.timestamp, row.duedate, row.extension) > 0,
        needsManualGrade: row.needs === 1
      };
      current.total += score ?? 0;
      current.maxTotal += row.maxPoints;
    }
    return { course, assignments, rows: table };
  } catch (err) {
    throw new HttpError(
      502,
      `The gradebook ${file} is not one nbgrader 0.9 writes: ${(err as Error).message}`
    );
  } finally {
    db.close();
  }
}
