/**
 * @hotstepper/course: an instructor's course over real nbgrader — a course folder with an
 * nbgrader_config.py and an exchange, made here at the place the server's admin config
 * (hotstepper-test-config.json, course "ui101", instructor root) names, and removed afterwards.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { expect, inBothThemes, screenshot, test } from './helpers';

const ROOT = path.resolve(__dirname, '..', '.tmp', 'jupyter-root');
const COURSE_DIR = path.join(ROOT, 'hs-ui-course', 'ui101');
const EXCHANGE = '/tmp/hs-ui-course-exchange';
const NOTEBOOK = 'hs-ui-course/ui101/source/ps1/problem.ipynb';
const PANEL_ID = 'hs-course-panel';
const NBGRADER = path.resolve(__dirname, '..', '..', '.venv', 'bin', 'nbgrader');
const PYTHON = path.resolve(__dirname, '..', '..', '.venv', 'bin', 'python');

/**
 * ps3 through nbgrader's own Python API: generated and released by the instructor, then fetched,
 * answered and submitted by student s01 (nbgrader takes the student's name from the OS user).
 */
const RELEASE_AND_SUBMIT = `
import os, sys, nbformat
import nbgrader.utils
from nbgrader.apps import NbGraderAPI
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default import ExchangeFetchAssignment, ExchangeSubmit
from traitlets.config import Config
course, exchange, student_home = sys.argv[1:4]
def config(root=None):
    c = Config()
    c.CourseDirectory.course_id = "ui101"
    c.Exchange.root = exchange
    if root:
        c.CourseDirectory.root = root
    return c
os.chdir(course)
c = config(course)
api = NbGraderAPI(coursedir=CourseDirectory(config=c), authenticator=Authenticator(config=c), config=c)
for step in (api.generate_assignment("ps3"), api.release_assignment("ps3")):
    if not step.get("success"):
        sys.exit(step.get("error") or step.get("log"))
nbgrader.utils.get_osusername = lambda: "s01"
os.makedirs(student_home, exist_ok=True)
os.chdir(student_home)
c = config()
c.Exchange.cache = os.path.join(student_home, "cache")
for App in (ExchangeFetchAssignment, ExchangeSubmit):
    if App is ExchangeSubmit:
        path = os.path.join(student_home, "ps3", "problem.ipynb")
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "squares":
                cell.source = "def squares(n):\\n    return [i * i for i in range(n)]"
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "explain":
                cell.source = "A square is a number times itself."
        nbformat.write(nb, path)
    cd = CourseDirectory(config=c)
    cd.assignment_id = "ps3"
    App(coursedir=cd, authenticator=Authenticator(config=c), config=c).start()
`;

const graded = (id: string, extra: Record<string, unknown>) => ({
  nbgrader: { grade_id: id, locked: false, task: false, schema_version: 3, ...extra }
});

const code = (source: string) => ({
  cell_type: 'code',
  source,
  metadata: {},
  outputs: [],
  execution_count: null
});

test.beforeAll(() => {
  fs.rmSync(path.dirname(COURSE_DIR), { recursive: true, force: true });
  fs.rmSync(EXCHANGE, { recursive: true, force: true });
  fs.mkdirSync(path.join(COURSE_DIR, 'source', 'ps1'), { recursive: true });
  fs.mkdirSync(EXCHANGE, { recursive: true, mode: 0o777 });
  fs.writeFileSync(
    path.join(COURSE_DIR, 'nbgrader_config.py'),
    `c = get_config()\nc.CourseDirectory.course_id = "ui101"\nc.Exchange.root = "${EXCHANGE}"\n`
  );
  // One student in the gradebook: the class the dashboard shows.
  execFileSync(NBGRADER, ['db', 'student', 'add', 's01', '--first-name=Ada', '--last-name=Byron'], {
    cwd: COURSE_DIR,
    stdio: 'pipe'
  });
  fs.writeFileSync(
    path.join(ROOT, NOTEBOOK),
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {
        kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }
      },
      cells: [
        code(
          'def squares(n):\n    ### BEGIN SOLUTION\n    return [i * i for i in range(1, n + 1)]\n    ### END SOLUTION'
        ),
        code('assert squares(2) == [1, 4]')
      ]
    })
  );
});

