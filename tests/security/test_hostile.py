"""Hostile submissions graded in one run beside honest ones.

The corpus (tests/security/hostile/corpus.py) breaks the notebook and tampers with the tests in the
kernel; the attacks (tests/security/hostile/attacks.py) go after the machine that grades: the
solutions, the gradebook, other students' work, the course, secrets, the network, and
processes, memory and disk without end. Everything runs in the kernel sandbox, as
`course autograde` does. A control run grades the attacks that are safe to run without the
sandbox, and shows that they do succeed there: the sandbox is what stops them.
"""

from __future__ import annotations

import csv
import hashlib
import html
import os
import re
import secrets
import socket
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import nbformat
import pytest

from conftest import LESSONS, graded_cells, load_variants, make_variant
from coursegrader.authoring.leaks import HIDDEN_RE, _meaningful_lines
from coursegrader.course.paths import COURSE_ROOT, NOTEBOOKS_DIR, lesson_notebook

HOSTILE_LESSON = "01-python-classes"  # the corpus is written against this lesson's cells
needs_lesson01 = pytest.mark.skipif(HOSTILE_LESSON not in LESSONS, reason="lesson 01 missing")
# Small limits, so that the runaway attacks end in seconds.
# RUN_LABEL names this test run's cgroups and kernel folders: the checks below count what
# this run left behind, not what another grading run on the same machine holds right now.
RUN_LABEL = f"hostile{os.getpid()}"
LIMITS = {"memory_limit": 2 * 1024**3, "max_processes": 64, "disk_limit": 256 * 1024**2,
          "run_label": RUN_LABEL}
# What a submission must never change, byte for byte.
COURSE_FOLDERS = ("solutions", "grader", "src", "notebooks")


def hidden_lines(lesson: str) -> list[str]:
    """Every line of the lesson's hidden tests that a student cannot read anywhere else
    (lines such as ``def __init__(self):`` are also in the student notebook)."""
    nb = nbformat.read(lesson_notebook(lesson), as_version=4)
    student = nbformat.read(lesson_notebook(lesson, NOTEBOOKS_DIR), as_version=4)
    public = {line.strip() for cell in student.cells for line in cell.source.splitlines()}
    lines = []
    for cell in nb.cells:
        for block in HIDDEN_RE.findall(cell.source):
            lines += _meaningful_lines(block, public)
    return lines


