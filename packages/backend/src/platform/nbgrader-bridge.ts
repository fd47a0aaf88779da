/**
 * The Python half of the nbgrader bridge: one short-lived process per call, run with the
 * course folder as its working directory (so nbgrader reads the course's nbgrader_config.py
 * as its own tools do). It reads `{op, args}` as JSON on stdin and prints one JSON answer as its
 * last line of stdout; nbgrader's own log goes to stderr. Kept here as text so the bundled
 * backend carries it.
 *
 * The student operations take the user from HOTSTEPPER_COURSE_USER: nbgrader asks the OS for
 * the user name (and takes JUPYTERHUB_USER only for "jovyan"), which on a hub pod or a shared
 * machine is not the person the server belongs to.
 */
export const BRIDGE_PY = String.raw`
import contextlib, datetime, glob, io, json, logging, os, sys, traceback

def out(value):
    sys.stdout.write("\n" + json.dumps(value, default=str) + "\n")
    sys.stdout.flush()

# nbgrader runs its own tools (alembic) from PATH: those beside this Python.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
# A job passes the request as its argument (jobs have no input); the server writes it to stdin.
as_job = len(sys.argv) > 1
request = json.loads(sys.argv[1] if as_job else (sys.stdin.read() or "{}"))
op, args = request.get("op"), request.get("args", {})
user = os.environ.get("HOTSTEPPER_COURSE_USER")
if user:
    import nbgrader.utils
    nbgrader.utils.get_osusername = lambda: user

from nbgrader.apps import NbGrader
from nbgrader.apps.api import NbGraderAPI
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange import ExchangeFactory
from nbgrader.api import Gradebook, MissingEntry

logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
app = NbGrader()
app.log = logging.getLogger("nbgrader")
app.load_config_file()
config = app.config
if args.get("course"):
    config.CourseDirectory.course_id = args["course"]
coursedir = CourseDirectory(config=config)
authenticator = Authenticator(config=config)
exchange = ExchangeFactory(config=config)

def reason(text):
    """The failure in a line: the underlying exception, not nbgrader's "see the traceback above"."""
    import re
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    for line in reversed(lines):
        m = re.match(r"^(?:[\w.]+\.)?(\w+(?:Error|Exception)): (.+)$", line)
        if m and m.group(1) != "NbGraderException":
            return "%s: %s" % (m.group(1), m.group(2))
    errors = [l[len("[ERROR]"):].strip() for l in lines if l.startswith("[ERROR]")]
    return errors[0] if errors else (lines[-1] if lines else "nbgrader failed")

def result(r, message):
    r = r or {"success": True}
    text = (r.get("log") or "") + (r.get("error") or "")
    return {"ok": bool(r.get("success")), "message": message if r.get("success") else reason(text), "log": text[-20000:]}

def api():
    return NbGraderAPI(coursedir=coursedir, authenticator=authenticator, exchange=exchange, config=config)

def run_exchange(cls_name, assignment, **attrs):
    coursedir.assignment_id = assignment
    cls = getattr(exchange, cls_name)
    x = cls(coursedir=coursedir, authenticator=authenticator, config=config)
    for k, v in attrs.items():
        setattr(x, k, v)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    x.log.addHandler(handler)
    try:
        value = x.start()
        return {"success": True, "log": stream.getvalue(), "value": value}
    except Exception as e:
        return {"success": False, "log": stream.getvalue(), "error": str(e) or type(e).__name__}
    finally:
        x.log.removeHandler(handler)

def cell_kind(meta):
    nb = meta.get("nbgrader", {})
    if nb.get("task"): return "task"
    if nb.get("grade") and nb.get("solution"): return "manual"
    if nb.get("grade"): return "tests"
    if nb.get("solution"): return "solution"
    if nb.get("locked"): return "readonly"
    return "other"

def validate_files(paths):
    from nbgrader.validator import Validator
    messages, ok = [], True
    for path in paths:
        name = os.path.splitext(os.path.basename(path))[0]
        v = Validator(config=config)
        try:
            found = v.validate(path)
        except Exception as e:
            ok = False
            messages.append({"notebook": name, "kind": "error", "message": str(e)})
            continue
        for kind, key in (("failed", "failed"), ("changed", "changed"), ("passed", "passed"), ("type-changed", "type_changed")):
            for cell in found.get(key, []):
                if kind in ("failed", "changed", "type-changed"):
                    ok = False
                text = cell.get("error") or cell.get("source") or ""
                message = {"notebook": name, "kind": kind, "message": text[:4000]}
                gid = (cell.get("metadata") or {}).get("nbgrader", {}).get("grade_id") or cell.get("grade_id")
                if gid:
                    message["cell"] = gid
                messages.append(message)
    return {"ok": ok, "messages": messages}

def info():
    return {"courseId": coursedir.course_id, "courseRoot": os.path.abspath(coursedir.root), "exchangeRoot": config.Exchange.root if "root" in config.Exchange else "/srv/nbgrader/exchange", "db": coursedir.db_url, "timezone": config.Exchange.timezone if "timezone" in config.Exchange else "UTC"}

def submission(a, s, nb):
    path = coursedir.format_path(coursedir.autograded_directory, s, a)
    path = os.path.join(path, nb + ".ipynb")
    import nbformat
    notebook = nbformat.read(path, as_version=4)
    cells = []
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        sub = gb.find_submission_notebook(nb, a, s)
        grades = {g.name: g for g in sub.grades}
        comments = {c.name: c for c in sub.comments}
        for cell in notebook.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            gid = meta.get("grade_id")
            entry = {"kind": cell_kind(cell.get("metadata", {})), "cellType": cell.cell_type, "source": cell.source, "outputs": cell.get("outputs", [])}
            if gid:
                entry["id"] = gid
            if gid in grades:
                g = grades[gid]
                entry.update(autoPoints=g.auto_score, manualPoints=g.manual_score, extraCredit=g.extra_credit, maxPoints=g.max_score, needsManualGrade=bool(g.needs_manual_grade))
            if gid in comments:
                c = comments[gid]
                entry.update(autoComment=c.auto_comment, comment=c.manual_comment)
            cells.append(entry)
        return {"cells": cells, "late": sub.assignment.total_seconds_late > 0, "score": sub.score, "maxPoints": sub.max_score}

def grade(a, s, nb, cells):
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        sub = gb.find_submission_notebook(nb, a, s)
        grades = {g.name: g for g in sub.grades}
        comments = {c.name: c for c in sub.comments}
        for cell in cells:
            gid = cell["id"]
            if gid not in grades and gid not in comments:
                return {"error": "no graded cell %s in %s" % (gid, nb)}
            g = grades.get(gid)
            if g is not None and "manualPoints" in cell:
                p = cell["manualPoints"]
                if p is not None and p > g.max_score:
                    return {"error": "%s is worth at most %s points, not %s" % (gid, g.max_score, p)}
                g.manual_score = p
                g.needs_manual_grade = False if p is not None else g.needs_manual_grade
            if g is not None and "extraCredit" in cell:
                g.extra_credit = cell["extraCredit"]
            if "comment" in cell and gid in comments:
                comments[gid].manual_comment = cell["comment"]
        gb.db.commit()
    return {}

def main():
    if op == "info":
        return info()
    if op == "assignments":
        a = api()
        listed = a.get_assignments()
        out_ = []
        with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
            for item in listed:
                name = item["name"]
                notebooks = []
                try:
                    dba = gb.find_assignment(name)
                    for nb in dba.notebooks:
                        answers = {c.name for c in nb.solution_cells}
                        manual = [c for c in nb.grade_cells if c.name in answers]
                        notebooks.append({"name": nb.name, "maxPoints": nb.max_score, "autogradedCells": len(nb.grade_cells) - len(manual), "manualCells": len(manual) + len(nb.task_cells)})
                except MissingEntry:
                    pass
                released_dir = coursedir.format_path(coursedir.release_directory, ".", name)
                inbound = len(glob.glob(os.path.join(info()["exchangeRoot"], coursedir.course_id, "inbound", "*+%s+*" % name)))
                out_.append({"name": name, "duedate": item.get("duedate"), "status": item.get("status"), "generated": os.path.isdir(released_dir), "collected": item.get("num_submissions") or 0, "maxPoints": item.get("max_score") or 0, "notebooks": notebooks, "inbound": inbound, "autograded": len(a.get_autograded_students(name))})
        return out_
    if op == "duedate":
        due = args.get("duedate")
        if due:
            due = datetime.datetime.fromisoformat(due).astimezone(datetime.timezone.utc).replace(tzinfo=None)
        with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
            gb.update_or_create_assignment(args["assignment"], duedate=due)
        return {}
    if op == "generate":
        return result(api().generate_assignment(args["assignment"]), "generated the student version of %s" % args["assignment"])
    if op == "release":
        return result(api().release_assignment(args["assignment"]), "released %s" % args["assignment"])
    if op == "unrelease":
        return result(api().unrelease(args["assignment"]), "took %s back from the exchange" % args["assignment"])
    if op == "collect":
        return result(api().collect(args["assignment"]), "collected the submissions of %s" % args["assignment"])
    if op == "autograde":
        return result(api().autograde(args["assignment"], args["student"]), "autograded %s for %s" % (args["assignment"], args["student"]))
    if op == "feedback":
        a = api()
        for s in args.get("students") or [None]:
            r = a.generate_feedback(args["assignment"], s)
            if not r.get("success"):
                return result(r, "")
        return result(r, "generated feedback for %s" % args["assignment"])
    if op == "release_feedback":
        a = api()
        for s in args.get("students") or [None]:
            r = a.release_feedback(args["assignment"], s)
            if not r.get("success"):
                return result(r, "")
        return result(r, "released feedback for %s" % args["assignment"])
    if op == "students":
        with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
            return [{"id": s.id, "first": s.first_name, "last": s.last_name} for s in gb.students]
    if op == "submission":
        return submission(args["assignment"], args["student"], args["notebook"])
    if op == "grade":
        return grade(args["assignment"], args["student"], args["notebook"], args["cells"])
    if op == "validate_source":
        return validate_files(sorted(glob.glob(os.path.join(coursedir.format_path(coursedir.source_directory, ".", args["assignment"]), "*.ipynb"))))
    if op == "validate_student":
        return validate_files(sorted(glob.glob(os.path.join(os.getcwd(), args["assignment"], "*.ipynb"))))
    if op == "student_list":
        listed = run_exchange("List", "", inbound=False, cached=False)
        submitted = run_exchange("List", "", inbound=False, cached=True)
        if not listed["success"]:
            return {"error": listed.get("error")}
        return {"released": listed["value"] or [], "submitted": submitted.get("value") or []}
    if op == "fetch":
        r = run_exchange("FetchAssignment", args["assignment"])
        return result(r, "fetched %s" % args["assignment"])
    if op == "fetch_feedback":
        r = run_exchange("FetchFeedback", args["assignment"])
        return result(r, "fetched the feedback of %s" % args["assignment"])
    if op == "submit":
        r = run_exchange("Submit", args["assignment"])
        return result(r, "submitted %s" % args["assignment"])
    return {"error": "unknown operation %s" % op}

try:
    answer = main()
except Exception as e:
    traceback.print_exc()
    answer = {"error": "%s: %s" % (type(e).__name__, e)}
out(answer)
# A job that did not do its work fails, so that the jobs list says so.
if as_job and isinstance(answer, dict) and (answer.get("error") or answer.get("ok") is False):
    sys.exit(1)
`;