/** The instructor's side of ui102, done with nbgrader's own API: `release` or `feedback`. */
const INSTRUCTOR_102 = `
import os, sys
from nbgrader.apps import NbGraderAPI
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config
course, exchange, op = sys.argv[1:4]
os.chdir(course)
c = Config()
c.CourseDirectory.course_id = "ui102"
c.CourseDirectory.root = course
c.Exchange.root = exchange
api = NbGraderAPI(coursedir=CourseDirectory(config=c), authenticator=Authenticator(config=c), config=c)
steps = (
    [lambda: api.generate_assignment("ps1"), lambda: api.release_assignment("ps1")]
    if op == "release"
    else [
        lambda: api.collect("ps1"),
        lambda: api.autograde("ps1", "root"),
        lambda: api.generate_feedback("ps1", "root"),
        lambda: api.release_feedback("ps1", "root"),
    ]
)
for step in steps:
    result = step()
    if not result.get("success"):
        sys.exit(result.get("error") or result.get("log"))
`;

/** A notebook marked for nbgrader: an answer, its autograded test (2 points), an answer graded by hand (3). */
const gradedNotebook = () =>
  JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }
    },
    cells: [
      {
        ...code(
          'def squares(n):\n    ### BEGIN SOLUTION\n    return [i * i for i in range(1, n + 1)]\n    ### END SOLUTION'
        ),
        metadata: graded('squares', { grade: false, solution: true })
      },
      {
        ...code('assert squares(2) == [1, 4], "squares(2) should be [1, 4]"'),
        metadata: graded('test_squares', {
          grade: true,
          solution: false,
          locked: true,
          points: 2
        })
      },
      {
        cell_type: 'markdown',
        source:
          'Explain what a square is.\n\n=== BEGIN MARK SCHEME ===\nnumber times itself\n=== END MARK SCHEME ===',
        metadata: graded('explain', { grade: true, solution: true, points: 3 })
      }
    ]
  });

test.afterAll(() => {
  fs.rmSync('/tmp/hs-ui-course-student', { recursive: true, force: true });
  fs.rmSync('/tmp/hs-ui-course-ui102', { recursive: true, force: true });
  fs.rmSync(path.dirname(COURSE_DIR), { recursive: true, force: true });
  fs.rmSync(EXCHANGE, { recursive: true, force: true });
});

