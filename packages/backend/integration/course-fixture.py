"""A generated nbgrader course for the course tests and benchmarks.

    python course-fixture.py DIR [--students 30]

Writes under DIR: `exchange/` (the exchange root), `instructor/<course>/` (the course folder
with nbgrader_config.py, source/ with 3 assignments of autograded and manually graded cells,
the gradebook with the students) and `students/<user>/<course>/` (each student's folder).
The assignments are generated and released with nbgrader, and every student fetches and
submits through nbgrader's own exchange code as that user, with varied answers: right, wrong,
an exception, an empty (untouched) one; one submission of ps1 comes after its due date.
Prints a JSON summary. Runs in one process: nbgrader's CLI apps are what this drives, without
paying Python's start-up 200 times.
"""

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path

import nbformat
import nbgrader.utils
from nbgrader.api import Gradebook
from nbgrader.apps.api import NbGraderAPI
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default import ExchangeFetchAssignment, ExchangeSubmit
from traitlets.config import Config

# nbgrader runs its own tools (alembic) from PATH: those beside this Python.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
COURSE = "intro"
ASSIGNMENTS = {"ps1": 3, "ps2": 4, "ps3": 5}  # the tests cell's points; the written answer is 2


def meta(grade_id, grade=False, solution=False, locked=False, points=None):
    m = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id, "schema_version": 3}
    if points is not None:
        m["points"] = points
    return {"nbgrader": m}


def source_notebook(points):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("Write `squares(n)`: the squares of 1…n.", metadata=meta("intro", locked=True)),
        nbformat.v4.new_code_cell(
            "def squares(n):\n    ### BEGIN SOLUTION\n    return [i * i for i in range(1, n + 1)]\n    ### END SOLUTION",
            metadata=meta("squares", solution=True),
        ),
        nbformat.v4.new_code_cell(
            "assert squares(1) == [1]\nassert squares(3) == [1, 4, 9]",
            metadata=meta("test_squares", grade=True, locked=True, points=points),
        ),
        nbformat.v4.new_markdown_cell(
            "=== BEGIN MARK SCHEME ===\nSays what a square is.\n=== END MARK SCHEME ===\n\nYOUR ANSWER HERE",
            metadata=meta("explain", grade=True, solution=True, points=2),
        ),
    ]
    # The written answer's prompt must be a solution region nbgrader clears.
    nb.cells[3].source = "YOUR ANSWER HERE"
    return nb


ANSWERS = {
    "right": "def squares(n):\n    return [i * i for i in range(1, n + 1)]",
    "wrong": "def squares(n):\n    return [i + i for i in range(1, n + 1)]",
    "exception": "def squares(n):\n    raise ValueError('not today')",
}


def variant(index):
    """Student i's kind of answer (1-based): most right, some wrong, an exception, an empty one."""
    if index % 10 == 3:
        return "wrong"
    if index % 10 == 7:
        return "exception"
    if index == 30:
        return "empty"
    return "right"


def config_for(exchange, course_root=None, cache=None):
    c = Config()
    c.CourseDirectory.course_id = COURSE
    c.Exchange.root = str(exchange)
    if cache:
        # Each student's own submission cache (nbgrader's default is in the home directory).
        c.Exchange.cache = str(cache)
    if course_root:
        c.CourseDirectory.root = str(course_root)
    return c


def write_config(folder, exchange):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.course_id = {COURSE!r}\nc.Exchange.root = {str(exchange)!r}\n"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--students", type=int, default=30)
    opts = parser.parse_args()
    started = time.time()
    base = Path(opts.dir).resolve()
    exchange = base / "exchange"
    exchange.mkdir(parents=True, exist_ok=True)
    os.chmod(exchange, 0o777)
    course = base / "instructor" / COURSE
    write_config(course, exchange)
    students = [f"s{i:02d}" for i in range(1, opts.students + 1)]

    for name, points in ASSIGNMENTS.items():
        src = course / "source" / name
        src.mkdir(parents=True, exist_ok=True)
        nbformat.write(source_notebook(points), src / "problem.ipynb")

    os.chdir(course)
    c = config_for(exchange, course)
    coursedir = CourseDirectory(config=c)
    api = NbGraderAPI(coursedir=coursedir, authenticator=Authenticator(config=c), config=c)
    due = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=7)).replace(tzinfo=None)
    with Gradebook(coursedir.db_url, COURSE) as gb:
        for i, s in enumerate(students, 1):
            gb.update_or_create_student(s, first_name=f"Student{i}", last_name=f"Test{i:02d}")
        for name in ASSIGNMENTS:
            gb.update_or_create_assignment(name, duedate=due)
    for name in ASSIGNMENTS:
        for step in (api.generate_assignment(name), api.release_assignment(name)):
            if not step.get("success"):
                sys.exit(f"{name}: {step.get('error') or step.get('log')}")

    late_student = students[1] if len(students) > 1 else None
    for i, s in enumerate(students, 1):
        nbgrader.utils.get_osusername = lambda s=s: s
        home = base / "students" / s / COURSE
        write_config(home, exchange)
        os.chdir(home)
        sc = config_for(exchange, cache=home.parent / "nbgrader_cache")
        for name in ASSIGNMENTS:
            if name == "ps1" and s == late_student:
                continue
            fetch(sc, name)
            answer(home / name / "problem.ipynb", variant(i), i)
            submit(sc, name)

    if late_student:
        # ps1 falls due now: the one submission still to come is late.
        os.chdir(course)
        with Gradebook(coursedir.db_url, COURSE) as gb:
            gb.update_or_create_assignment("ps1", duedate=datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None))
        time.sleep(1.1)  # nbgrader's timestamps have a second's resolution in the file names
        nbgrader.utils.get_osusername = lambda: late_student
        home = base / "students" / late_student / COURSE
        os.chdir(home)
        sc = config_for(exchange, cache=home.parent / "nbgrader_cache")
        fetch(sc, "ps1")
        answer(home / "ps1" / "problem.ipynb", "right", 2)
        submit(sc, "ps1")

    print(json.dumps({"course": COURSE, "students": students, "late": late_student, "assignments": list(ASSIGNMENTS), "seconds": round(time.time() - started, 2)}))


def fetch(c, name):
    cd = CourseDirectory(config=c)
    cd.assignment_id = name
    ExchangeFetchAssignment(coursedir=cd, authenticator=Authenticator(config=c), config=c).start()


def submit(c, name):
    cd = CourseDirectory(config=c)
    cd.assignment_id = name
    ExchangeSubmit(coursedir=cd, authenticator=Authenticator(config=c), config=c).start()


def answer(path, kind, index):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if kind != "empty" and gid == "squares":
            cell.source = ANSWERS[kind]
        if kind != "empty" and gid == "explain":
            cell.source = f"A square is a number times itself (student {index})."
    nbformat.write(nb, path)


if __name__ == "__main__":
    main()
