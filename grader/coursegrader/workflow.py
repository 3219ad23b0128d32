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
    platform_files: dict[str, Path] = field(default_factory=dict)  # "canvas" -> its file
    lessons: list[str] = field(default_factory=list)  # the lessons in the platform files
    left_out: list[str] = field(default_factory=list)  # students without a platform id


def grades(path: Path, api=None, platforms=("canvas", "moodle"), roster: Path | None = None,
           match: str | None = None, canvas_field: str = "sis_login_id",
           moodle_field: str = "email", only: list[str] | None = None,
           canvas_ids: dict[str, str] | None = None) -> Grades:
    """Export every grade of the gradebook to CSV (nbgrader's CSV export), and beside it
    the files Canvas and Moodle import (lms_export.py): ``<name>-canvas.csv`` and
    ``<name>-moodle.csv``, with the lessons ``only`` (default: every lesson with a
    submission), students matched through ``roster``'s column ``match``."""
    from coursegrader import lms_export

    api = api or make_api()
    gradebook.export_csv(path, api)
    with open(path, newline="") as fh:
        done = Grades(Path(path), list(csv.DictReader(fh)))
    if not platforms:
        return done
    unknown = sorted(set(only or ()) - set(gradebook.lesson_names(api)))
    if unknown:
        raise CourseError(f"not in the gradebook: {', '.join(unknown)} (lessons are recorded "
                          "when released or graded)")
    table = lms_export.grade_table(gradebook.grade_rows(api, only))
    done.lessons = table.lessons
    people = lms_export.read_roster(roster) if roster else None
    ids, done.left_out = lms_export.platform_ids(table.students, people, match)
    stem = Path(path).with_suffix("")
    if "canvas" in platforms:
        rows = lms_export.canvas_rows(table, ids, canvas_field, people, canvas_ids)
        done.platform_files["canvas"] = lms_export.write_csv(f"{stem}-canvas.csv", rows)
    if "moodle" in platforms:
        rows = lms_export.moodle_rows(table, ids, moodle_field)
        done.platform_files["moodle"] = lms_export.write_csv(f"{stem}-moodle.csv", rows)
    return done


@dataclass
class Extension:
    lesson: str
    student: str
    due: object  # the lesson's due date, naive UTC (None: the lesson has none)
    extension: object  # timedelta, or None when removed

    @property
    def until(self):
        return self.due + self.extension if self.due and self.extension else self.due


def extend(lesson: str, student: str, days: float = 0, hours: float = 0, until=None,
           clear: bool = False, api=None) -> Extension:
    """Give ``student`` more time for ``lesson``: ``days``/``hours`` after the due date, or
    ``until`` a time (text as in the due-date setting); ``clear`` removes it. Stored in
    nbgrader's gradebook (``SubmittedAssignment.extension``), where nbgrader's late penalty
    reads it; works before or after the student submitted (regrade to apply it)."""
    import datetime as _dt

    from coursegrader.course.deadlines import SETTING, as_utc, parse_due, zone

    api = api or make_api()
    lessons.ensure_lesson(api, lesson)  # and the setting's due date in the gradebook
    due, _ = gradebook.lesson_deadline(api, lesson)
    if due is None:
        raise CourseError(f"{lesson} has no due date, so there is nothing to extend: set it in "
                          f"grader/nbgrader_config.py ({SETTING})")
    if clear:
        extension = None
    elif until is not None:
        extension = as_utc(parse_due(until, zone(api.config))) - due
        if extension <= _dt.timedelta(0):
            raise CourseError(f"{until} is not after {lesson}'s due date ({due:%Y-%m-%d %H:%M} UTC)")
    else:
        extension = _dt.timedelta(days=days, hours=hours)
        if extension <= _dt.timedelta(0):
            raise CourseError("give a positive --days or --hours, --until a time, or --clear")
    gradebook.set_extension(api, lesson, student, extension)
    return Extension(lesson, student, due, extension)