test('an instructor marks a test cell with points, generates and releases, and sees the class', async ({
  page
}, info) => {
  // The cell toolbar: mark the second cell as autograded tests worth 2 points.
  await page.notebook.openByPath(NOTEBOOK);
  await page.notebook.selectCells(0);
  const answer = page.locator('.jp-Notebook .jp-Cell').nth(0);
  await answer.click();
  const mark = page.locator('.jp-cell-toolbar [data-command="hotstepper-course:mark-cell"]');
  await expect(mark).toBeVisible({ timeout: 60_000 });
  await mark.click();
  const dialog = page.locator('.jp-Dialog');
  await dialog.locator('select').selectOption('solution');
  await expect(dialog.getByLabel('Points')).toBeHidden();
  await dialog.getByRole('button', { name: 'Apply' }).click();

  await page.locator('.jp-Notebook .jp-Cell').nth(1).click();
  await mark.click();
  await dialog.locator('select').selectOption('tests');
  await dialog.getByLabel('Points').fill('2');
  await dialog.getByLabel('Cell id').fill('test_squares');
  await dialog.getByRole('button', { name: 'Apply' }).click();
  await page.notebook.save();
  const saved = JSON.parse(fs.readFileSync(path.join(ROOT, NOTEBOOK), 'utf8')) as {
    cells: Array<{ metadata: { nbgrader?: Record<string, unknown> } }>;
  };
  expect(saved.cells[0].metadata.nbgrader).toMatchObject({ solution: true, grade: false });
  expect(saved.cells[1].metadata.nbgrader).toEqual({
    grade_id: 'test_squares',
    grade: true,
    solution: false,
    locked: true,
    task: false,
    points: 2,
    schema_version: 3
  });

  // The panel: nbgrader's own validate, generate and release of that notebook.
  await page.sidebar.openTab(PANEL_ID);
  const panel = page.locator(`#${PANEL_ID}`);
  const card = panel.locator('.hs-CourseAssignment[data-assignment="ps1"]');
  await expect(card).toBeVisible({ timeout: 60_000 });
  await card.getByRole('button', { name: 'Validate' }).click();
  await expect(card.locator('.hs-CourseOutcome')).toBeVisible({ timeout: 60_000 });
  await card.getByRole('button', { name: 'Dismiss' }).click();
  await card.getByRole('button', { name: 'Generate' }).click();
  await expect(card.locator('.hs-CourseBadge.hs-mod-generated')).toBeVisible({ timeout: 60_000 });
  await expect(card).toContainText('problem (2 pts)');
  await card.getByRole('button', { name: 'Release' }).click();
  await expect(card.locator('.hs-CourseBadge.hs-mod-released')).toBeVisible({ timeout: 60_000 });
  await expect(card.locator('.hs-CourseDashboard-legend [data-state="notStarted"]')).toHaveText(
    '1 not started',
    { timeout: 60_000 }
  );

  // A new assignment due at a wall-clock time in a zone other than the browser's.
  await panel.getByRole('button', { name: 'New assignment' }).click();
  await panel.getByLabel('Name', { exact: true }).fill('ps2');
  await panel.getByLabel('Due date', { exact: true }).fill('2030-06-01T09:30');
  await panel.getByLabel('Time zone').selectOption('Asia/Tokyo');
  await expect(panel.locator('.hs-CourseForm-preview')).toHaveText(
    'Due at 2030-06-01T09:30:00+09:00'
  );
  await panel.getByRole('button', { name: 'Create' }).click();
  const ps2 = panel.locator('.hs-CourseAssignment[data-assignment="ps2"]');
  await expect(ps2).toContainText('(Asia/Tokyo)', { timeout: 60_000 });
  await expect(ps2.locator('.hs-CourseBadge.hs-mod-draft')).toBeVisible();

  await inBothThemes(page, async theme => {
    await screenshot(panel, `course-instructor-${theme}`, info);
  });
});

test('an instructor collects, autogrades as jobs and grades a submission by keyboard', async ({
  page
}, info) => {
  const source = path.join(COURSE_DIR, 'source', 'ps3');
  fs.mkdirSync(source, { recursive: true });
  fs.writeFileSync(path.join(source, 'problem.ipynb'), gradedNotebook());
  execFileSync(
    PYTHON,
    ['-c', RELEASE_AND_SUBMIT, COURSE_DIR, EXCHANGE, '/tmp/hs-ui-course-student'],
    { stdio: 'pipe' }
  );

  await page.sidebar.openTab(PANEL_ID);
  const panel = page.locator(`#${PANEL_ID}`);
  const card = panel.locator('.hs-CourseAssignment[data-assignment="ps3"]');
  await expect(card.locator('.hs-CourseCounts')).toContainText('1 waiting to be collected', {
    timeout: 60_000
  });
  await card.getByRole('button', { name: 'Collect' }).click();
  await expect(card.locator('.hs-CourseCounts')).toContainText('1 collected', { timeout: 60_000 });
  await card.getByRole('button', { name: 'Autograde' }).click();
  // One job per student, its progress streamed; the student's answer fails the test cell.
  await expect(card.locator('.hs-Meter-autograde .hs-Meter-value')).toHaveText('1 of 1, 0 failed', {
    timeout: 120_000
  });
  const grade = card.getByRole('button', { name: 'Grade', exact: true });
  await expect(grade).toBeEnabled({ timeout: 60_000 });
  await grade.click();

  const grading = page.locator('.hs-Grading');
  await expect(grading.getByRole('heading', { level: 2 })).toHaveText('ps3 · s01 · problem', {
    timeout: 60_000
  });
  await expect(grading.locator('[data-cell="test_squares"] .hs-GradingCell-output')).toContainText(
    'squares(2) should be [1, 4]'
  );
  await expect(grading.locator('[data-cell="test_squares"] .hs-GradeForm-auto')).toHaveText(
    'Autograder: 0 of 2'
  );
  // Keyboard only: the first graded cell has the focus; Alt+↓ goes to the answer graded by hand.
  await expect(grading.getByLabel('Points of test_squares')).toBeFocused();
  await page.keyboard.press('Alt+ArrowDown');
  const points = grading.getByLabel('Points of explain');
  await expect(points).toBeFocused();
  await expect(grading.locator('[data-cell="explain"]')).toHaveClass(/hs-mod-active/);
  await page.keyboard.type('3');
  await page.keyboard.press('Enter');
  await expect(grading.locator('.hs-Grading-header .hs-mod-score')).toHaveText('3 / 5', {
    timeout: 60_000
  });
  await inBothThemes(page, async theme => {
    await screenshot(grading, `course-grading-${theme}`, info);
  });
});

