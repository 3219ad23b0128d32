"""The instructor's term, one step at a time: release, collect, autograde, feedback, grades.

Every step runs nbgrader's own machinery (its exchange, its gradebook) in this process and
returns what happened as data; cli.py turns it into text for the instructor.
"""

from __future__ import annotations

import csv
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from coursegrader import nbgraderio
from coursegrader.api import make_api
from coursegrader.grading import SubmissionResult, export_csv
from coursegrader.nbgraderio import WorkflowError  # noqa: F401 (the CLI catches it here)

SANDBOX_OFF = "WARNING: the kernel sandbox was off: student code ran with your rights"


def _check(outcome: dict, what: str) -> str:
    if not outcome.get("success"):
        raise WorkflowError(f"{what} failed:\n{outcome.get('error') or ''}{outcome.get('log') or ''}")
    return outcome.get("log") or ""


@dataclass
class Released:
    lesson: str
    outbound: Path


def release(lesson: str, api=None) -> Released:
    """Record the lesson (cells, points, hidden tests) in the gradebook, write the student
    version to the release folder and put it in the exchange for students to fetch."""
    api = api or make_api()
    nbgraderio.generate_lesson(api, lesson)
    outbound = Path(api.exchange.ReleaseAssignment(coursedir=api.coursedir, parent=api).root)
    existing = outbound / api.coursedir.course_id / "outbound" / lesson
    if existing.exists():  # re-release: replace what students fetch
        shutil.rmtree(existing)
    _check(api.release_assignment(lesson), f"releasing {lesson}")
    return Released(lesson, existing)


def submitted_students(lesson: str, api=None) -> list[str]:
    return nbgraderio.submitted_students(api or make_api(), lesson)


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
    generated: bool = False  # the lesson had to be recorded in the gradebook first
    timings: object = None  # parallel.Timings


def autograde(lesson: str, students: list[str] | None = None, jobs: int | None = None,
              api=None, progress: bool = True, sandbox: bool = True) -> Autograded:
    """Autograde every collected submission of ``lesson`` in parallel (see parallel.py)."""
    from coursegrader.parallel import Timings, autograde_parallel

    api = api or make_api()
    students = students or submitted_students(lesson, api)
    if not students:
        raise WorkflowError(f"no submission of {lesson} in {api.coursedir.submitted_directory}: "
                            "run collect first")
    generated = nbgraderio.ensure_lesson(api, lesson)
    start = time.perf_counter()
    timings = Timings()
    results = autograde_parallel(lesson, students, api=api, jobs=jobs, progress=progress,
                                 sandbox=sandbox, timings=timings)
    return Autograded(lesson, results, time.perf_counter() - start, sandbox, generated, timings)


def summarize(run: Autograded) -> str:
    """The instructor's view of an autograding run."""
    results = run.results
    counts = Counter(r.status for r in results.values())
    lines = [SANDBOX_OFF] if not run.sandbox else []
    if run.generated:
        lines.append(f"{run.lesson} was not in the gradebook: generated it from its source "
                     "(not released to the exchange)")
    lines.append(
        f"autograded {run.lesson}: {len(results)} submission(s) in {run.seconds:.1f} s -- "
        f"{counts['graded']} graded, {counts['review']} need review, {counts['failed']} failed")
    width = max((len(s) for s in results), default=7)
    for student, r in sorted(results.items()):
        score = f"{r.score:g}/{r.max_score:g}" if r.max_score else "-"
        line = f"  {student:<{width}}  {r.status:<6}  {score:>7}"
        why = r.error or "; ".join(r.review)
        if why:
            line += f"  {why}"
        lines.append(line)
        for note in r.notes:
            lines.append(f"  {'':<{width}}  note: {note}")
    return "\n".join(lines)


@dataclass
class FeedbackRun:
    lesson: str
    folder: Path
    generated: list[str]
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
    students = nbgraderio.autograded_students(api, lesson) \
        if Path(api.coursedir.autograded_directory).exists() else []
    if not students:
        raise WorkflowError(f"nothing autograded for {lesson}: run autograde first")
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
    export_csv(path, api=api)
    with open(path, newline="") as fh:
        return Grades(Path(path), list(csv.DictReader(fh)))
