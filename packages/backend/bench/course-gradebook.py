"""A big nbgrader course for the gradebook benchmark: python course-gradebook.py DIR [students] [assignments]

nbgrader itself makes the course (the assignments generated from source notebooks, so the
gradebook's notebooks and cells are its own); the students' submissions and grades are then
written straight into gradebook.db, in its schema, for speed (600 × 10 through nbgrader's ORM
would take many minutes). Scores vary; some need a manual grade; some are late.
"""

import datetime
import os
import random
import sqlite3
import sys
import uuid
from pathlib import Path

os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")

import nbformat
from nbgrader.api import Gradebook
from nbgrader.apps.api import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config



def source_notebook(points):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    m = lambda gid, **kw: {"nbgrader": {"grade": False, "solution": False, "locked": False, "grade_id": gid, "schema_version": 3, **kw}}
    nb.cells = [
        nbformat.v4.new_code_cell("def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION", metadata=m("answer", solution=True)),
        nbformat.v4.new_code_cell("assert f(1) == 1", metadata=m("tests", grade=True, locked=True, points=points)),
        nbformat.v4.new_markdown_cell("YOUR ANSWER HERE", metadata=m("written", grade=True, solution=True, points=2)),
    ]
    return nb


def main():
    base = Path(sys.argv[1]).resolve()
    students = int(sys.argv[2]) if len(sys.argv) > 2 else 600
    assignments = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    course = base / "bench"
    exchange = base / "exchange"
    exchange.mkdir(parents=True, exist_ok=True)
    course.mkdir(parents=True, exist_ok=True)
    (course / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.course_id = 'bench'\nc.CourseDirectory.root = {str(course)!r}\nc.Exchange.root = {str(exchange)!r}\n"
    )
    names = [f"a{i:02d}" for i in range(1, assignments + 1)]
    for i, name in enumerate(names):
        (course / "source" / name).mkdir(parents=True, exist_ok=True)
        nbformat.write(source_notebook(3 + i % 4), course / "source" / name / "problem.ipynb")
    os.chdir(course)
    c = Config()
    c.CourseDirectory.course_id = "bench"
    c.CourseDirectory.root = str(course)
    coursedir = CourseDirectory(config=c)
    start = datetime.datetime(2026, 9, 1)
    with Gradebook(coursedir.db_url, "bench") as gb:
        for j, name in enumerate(names):
            gb.update_or_create_assignment(name, duedate=start + datetime.timedelta(days=7 * (j + 1)))
    api = NbGraderAPI(coursedir=coursedir, config=c)
    for name in names:
        r = api.generate_assignment(name)
        if not r.get("success"):
            sys.exit(r.get("error"))

    db = sqlite3.connect(course / "gradebook.db")
    rnd = random.Random(12)
    db.executemany(
        "INSERT INTO student (id, first_name, last_name) VALUES (?, ?, ?)",
        [(f"u{i:04d}", f"First{i}", f"Last{i}") for i in range(students)],
    )
    rows = db.execute(
        "SELECT a.id, a.name, a.duedate, n.id, b.id, b.name FROM assignment a JOIN notebook n ON n.assignment_id = a.id "
        "JOIN base_cell b ON b.notebook_id = n.id JOIN grade_cells g ON g.id = b.id"
    ).fetchall()
    cells = {}
    for aid, aname, due, nid, cid, cname in rows:
        cells.setdefault((aid, due, nid), []).append((cid, cname))
    sa, sn, gr = [], [], []
    for i in range(students):
        for (aid, due, nid), graded in cells.items():
            if rnd.random() < 0.08:
                continue  # not submitted
            sid, nbid = uuid.uuid4().hex, uuid.uuid4().hex
            due_dt = datetime.datetime.fromisoformat(due)
            ts = due_dt + datetime.timedelta(hours=rnd.choice([-30, -5, -1, 2]) if rnd.random() < 0.1 else -rnd.randint(2, 100))
            sa.append((sid, aid, f"u{i:04d}", ts.isoformat(sep=" ")))
            sn.append((nbid, sid, nid, 0.0))
            for cid, cname in graded:
                if cname == "tests":
                    gr.append((uuid.uuid4().hex, cid, nbid, float(rnd.choice([0, 3])), None, None, 0))
                else:
                    manual = rnd.choice([None, 0.0, 1.0, 2.0])
                    gr.append((uuid.uuid4().hex, cid, nbid, None, manual, None, 1 if manual is None else 0))
    db.executemany("INSERT INTO submitted_assignment (id, assignment_id, student_id, timestamp) VALUES (?, ?, ?, ?)", sa)
    db.executemany("INSERT INTO submitted_notebook (id, assignment_id, notebook_id, late_submission_penalty) VALUES (?, ?, ?, ?)", sn)
    db.executemany(
        "INSERT INTO grade (id, cell_id, notebook_id, auto_score, manual_score, extra_credit, needs_manual_grade) VALUES (?, ?, ?, ?, ?, ?, ?)",
        gr,
    )
    db.commit()
    print(f"{students} students x {assignments} assignments: {len(sa)} submissions, {len(gr)} grades")


if __name__ == "__main__":
    main()
