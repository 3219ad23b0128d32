"""Shared fixtures: one generation of every lesson and one autograding round per session.

nbgrader is driven in this process (importing it costs seconds), against a temporary
grading folder and gradebook, so the tests never touch an instructor's real gradebook.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from coursegrader.course import cells
from coursegrader.course.paths import (
    NOTEBOOKS_DIR,
    SOLUTIONS_DIR,
    jupyter_env,
    lesson_notebook,
    lessons,
)
from coursegrader.nbg.api import ensure_tools_on_path

# nbgrader must find grader/nbgrader_config.py, and its gradebook needs the alembic command.
os.environ.update(jupyter_env())
ensure_tools_on_path()

LESSONS = lessons()
# The grading round runs in the kernel sandbox, as `course autograde` does: every lesson
# (lesson 07's checkpoint, files a test reads back) must work inside it.
SANDBOX = True
SUBMISSIONS_DIR = Path(__file__).parent / "submissions"


def _submissions_module(lesson: str):
    path = SUBMISSIONS_DIR / f"{lesson}.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(f"variants_{lesson.replace('-', '_')}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_variants(lesson: str) -> dict:
    """The wrong-but-plausible submissions of a lesson, from tests/submissions/<lesson>.py."""
    module = _submissions_module(lesson)
    return module.VARIANTS if module is not None else {}


def load_correct(lesson: str) -> dict:
    """Correct answers written differently from the reference (the ``CORRECT`` dict of
    tests/submissions/<lesson>.py, same shape as VARIANTS without "loses"); {} if none."""
    module = _submissions_module(lesson)
    return getattr(module, "CORRECT", {}) if module is not None else {}


def make_variant(lesson: str, replace: dict[str, str], dest: Path) -> Path:
    """The reference solution of ``lesson`` with the source of some cells replaced."""
    nb = nbformat.read(lesson_notebook(lesson), as_version=4)
    ids = {cells.grade_id(cell): cell for cell in nb.cells}
    for grade_id, source in replace.items():
        if grade_id not in ids:
            raise KeyError(f"{lesson} has no cell with grade_id {grade_id!r}")
        ids[grade_id].source = source
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dest)
    return dest


def grade_alone(lesson: str) -> set[str]:
    """Names of VARIANTS/CORRECT entries that must be graded as a submission of their own
    (``GRADE_ALONE`` in tests/submissions/<lesson>.py): a mistake whose effect reaches other
    exercises' cells, or a submission already combined by hand."""
    module = _submissions_module(lesson)
    return set(getattr(module, "GRADE_ALONE", ())) if module is not None else set()


MAX_PER_SUBMISSION = 6


def pack_limit(lesson: str) -> int:
    """How many answers one graded submission of ``lesson`` may hold: ``PACK_LIMIT`` in
    tests/submissions/<lesson>.py (a lesson whose answers cannot reach each other's cells),
    else MAX_PER_SUBMISSION."""
    module = _submissions_module(lesson)
    return getattr(module, "PACK_LIMIT", MAX_PER_SUBMISSION)


def pack(specs: dict[str, dict], alone: set[str] = frozenset(),
         limit: int = MAX_PER_SUBMISSION) -> dict[str, list[str]]:
    """Put several answers in one graded submission, so that a lesson needs few kernels:
    answers go together when they replace different cells and (wrong ones) lose different
    test cells, so that each one's expectation is still checked on its own cells.
    Returns {submission id: [names]}; deterministic (the order of ``specs``, the answers
    that clash with the most others first)."""
    groups: list[tuple[list[str], set, set]] = []

    def clashes(item) -> int:
        """How many other answers replace one of its cells or lose one of its tests."""
        replaced, loses = set(item[1]["replace"]), set(item[1].get("loses", ()))
        return sum(1 for other, spec in specs.items() if other != item[0]
                   and (replaced & set(spec["replace"]) or loses & set(spec.get("loses", ()))))

    # First fit, the answers that clash with the most others placed first (largest first, as
    # in graph colouring): in the order written, lessons 00-07 needed 69 submissions; so, 63.
    for name, spec in sorted(specs.items(), key=clashes, reverse=True):
        replaced, loses = set(spec["replace"]), set(spec.get("loses", ()))
        home = None
        if name not in alone:
            home = next((g for g in groups if g[0][0] not in alone
                         and len(g[0]) < limit
                         and not (g[1] & replaced) and not (g[2] & loses)), None)
        if home is None:
            groups.append(([name], replaced, loses))
        else:
            home[0].append(name)
            home[1].update(replaced)
            home[2].update(loses)
    return {(names[0] if len(names) == 1 else f"{names[0]}-and-{len(names) - 1}-more"): names
            for names, _, _ in groups}


