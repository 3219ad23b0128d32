"""The instructor's term, one step at a time: release, collect, autograde, feedback, grades.

Every step runs nbgrader's own machinery (its exchange, its gradebook) in this process and
returns what happened as data; report.py turns it into text for the instructor.
"""

from __future__ import annotations

import csv
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from coursegrader.engine.model import SubmissionResult
from coursegrader.errors import CourseError
from coursegrader.nbg import exchange, gradebook, lessons
from coursegrader.nbg.api import make_api


def _check(outcome: dict, what: str) -> str:
    if not outcome.get("success"):
        raise CourseError(f"{what} failed:\n{outcome.get('error') or ''}{outcome.get('log') or ''}")
    return outcome.get("log") or ""


@dataclass
class Released:
    lesson: str
    outbound: Path


def release(lesson: str, api=None) -> Released:
    """Record the lesson (cells, points, hidden tests) in the gradebook, write the student
    version to the release folder and put it in the exchange for students to fetch."""
    api = api or make_api()
    lessons.generate_lesson(api, lesson)
    existing = exchange.outbound_folder(api, lesson)
    if existing.exists():  # re-release: replace what students fetch
        shutil.rmtree(existing)
    _check(api.release_assignment(lesson), f"releasing {lesson}")
    return Released(lesson, existing)


def submitted_students(lesson: str, api=None) -> list[str]:
    return lessons.submitted_students(api or make_api(), lesson)


@dataclass
class Collected:
    lesson: str
    source: Path | None  # None: the exchange
    folder: Path
    students: list[str]  # every submission there now (exchange) or imported (LMS)
    new: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def collect(lesson: str, source: Path | None = None, api=None) -> Collected:
    """Collect submissions: from the exchange (default), or from a zip file or folder
    downloaded from a learning management system (see lms.py)."""
    from coursegrader.lms import import_submissions

    api = api or make_api()
    folder = Path(api.coursedir.submitted_directory)
    if source is None:
        before = set(submitted_students(lesson, api))
        _check(api.collect(lesson), f"collecting {lesson}")
        after = submitted_students(lesson, api)
        return Collected(lesson, None, folder, after, sorted(set(after) - before))
    imported, problems = import_submissions(lesson, Path(source), api)
    return Collected(lesson, Path(source), folder, imported, imported, problems)


@dataclass
class Autograded:
    lesson: str
    results: dict[str, SubmissionResult]
    seconds: float
    sandbox: bool
    lesson_generated: bool = False  # the lesson had to be recorded in the gradebook first


def autograde(lesson: str, students: list[str] | None = None, jobs: int | None = None,
              api=None, progress: bool = True, sandbox: bool = True) -> Autograded:
    """Autograde every collected submission of ``lesson`` in parallel (engine/pipeline.py).
    With ``sandbox``, the sandbox is checked first (SandboxUnavailable says how to enable
    it), before any lesson is touched."""
    from coursegrader.engine.pipeline import autograde_parallel, require_sandbox

    if sandbox:
        require_sandbox()
    api = api or make_api()
    students = students or submitted_students(lesson, api)
    if not students:
        raise CourseError(f"no submission of {lesson} in {api.coursedir.submitted_directory}: "
                          "run collect first")
    lesson_generated = lessons.ensure_lesson(api, lesson)
    start = time.perf_counter()
    results = autograde_parallel(lesson, students, api=api, jobs=jobs, progress=progress,
                                 sandbox=sandbox)
    return Autograded(lesson, results, time.perf_counter() - start, sandbox, lesson_generated)


@dataclass
class FeedbackRun:
    lesson: str
    folder: Path
    written: list[str]  # students whose feedback was written
    failed: list[str]
    returned: list[str] = field(default_factory=list)
    not_returned: list[str] = field(default_factory=list)
    lms: list[str] = field(default_factory=list)  # not submitted through the exchange
    release: bool = True


def feedback(lesson: str, api=None, progress: bool = True, release: bool = True) -> FeedbackRun:
    """Generate the feedback HTML of every autograded submission (hidden tests removed) and
    return it to the students through the exchange."""
    from tqdm import tqdm

    api = api or make_api()
    students = lessons.autograded_students(api, lesson) \
        if Path(api.coursedir.autograded_directory).exists() else []
    if not students:
        raise CourseError(f"nothing autograded for {lesson}: run autograde first")
    done, failed = [], []
    for student in tqdm(students, desc=f"feedback {lesson}", disable=not progress, leave=False):
        outcome = api.generate_feedback(lesson, student)
        (done if outcome.get("success") else failed).append(student)
    run = FeedbackRun(lesson, Path(api.coursedir.feedback_directory), done, failed,
                      release=release)
    if release and done:
        # only work that came through the exchange can go back through it (nbgrader needs
        # the submission's secret); work imported from an LMS goes back through the LMS
        via_exchange = [s for s in done
                        if (run.folder / s / lesson / "submission_secret.txt").exists()]
        for student in via_exchange:
            ok = api.release_feedback(lesson, student).get("success")
            (run.returned if ok else run.not_returned).append(student)
        run.lms = sorted(set(done) - set(via_exchange))
    return run


@dataclass
class Grades:
    path: Path
    rows: list[dict]


def grades(path: Path, api=None) -> Grades:
    """Export every grade of the gradebook to CSV (nbgrader's CSV export)."""
    api = api or make_api()
    gradebook.export_csv(path, api)
    with open(path, newline="") as fh:
        return Grades(Path(path), list(csv.DictReader(fh)))
