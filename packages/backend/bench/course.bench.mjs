// The course benchmarks (scripts/bench.mjs, section "course"):
//  - gradebook: the students × assignments view of a generated 600 × 10 gradebook.db, as the
//    course panel loads it (one GET of /course/{c}/gradebook) vs. nbgrader's formgrader API for
//    the same figures (/formgrader/api/assignments, then /formgrader/api/submissions/{a} per
//    assignment), both through the same Jupyter server, median of BENCH_GRADEBOOK_ROUNDS (9);
//    the two must agree on every score;
//  - autograde: BENCH_AUTOGRADE_STUDENTS (30) submissions of the generated course autograded as
//    local jobs through the backend vs. `nbgrader autograde` of the same run serially.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchCourse({ startJupyter, root }) {
  const python = join(root, '.venv', 'bin', 'python');
  const here = join(root, 'packages', 'backend');
  const work = mkdtempSync(join(tmpdir(), 'hs-bench-course-'));
  try {
    await gradebook({ startJupyter, python, here, work });
    await autograde({ startJupyter, python, here, work });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function gradebook({ startJupyter, python, here, work }) {
  const students = Number(process.env.BENCH_GRADEBOOK_STUDENTS ?? 600);
  const rounds = Number(process.env.BENCH_GRADEBOOK_ROUNDS ?? 9);
  const config = join(work, 'hotstepper-gradebook.json');
  const server = await startJupyter({
    disableSuite: false,
    env: { HOTSTEPPER_CONFIG: config },
    prepare: (dir, configDir) => {
      const made = execFileSync(
        python,
        [join(here, 'bench', 'course-gradebook.py'), dir, String(students), '10'],
        { encoding: 'utf8' }
      );
      console.log(`course gradebook: ${made.trim()}`);
      // formgrader reads nbgrader's config from the Jupyter config folder.
      writeFileSync(
        join(configDir, 'nbgrader_config.py'),
        `c = get_config()\nc.CourseDirectory.root = ${JSON.stringify(join(dir, 'bench'))}\nc.CourseDirectory.course_id = 'bench'\nc.Exchange.root = ${JSON.stringify(join(dir, 'exchange'))}\n`
      );
      writeFileSync(
        config,
        JSON.stringify({
          course: {
            python,
            directory: join(dir, 'bench'),
            courses: [{ id: 'bench', instructors: [process.env.USER || 'root'] }]
          }
        })
      );
    }
  });
  try {
    const headers = { Authorization: `token ${server.token}` };
    const get = async url => {
      const res = await fetch(`${server.base}${url}`, { headers });
      if (!res.ok) {
        throw new Error(`GET ${url} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
      }
      return res.json();
    };
    const ours = async () => get('hotstepper/api/v1/course/bench/gradebook');
    const theirs = async () => {
      const assignments = await get('formgrader/api/assignments');
      const table = new Map();
      for (const a of assignments) {
        for (const s of await get(`formgrader/api/submissions/${encodeURIComponent(a.name)}`)) {
          table.set(`${s.student}/${a.name}`, s.submitted ? s.score : null);
        }
      }
      return table;
    };
    // Same figures first: every student's score on every assignment.
    const book = await ours();
    const formgrader = await theirs();
    let cells = 0;
    for (const row of book.rows) {
      row.scores.forEach((cell, j) => {
        const want = formgrader.get(`${row.student}/${book.assignments[j].name}`);
        if (Math.abs((cell.score ?? 0) - (want ?? 0)) > 1e-9) {
          throw new Error(`${row.student}/${book.assignments[j].name}: ${cell.score} vs ${want}`);
        }
        cells++;
      });
    }
    const time = async fn => {
      const t = performance.now();
      await fn();
      return performance.now() - t;
    };
    const a = [];
    const b = [];
    for (let i = 0; i < rounds; i++) {
      a.push(await time(ours));
      b.push(await time(theirs));
    }
    const oursMs = median(a);
    const theirsMs = median(b);
    console.log(
      `course gradebook (${book.rows.length} students × ${book.assignments.length} assignments, ${cells} scores equal): ` +
        `ours ${oursMs.toFixed(0)} ms, formgrader API ${theirsMs.toFixed(0)} ms (11 requests) → ` +
        `${(oursMs / theirsMs).toFixed(3)}× (goal ≤ 0.05× and < 1000 ms), median of ${rounds}`
    );
  } finally {
    await server.stop();
  }
}

async function autograde({ startJupyter, python, here, work }) {
  const students = Number(process.env.BENCH_AUTOGRADE_STUDENTS ?? 30);
  const fixture = join(work, 'fx');
  execFileSync(
    python,
    [join(here, 'integration', 'course-fixture.py'), fixture, '--students', String(students)],
    {
      stdio: 'ignore'
    }
  );
  const env = { ...process.env, PATH: `${join(python, '..')}:${process.env.PATH}` };
  const course = join(fixture, 'instructor', 'intro');
  execFileSync(python, ['-m', 'nbgrader', 'collect', 'ps1'], { cwd: course, env, stdio: 'ignore' });
  // A copy for the jobs, collected already, before the serial run grades the original.
  const config = join(work, 'hotstepper-autograde.json');
  const server = await startJupyter({
    disableSuite: false,
    env: { HOTSTEPPER_CONFIG: config },
    prepare: dir => {
      cpSync(course, join(dir, 'intro'), { recursive: true });
      writeFileSync(
        config,
        JSON.stringify({
          course: { python, courses: [{ id: 'intro', instructors: [process.env.USER || 'root'] }] }
        })
      );
    }
  });
  try {
    let t = performance.now();
    execFileSync(python, ['-m', 'nbgrader', 'autograde', 'ps1'], {
      cwd: course,
      env,
      stdio: 'ignore'
    });
    const serialMs = performance.now() - t;

    const headers = { Authorization: `token ${server.token}` };
    const page = await fetch(`${server.base}lab`, { headers });
    const xsrf = /_xsrf=([^;]+)/.exec(page.headers.get('set-cookie') ?? '')?.[1] ?? '';
    const url = `${server.base}hotstepper/api/v1/course/intro/assignments/ps1/autograde`;
    t = performance.now();
    const started = await fetch(url, {
      method: 'POST',
      headers: {
        ...headers,
        'Content-Type': 'application/json',
        'X-XSRFToken': xsrf,
        Cookie: `_xsrf=${xsrf}`
      },
      body: '{}'
    });
    if (started.status !== 202) {
      throw new Error(`autograde answered ${started.status}: ${await started.text()}`);
    }
    let progress;
    for (;;) {
      progress = await (await fetch(url, { headers })).json();
      if (progress.done + progress.failed === progress.total) {
        break;
      }
      await new Promise(r => setTimeout(r, 250));
    }
    const jobsMs = performance.now() - t;
    console.log(
      `course autograde (${progress.total} submissions, ${progress.failed} failed): as local jobs ${(jobsMs / 1000).toFixed(1)} s, ` +
        `nbgrader autograde serially ${(serialMs / 1000).toFixed(1)} s → ${(jobsMs / serialMs).toFixed(2)}×`
    );
  } finally {
    await server.stop();
  }
}