def merged(specs: dict[str, dict], names: list[str]) -> dict:
    """One submission made of several answers: every replaced cell, every lost test."""
    replace, loses = {}, []
    for name in names:
        replace.update(specs[name]["replace"])
        loses += specs[name].get("loses", [])
    return {"replace": replace, "loses": loses}


def graded_cells(lesson: str) -> dict[str, float]:
    """grade_id -> points of every autograded test cell of a lesson."""
    return cells.test_points(lesson_notebook(lesson))


def _checkout_stamps() -> dict[Path, tuple[int, int]]:
    """Size and modification time of every committed notebook, student and instructor."""
    return {path: (stat.st_size, stat.st_mtime_ns)
            for folder in (NOTEBOOKS_DIR, SOLUTIONS_DIR) for path in folder.rglob("*.ipynb")
            for stat in [path.stat()]}


@pytest.fixture(autouse=True)
def checkout_untouched():
    """No test writes the committed notebooks: others read them at the same time (the suite
    runs in several processes), and nbgrader deletes a lesson's release folder before it
    writes it again. `course release`, and `course autograde` of a lesson the gradebook does
    not know yet, write notebooks/ unless COURSE_RELEASE_DIR moves it."""
    before = _checkout_stamps()
    yield
    after = _checkout_stamps()
    changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    assert not changed, (
        "the committed notebooks changed while this test ran (it, or one running beside it, "
        "writes the checkout; set COURSE_RELEASE_DIR): "
        + ", ".join(str(p.relative_to(NOTEBOOKS_DIR.parent)) for p in changed))


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> Path:
    """Every lesson generated by nbgrader into a temporary release folder."""
    from coursegrader.authoring.generate import generate
    from coursegrader.course.config import grading_environment

    root = tmp_path_factory.mktemp("generated")
    with grading_environment(root / "grading"):
        generate(release_dir=root / "release", db_url=f"sqlite:///{root / 'gradebook.db'}")
    return root / "release"


@dataclass
class Round:
    results: dict  # (lesson, student) -> SubmissionResult
    variants: dict  # lesson -> {variant name: spec}
    correct: dict  # lesson -> {name: spec}
    graded_as: dict  # (lesson, variant or correct name) -> the student id it was graded as
    csv: Path
    grading_dir: Path


