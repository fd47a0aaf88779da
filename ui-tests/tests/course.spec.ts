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

test.afterAll(() => {
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