def html_text(path: Path) -> str:
    """What a student reads in an HTML page: tags removed, entities decoded."""
    raw = path.read_text(encoding="utf-8")
    raw = re.sub(r"<(script|style)\b.*?</\1>", "", raw, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", raw))


def digest(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` (bytecode caches aside: the grader writes those)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


class Listener:
    """A TCP server on this machine's loopback that counts who reaches it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.received.append(conn.recv(100))
                except OSError:
                    self.received.append(b"")

    def close(self):
        self.sock.close()


def lingering(token: str) -> list[int]:
    """Processes a submission left behind (they carry ``token`` on their command line)."""
    run = subprocess.run(["pgrep", "-f", f"linger-{token}"], capture_output=True, text=True)
    return [int(pid) for pid in run.stdout.split()]


def evidence(notebook: Path) -> list[str]:
    """The PWNED lines an attack printed: what it got."""
    from hostile.attacks import MARK

    if not notebook.exists():
        return []
    nb = nbformat.read(notebook, as_version=4)
    text = "\n".join(str(out.get("text", "")) for cell in nb.cells
                     for out in cell.get("outputs", []))
    return [line for line in text.splitlines() if line.startswith(MARK + ":")]


def failed_tests(notebook: Path) -> list[str]:
    """The grade_ids of the test cells that failed in an autograded notebook."""
    nb = nbformat.read(notebook, as_version=4)
    return [cell.metadata["nbgrader"]["grade_id"] for cell in nb.cells
            if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code"
            and any(out.get("output_type") == "error" for out in cell.get("outputs", []))]


@dataclass
class HostileRound:
    cases: dict
    attacks: dict
    results: dict
    api: object
    root: Path
    token: str
    listener: Listener
    course_before: dict
    submitted_before: dict
    kernel: set  # the in-kernel attacks (tests/hostile/kernel_attacks.py)

    def autograded(self, student: str) -> Path:
        return (Path(self.api.coursedir.autograded_directory) / student / HOSTILE_LESSON
                / f"{HOSTILE_LESSON}.ipynb")


HONEST = ("perfect", "blank", "wrong-n")


def grade_hostile(root: Path, sandbox: bool, only: set[str] | None = None,
                  kernel_only: bool = False, record: bool = True,
                  honest: tuple[str, ...] = HONEST) -> HostileRound:
    """Grade the corpora in one run: ``only`` keeps those attacks on the machine alone;
    ``kernel_only`` grades the in-kernel attacks alone; ``record``: the kernel's record;
    ``honest``: which of the honest submissions (HONEST) are graded beside them."""
    from hostile import attacks as attack_corpus
    from hostile import kernel_attacks
    from hostile.corpus import build

    from coursegrader.course.config import grading_environment
    from coursegrader.course.placement import place_submission
    from coursegrader.engine.pipeline import autograde_parallel
    from coursegrader.nbg.api import make_api

    lesson, token, listener = HOSTILE_LESSON, secrets.token_hex(6), Listener()
    home = root / "instructor-home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("-----BEGIN OPENSSH PRIVATE KEY----- not a real key\n")
    grading = root / "grading"
    secrets_env = {"COURSE_DB_URL": f"sqlite:///{grading / 'gradebook.db'}",
                   "JUPYTERHUB_API_TOKEN": f"instructor-token-{token}", "HOME": str(home)}
    with grading_environment(grading), mock.patch.dict(os.environ, secrets_env):
        # a short per-cell limit, so that the infinite loop costs seconds (but not so short
        # that an honest cell runs past it on a busy machine)
        api = make_api(**{"CourseDirectory.release_directory": str(root / "release"),
                          "Execute.timeout": 20})
        assert api.generate_assignment(lesson, force=True, create=True)["success"]
        submitted = Path(api.coursedir.submitted_directory)
        cases = build(lesson, submitted) if only is None and not kernel_only else {}
        kernel = kernel_attacks.build(submitted) if only is None else {}
        cases.update(kernel)
        attacks = attack_corpus.build(submitted, port=listener.port, token=token, fake_home=home)
        if kernel_only:
            only = set()
        if only is not None:
            for name in set(attacks) - only:
                import shutil

                shutil.rmtree(submitted / name)
                del attacks[name]
        if "perfect" in honest:
            place_submission(submitted, lesson, "perfect", lesson_notebook(lesson))
        if "blank" in honest:
            place_submission(submitted, lesson, "blank",
                             lesson_notebook(lesson, NOTEBOOKS_DIR))
        if "wrong-n" in honest:
            spec = load_variants(lesson)["running-mean-ignores-n"]
            place_submission(submitted, lesson, "wrong-n",
                             make_variant(lesson, spec["replace"], root / "wrong-n.ipynb"))
        students = [*honest, *cases, *attacks]
        course_before = {f: digest(COURSE_ROOT / f) for f in COURSE_FOLDERS}
        submitted_before = {s: digest(submitted / s) for s in students}
        limits = {**LIMITS, "record_kernel": record}
        results = autograde_parallel(lesson, students, api=api, jobs=2, progress=False,
                                     sandbox=sandbox, limits=limits)
        return HostileRound(cases, attacks, results, api, root, token, listener,
                            course_before, submitted_before, set(kernel))


@pytest.fixture(scope="module")
def hostile_round(tmp_path_factory) -> HostileRound:
    from coursegrader.course.config import grading_environment

    run = grade_hostile(tmp_path_factory.mktemp("hostile"), sandbox=True)
    with grading_environment(run.root / "grading"):
        for student in run.results:
            if run.autograded(student).exists():
                run.api.generate_feedback(HOSTILE_LESSON, student)
    yield run
    run.listener.close()


@pytest.mark.slow
@needs_lesson01
def test_hostile_submissions_are_graded_safely(hostile_round):
    total = sum(graded_cells(HOSTILE_LESSON).values())
    results, problems = hostile_round.results, []
    assert results["perfect"].score == total and results["perfect"].status == "graded"
    assert results["blank"].score == 0 and results["blank"].status == "graded"
    for name, case in {**hostile_round.cases, **hostile_round.attacks}.items():
        r = results[name]
        said = " ".join([r.error, *r.notes, *r.review]).lower()
        if r.score > case.max_score:
            problems.append(f"{name}: score {r.score} > the {case.max_score} it deserves")
        if r.status != case.status:
            problems.append(f"{name}: status {r.status}, expected {case.status} ({said})")
        if case.reason and case.reason.lower() not in said:
            problems.append(f"{name}: the instructor is not told {case.reason!r}: {said!r}")
        if r.max_score != total:
            problems.append(f"{name}: max score {r.max_score} in the gradebook, not {total}")
    assert not problems, "\n".join(problems)


@pytest.mark.slow
@needs_lesson01
def test_honest_submissions_keep_their_exact_scores(hostile_round):
    cells = graded_cells(HOSTILE_LESSON)
    total = sum(cells.values())
    lost = load_variants(HOSTILE_LESSON)["running-mean-ignores-n"]["loses"]
    want = {"perfect": total, "blank": 0.0, "wrong-n": total - sum(cells[g] for g in lost)}
    got = {s: hostile_round.results[s].score for s in want}
    assert got == want
    assert all(hostile_round.results[s].status == "graded" for s in want)


@pytest.mark.slow
@needs_lesson01
def test_attacks_on_the_grading_machine_get_nothing(hostile_round):
    run = hostile_round
    got = {name: evidence(run.autograded(name)) for name in run.attacks}
    assert not any(got.values()), f"attacks that got through the sandbox: {got}"
    assert run.listener.received == [], "a submission reached a server on this machine"
    for folder, before in run.course_before.items():
        assert digest(COURSE_ROOT / folder) == before, f"a submission changed {folder}/"
    submitted = Path(run.api.coursedir.submitted_directory)
    for student, before in run.submitted_before.items():
        after = digest(submitted / student)
        assert before.items() <= after.items(), f"{student}'s submission was changed"
        # the one file the grader itself adds: a renamed notebook, copied to its right name
        added = set(after) - set(before)
        assert not added or student == "renamed-notebook", f"{student}: {added} appeared"
    assert lingering(run.token) == [], "a process a submission started is still running"
    left = subprocess.run(["pgrep", "-f", f"coursegrader-kernel-{RUN_LABEL}-"],
                          capture_output=True, text=True).stdout.split()
    assert left == [], f"sandboxed kernels still running: {left}"
    cgroups = list(Path("/sys/fs/cgroup").glob(f"**/coursegrader-{RUN_LABEL}-*"))
    assert cgroups == [], f"sandbox cgroups left behind: {cgroups}"


@pytest.mark.slow
@needs_lesson01
def test_limits_are_reported_with_their_reason_and_cell(hostile_round):
    for name, word in (("memory-hog", "memory limit of 2 gib reached in cell"),
                       ("fork-bomb", "process limit of 64 reached"),
                       ("disk-filler", "disk limit of 256 mib reached in cell")):
        said = " ".join(hostile_round.results[name].notes).lower()
        assert word in said, f"{name}: {said!r}"
    # the gradebook's comment says it too: the student reads it in the feedback
    from nbgrader.api import Gradebook

    api = hostile_round.api
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        sub = gb.find_submission(HOSTILE_LESSON, "memory-hog")
        text = " ".join(c.comment or "" for nb in sub.notebooks for c in nb.comments)
    assert "memory limit" in text.lower(), text
@pytest.mark.slow
@needs_lesson01
def test_gradebook_stays_consistent_after_hostile_run(hostile_round, tmp_path):
    from nbgrader.api import Gradebook

    from coursegrader.nbg.gradebook import export_csv

    api, lesson = hostile_round.api, HOSTILE_LESSON
    cells = graded_cells(lesson)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        # nothing but the grades of this run: no student added, no grade changed
        assert sorted(s.id for s in gb.students) == sorted(hostile_round.results)
        subs = gb.assignment_submissions(lesson)
        assert sorted(s.student.id for s in subs) == sorted(hostile_round.results)
        for sub in subs:
            result = hostile_round.results[sub.student.id]
            grades = {g.name: g.score for nb in sub.notebooks for g in nb.grades if g.max_score}
            assert grades == {g: c.score for g, c in result.cells.items()}, sub.student.id
        for sub in subs:
            grades = {g.name: g for nb in sub.notebooks for g in nb.grades}
            assert set(cells) <= set(grades), f"{sub.student.id}: missing grade rows"
            for grade in grades.values():
                assert 0 <= grade.score <= grade.max_score, f"{sub.student.id}/{grade.name}"
            assert sub.score == pytest.approx(sum(g.score for g in grades.values()))
    path = export_csv(tmp_path / "grades.csv", api=api)
    with open(path, newline="") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    for student, result in hostile_round.results.items():
        assert float(rows[student]["raw_score"]) == result.score


@pytest.mark.slow
@needs_lesson01
def test_feedback_never_shows_hidden_tests(hostile_round):
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import GetGrades

    from coursegrader.course.config import grading_environment
    from coursegrader.nbg.api import make_api

    lines = hidden_lines(HOSTILE_LESSON)
    assert len(lines) > 10
    feedback = Path(hostile_round.api.coursedir.feedback_directory)
    pages = sorted(feedback.glob(f"*/{HOSTILE_LESSON}/*.html"))
    assert len(pages) >= len(hostile_round.results) - 4  # the unreadable ones have none
    for page in pages:
        text = html_text(page)
        leaked = [line for line in lines if line in text]
        assert not leaked, f"{page}: hidden test text in the feedback: {leaked[:3]}"
    # the student still sees which test failed, with its message
    wrong = html_text(feedback / "wrong-n" / HOSTILE_LESSON / f"{HOSTILE_LESSON}.html")
    assert "update(value, n) must add n to count." in wrong
    # control: nbgrader's own feedback of the same submission shows them (the search works)
    with grading_environment(hostile_round.root / "grading"):
        plain = make_api(**{
            "GenerateFeedback.preprocessors": [GetGrades, CSSHTMLHeaderPreprocessor],
            "CourseDirectory.feedback_directory": str(hostile_round.root / "plain-feedback"),
        })
        assert plain.generate_feedback(HOSTILE_LESSON, "wrong-n")["success"]
    page = hostile_round.root / "plain-feedback" / "wrong-n" / HOSTILE_LESSON
    assert any(line in html_text(next(page.glob("*.html"))) for line in lines)




@pytest.mark.slow
@needs_lesson01
def test_attacks_in_the_kernel_are_withheld_with_their_reason(hostile_round):
    """Each in-kernel attack (tests/hostile/kernel_attacks.py): no automatic points, and the
    reason in the summary and in the gradebook's comment, which the student reads."""
    from nbgrader.api import Gradebook

    api, problems = hostile_round.api, []
    assert len(hostile_round.kernel) >= 9
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        for name in sorted(hostile_round.kernel):
            result, case = hostile_round.results[name], hostile_round.cases[name]
            sub = gb.find_submission(HOSTILE_LESSON, name)
            comment = " ".join(c.comment or "" for nb in sub.notebooks for c in nb.comments)
            if result.score != 0 or result.status != "review":
                problems.append(f"{name}: {result.score} points, {result.status}")
            if case.reason not in comment.lower():
                problems.append(f"{name}: the gradebook's comment lacks {case.reason!r}: "
                                f"{comment[:300]!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.slow
@needs_lesson01
def test_without_the_record_the_attacks_in_the_kernel_succeed(tmp_path_factory):
    """The control: the same in-kernel attacks, graded in the sandbox with the kernel's
    record switched off, score more than their honest work deserves and are not flagged.
    The record is what stops them."""
    # perfect alone beside the attacks: the honest work they are measured against
    run = grade_hostile(tmp_path_factory.mktemp("record-off"), sandbox=True,
                        kernel_only=True, record=False, honest=("perfect",))
    try:
        total = sum(graded_cells(HOSTILE_LESSON).values())
        assert run.results["perfect"].score == total
        scores = {name: (run.results[name].score, run.results[name].status)
                  for name in run.cases}
        print("without the record:", scores)  # the report's numbers (pytest -s)
        succeeded = [name for name, case in run.cases.items()
                     if run.results[name].score > case.max_score
                     and run.results[name].status == "graded"]
        failed = [name for name, case in run.cases.items()
                  if case.control and name not in succeeded]
        assert len(succeeded) >= 7 and not failed, (
            f"attacks that did not succeed without the record: {failed}; scores {scores}")
    finally:
        run.listener.close()


@pytest.mark.slow
@needs_lesson01
def test_without_the_sandbox_the_attacks_succeed(tmp_path_factory):
    """The control: the same attacks, graded with --no-sandbox, get what they want. The
    runaway ones (memory, processes, disk) are not run: they would harm this machine."""
    from hostile.attacks import MARK

    marks = [COURSE_ROOT / folder for folder in ("solutions", "grader")]
    run = None
    try:
        run = grade_hostile(tmp_path_factory.mktemp("control"), sandbox=False, only={
            "steal-solutions", "read-hidden-tests", "read-secrets", "write-gradebook",
            "tamper-others", "write-course", "network", "process-left-behind"},
            # perfect: what tamper-others overwrites; blank: the zero the thief is above
            honest=("perfect", "blank"))
        total = sum(graded_cells(HOSTILE_LESSON).values())
        got = {name: evidence(run.autograded(name)) for name in run.attacks}
        # the process left behind prints nothing: it shows by being there (below)
        failed = [name for name, lines in got.items()
                  if not lines and name != "process-left-behind"]
        assert not failed, f"attacks that did not get through without the sandbox: {failed}"
        # full marks for no work: every test passed (the gradebook may say otherwise, as
        # another attack of this run set every grade to 0)
        assert failed_tests(run.autograded("steal-solutions")) == [], "the stolen answers failed"
        assert run.results["blank"].score == 0 < total
        assert any("COURSE_DB_URL" in line for line in got["read-secrets"])
        assert any("PRIVATE KEY" in line for line in got["read-secrets"])
        assert run.listener.received and run.listener.received[0].startswith(MARK.encode())
        assert lingering(run.token), "the control's process did not stay behind"
        assert any(list(folder.glob(f"{MARK}-{run.token}.txt")) for folder in marks)
    finally:
        if run is not None:
            for pid in lingering(run.token):
                os.kill(pid, 9)
            for folder in marks:
                for path in folder.glob(f"{MARK}-{run.token}.txt"):
                    path.unlink()
            run.listener.close()


# ---------------------------------------------------------------- as an ordinary user

GRADE_AS_USER = """
import json, sys
from pathlib import Path
from coursegrader.nbg.api import make_api
from coursegrader.course.placement import place_submission
from coursegrader.engine.pipeline import autograde_parallel
from coursegrader.course.paths import NOTEBOOKS_DIR, lesson_notebook
from hostile import attacks

lesson = attacks.LESSON
api = make_api(**{"CourseDirectory.release_directory": sys.argv[1], "Execute.timeout": 20})
assert api.generate_assignment(lesson, force=True, create=True)["success"]
submitted = Path(api.coursedir.submitted_directory)
built = attacks.build(submitted, port=1, token="user", fake_home=Path(sys.argv[1]))
keep = ["steal-solutions", "fork-bomb", "memory-hog"]
place_submission(submitted, lesson, "perfect", lesson_notebook(lesson))
place_submission(submitted, lesson, "blank", lesson_notebook(lesson, NOTEBOOKS_DIR))
results = autograde_parallel(lesson, ["perfect", "blank", *keep], api=api, jobs=2,
                             progress=False, limits=json.loads(sys.argv[2]))
print("RESULTS " + json.dumps({s: [r.score, r.status, [r.error, *r.notes]]
                              for s, r in results.items()}))
"""


@pytest.mark.slow
@needs_lesson01
def test_grading_as_an_ordinary_user(tmp_path):
    """Instructors rarely grade as root. As an ordinary user, bwrap needs unprivileged user
    namespaces and the limits come from rlimits (no cgroup to create): still no solution
    read, the fork bomb and the memory hog bounded, the honest scores exact."""
    import json
    import pwd
    import shutil
    import tempfile

    if os.geteuid() != 0:
        pytest.skip("NOT RUN: already an ordinary user (the other hostile tests ran as one)")
    user, created = "coursegrader-test", False
    try:
        pwd.getpwnam(user)
    except KeyError:
        subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", user],
                       check=True)
        created = True
    from coursehub.hub import user_python

    work = Path(tempfile.mkdtemp(prefix="coursegrader-user-"))
    shutil.chown(work, user)
    # The course's Python must be one that user can run: where it lives under root's home
    # (pyenv), the copy the class hub makes for its users (coursehub/hub.py). Opening root's
    # folders to others meanwhile changed what the hub's test, running beside this one on the
    # other worker, found: it then chose the Python its users could not run.
    python_dir = Path(tempfile.mkdtemp(prefix="coursegrader-python-"))
    python_dir.chmod(0o755)
    python = user_python(python_dir)
    env = {"PATH": f"{python.parent}:/usr/bin:/bin", "HOME": str(work),
           "PYTHONPATH": os.pathsep.join([str(COURSE_ROOT / "src"), str(COURSE_ROOT / "grader"),
                                          str(Path(__file__).parent)]),
           "JUPYTER_CONFIG_PATH": str(COURSE_ROOT / "grader"),
           "COURSE_GRADING_DIR": str(work / "grading"), "COURSE_BUDGET": "ci"}
    if python.parent.parent == python_dir / "python":
        # the copy's own libpython, as the hub gives its servers (COURSE_HUB_LIBRARY_PATH)
        env["LD_LIBRARY_PATH"] = str(python_dir / "python" / "lib")
    limits = {**LIMITS, "use_cgroups": False}
    try:
        run = subprocess.run(
            ["runuser", "-u", user, "--", "env", *[f"{k}={v}" for k, v in env.items()],
             str(python), "-c", GRADE_AS_USER, str(work / "release"), json.dumps(limits)],
            capture_output=True, text=True, timeout=600, cwd=work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(python_dir, ignore_errors=True)
        if created:
            subprocess.run(["userdel", user], check=False)
    line = next((x for x in run.stdout.splitlines() if x.startswith("RESULTS ")), None)
    assert line, f"grading as {user} failed:\n{run.stdout[-2000:]}\n{run.stderr[-3000:]}"
    results = json.loads(line[len("RESULTS "):])
    total = sum(graded_cells(HOSTILE_LESSON).values())
    assert results["perfect"][:2] == [total, "graded"], results
    assert results["blank"][:2] == [0, "graded"]
    assert results["steal-solutions"][0] == 0
    assert any("process limit" in n for n in results["fork-bomb"][2]), results["fork-bomb"]
    assert any("memory limit" in n for n in results["memory-hog"][2]), results["memory-hog"]