@pytest.fixture(scope="session")
def grading_round(tmp_path_factory) -> Round:
    """A real autograding round through nbgrader's gradebook, for every lesson:
    'perfect' submits the reference solution, 'blank' the untouched student notebook, and
    the wrong variants and correct-but-different answers of tests/submissions/<lesson>.py,
    several to a submission where they replace different cells (see :func:`pack`; each
    one's expectation is still checked on its own cells, and ``graded_as`` says which
    submission holds it).

    All lessons are graded in one run of the course's parallel autograder (one pool of
    workers for the whole round: no idle cores at the end of each lesson). Made once per
    run: see SHARED_FIXTURES."""
    made_once_per_run(tmp_path_factory, "grading_round")
    from coursegrader.course.config import grading_environment
    from coursegrader.course.placement import place_submission
    from coursegrader.engine.pipeline import autograde_lessons
    from coursegrader.nbg.api import make_api
    from coursegrader.nbg.gradebook import export_csv
    from coursegrader.nbg.lessons import generate_lesson

    root = tmp_path_factory.mktemp("round")
    grading_dir = root / "grading"
    results, variants, correct, classes, graded_as = {}, {}, {}, {}, {}
    with grading_environment(grading_dir):
        api = make_api(**{"CourseDirectory.release_directory": str(root / "release")})
        submitted = Path(api.coursedir.submitted_directory)
        for lesson in LESSONS:
            generate_lesson(api, lesson)
            place_submission(submitted, lesson, "perfect", lesson_notebook(lesson))
            place_submission(
                submitted, lesson, "blank", lesson_notebook(lesson, NOTEBOOKS_DIR)
            )
            variants[lesson], correct[lesson] = load_variants(lesson), load_correct(lesson)
            alone, limit = grade_alone(lesson), pack_limit(lesson)
            groups = {**{f"wrong-{k}": v for k, v in pack(variants[lesson], alone, limit).items()},
                      **{f"correct-{k}": v for k, v in pack(correct[lesson], alone, limit).items()}}
            for student, names in groups.items():
                specs = variants[lesson] if student.startswith("wrong-") else correct[lesson]
                spec = merged(specs, names)
                nb = make_variant(lesson, spec["replace"], root / "variants" / lesson / student)
                place_submission(submitted, lesson, student, nb)
                graded_as.update({(lesson, name): student for name in names})
            classes[lesson] = ["perfect", "blank", *groups]
        # The course's parallel autograder: nbgrader's own preprocessors and gradebook,
        # executions spread over the cores (tests/integration/test_nbgrader_parity.py checks that it
        # gives the same gradebook as nbgrader's serial autograde).
        graded = autograde_lessons(classes, api=api, progress=False, sandbox=SANDBOX)
        for lesson, by_student in graded.items():
            for student, result in by_student.items():
                results[(lesson, student)] = result
        csv = export_csv(root / "grades.csv", api=api)
    return Round(results, variants, correct, graded_as, csv, grading_dir)


# ---- which pytest worker runs which test (Makefile: `-n 2 --dist loadfile`)

# A session fixture is made once in each worker that runs a test asking for it, and
# loadfile sends each file to one worker. These take minutes: every test that uses one is in
# the file named here (tests/unit/test_suite_workers.py checks it). When the PostgreSQL
# comparison, which uses the grading round, had a file of its own, the other worker now and
# then graded the whole round again: 598.6 s of a 1943.9 s run. (`--dist loadgroup` with an
# xdist_group mark does not help here: pytest-xdist 3.8 sets the group on `item._nodeid`,
# which pytest 9.2 no longer reads, so the marked tests are spread like any others:
# pytest-dev/pytest-xdist#1386.)
SHARED_FIXTURES = {"grading_round": "tests/integration/test_grading_round.py"}


def made_once_per_run(tmp_path_factory, name: str) -> None:
    """Fails a second making of session fixture ``name`` in one run of several workers (the
    workers' temporary folders share the run's folder): a test that asks for it from another
    file than the one SHARED_FIXTURES names ran in the other worker."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        return  # one process: a session fixture is made once
    mark = tmp_path_factory.getbasetemp().parent / f"{name}.made-by"
    try:
        fd = os.open(mark, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        pytest.fail(f"the session fixture {name} is made a second time in this run (first by "
                    f"{mark.read_text() or 'another worker'}, now by {worker}): move the tests "
                    "that use it into the file SHARED_FIXTURES names (tests/conftest.py)",
                    pytrace=False)
    os.write(fd, worker.encode())
    os.close(fd)


def pytest_report_header(config):
    return [f"lessons: {', '.join(LESSONS)}", f"solutions: {SOLUTIONS_DIR}"]