test('a student fetches, validates, submits and reads the feedback', async ({ page }) => {
  const instructor = '/tmp/hs-ui-course-ui102';
  const studentDir = path.join(path.dirname(COURSE_DIR), 'ui102');
  fs.rmSync(instructor, { recursive: true, force: true });
  fs.mkdirSync(path.join(instructor, 'source', 'ps1'), { recursive: true });
  fs.writeFileSync(path.join(instructor, 'source', 'ps1', 'problem.ipynb'), gradedNotebook());
  fs.mkdirSync(studentDir, { recursive: true });
  for (const dir of [instructor, studentDir]) {
    fs.writeFileSync(
      path.join(dir, 'nbgrader_config.py'),
      `c = get_config()\nc.CourseDirectory.course_id = "ui102"\nc.Exchange.root = "${EXCHANGE}"\n`
    );
  }
  execFileSync(PYTHON, ['-c', INSTRUCTOR_102, instructor, EXCHANGE, 'release'], { stdio: 'pipe' });

  await page.sidebar.openTab(PANEL_ID);
  const panel = page.locator(`#${PANEL_ID}`);
  await panel.getByLabel('Course', { exact: true }).selectOption('ui102', { timeout: 60_000 });
  await expect(panel.locator('.hs-CourseBadge.hs-mod-student')).toBeVisible();
  // The student sees no instructor's action.
  await expect(panel.getByRole('button', { name: 'Gradebook' })).toHaveCount(0);
  const card = panel.locator('.hs-CourseAssignment[data-assignment="ps1"]');
  await card.getByRole('button', { name: 'Fetch' }).click({ timeout: 60_000 });
  await expect(card.getByRole('button', { name: 'Open' })).toBeVisible({ timeout: 60_000 });
  expect(fs.existsSync(path.join(studentDir, 'ps1', 'problem.ipynb'))).toBe(true);

  // The answer is still nbgrader's stub: its validator says which test fails.
  await card.getByRole('button', { name: 'Validate' }).click();
  await expect(card.locator('.hs-CourseOutcome.hs-mod-failed')).toBeVisible({ timeout: 60_000 });
  await expect(card.locator('.hs-CourseOutcome-messages')).not.toBeEmpty();
  await card.getByRole('button', { name: 'Submit', exact: true }).click();
  await expect(card.locator('.hs-CourseAssignment-state')).toContainText('Submitted', {
    timeout: 60_000
  });

  execFileSync(PYTHON, ['-c', INSTRUCTOR_102, instructor, EXCHANGE, 'feedback'], { stdio: 'pipe' });
  await page.evaluate(() => window.jupyterapp.commands.execute('hotstepper-course:refresh'));
  const feedback = card.locator('.hs-CourseFeedback').getByRole('button', { name: 'problem' });
  await expect(feedback).toBeVisible({ timeout: 60_000 });
  await expect(card.locator('.hs-CourseBadge.hs-mod-score')).toHaveText(/^\d+(\.\d+)? \/ 5$/);
  await feedback.click();
  await expect(page.locator('.lm-TabBar-tab', { hasText: 'problem.html' })).toBeVisible({
    timeout: 60_000
  });
});
