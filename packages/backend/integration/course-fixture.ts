/**
 * The generated course of course-fixture.py, made once per content of the script and copied
 * for each test file (generating it takes seconds; a copy, milliseconds). The copy's
 * nbgrader_config.py files are pointed at its own exchange.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './jupyter';

export const FIXTURE_SCRIPT = join(__dirname, 'course-fixture.py');
export const VENV_PYTHON = join(REPO_ROOT, '.venv', 'bin', 'python');

export interface CourseFixture {
  dir: string;
  course: string;
  students: string[];
  late: string;
  assignments: string[];
}

/** A fresh copy of the generated course in `dir` (made if absent), with `students` students. */
export function courseFixture(dir: string, students = 30): CourseFixture {
  const hash = createHash('sha256')
    .update(readFileSync(FIXTURE_SCRIPT))
    .update(String(students))
    .digest('hex')
    .slice(0, 16);
  const cache = join(tmpdir(), `hotstepper-course-fixture-${hash}`);
  if (!existsSync(join(cache, 'summary.json'))) {
    const building = `${cache}.${process.pid}`;
    rmSync(building, { recursive: true, force: true });
    const out = execFileSync(
      VENV_PYTHON,
      [FIXTURE_SCRIPT, building, '--students', String(students)],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe']
      }
    );
    writeFileSync(join(building, 'summary.json'), out.trim().split('\n').pop()!);
    writeFileSync(join(building, 'origin'), building);
    rmSync(cache, { recursive: true, force: true });
    renameSync(building, cache);
  }
  cpSync(cache, dir, { recursive: true, preserveTimestamps: true });
  const origin = readFileSync(join(dir, 'origin'), 'utf8');
  const configs = [
    join(dir, 'instructor', 'intro', 'nbgrader_config.py'),
    ...readdirSync(join(dir, 'students')).map(s =>
      join(dir, 'students', s, 'intro', 'nbgrader_config.py')
    )
  ];
  for (const file of configs) {
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll(origin, dir));
  }
  return {
    dir,
    ...(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Omit<CourseFixture, 'dir'>)
  };
}
