"""Lessons and students as nbgrader knows them: generating a lesson (which records its cells,
points and hidden tests in the gradebook), and nbgrader's own listings of submissions."""

from __future__ import annotations

import contextlib
from pathlib import Path

from coursegrader.course.deadlines import as_utc, due_date
from coursegrader.errors import CourseError
from coursegrader.nbg import gradebook


def generate_lesson(api, lesson: str) -> str:
    """nbgrader's generate_assignment for one lesson (records its cells, points and hidden
    tests in the gradebook, writes the student version); raises CourseError with nbgrader's
    log when it fails. Returns the log."""
    outcome = api.generate_assignment(lesson, force=True, create=True)
    if not outcome.get("success"):
        raise CourseError(f"nbgrader could not generate {lesson}:\n"
                          f"{outcome.get('error') or ''}\n{outcome.get('log') or ''}")
    sync_duedate(api, lesson)
    return outcome.get("log") or ""


def sync_duedate(api, lesson: str):
    """Put the lesson's due date from the course's setting (course/deadlines.py) into the
    gradebook's ``Assignment.duedate``, where nbgrader's late penalty, its formgrader and
    its exports read it. Returns it (naive UTC), or None for a lesson the setting does not
    name: that one keeps the due date the gradebook has (none, or one set with nbgrader's
    own ``nbgrader db assignment add --duedate``)."""
    due = as_utc(due_date(lesson, api.config))
    if due is not None:
        gradebook.set_duedate(api, lesson, due)
    return due


def source_folder(api, lesson: str) -> Path:
    return Path(api.coursedir.format_path(api.coursedir.source_directory, ".", lesson))


def source_exists(api, lesson: str) -> bool:
    folder = source_folder(api, lesson)
    return folder.is_dir() and any(folder.glob("*.ipynb"))


def ensure_lesson(api, lesson: str) -> bool:
    """Make sure the gradebook knows ``lesson`` before grading it: generate it from its
    source, as `course release` does but without putting it in the exchange. True if it had
    to be generated; CourseError if there is no source to generate it from. Either way the
    gradebook's due date is the setting's of today."""
    if gradebook.lesson_in_gradebook(api, lesson):
        sync_duedate(api, lesson)
        return False
    if not source_exists(api, lesson):
        raise CourseError(
            f"{lesson} is not in the gradebook and has no source in "
            f"{source_folder(api, lesson)}: run `course release {lesson}` first")
    generate_lesson(api, lesson)
    return True


def released_notebooks(api, lesson: str) -> dict:
    """notebook name -> the released (student) version, where it can be found."""
    import nbformat

    folder = Path(api.coursedir.format_path(api.coursedir.release_directory, ".", lesson))
    out = {}
    for path in sorted(folder.glob("*.ipynb")):
        with contextlib.suppress(Exception):
            out[path.stem] = nbformat.read(path, as_version=4)
    return out


def submitted_students(api, lesson: str) -> list[str]:
    """Students with a submission folder of ``lesson`` (nbgrader's own listing)."""
    if not Path(api.coursedir.submitted_directory).exists():
        return []
    return sorted(api.get_submitted_students(lesson))


def autograded_students(api, lesson: str) -> list[str]:
    """Students whose submission of ``lesson`` is autograded and recorded.

    nbgrader's own listing compares the submitted and recorded timestamps and cannot read a
    bad timestamp.txt (it raises); such a submission is graded without a timestamp (see
    engine/sanitize.py), so the fallback is: recorded in the gradebook and autograded
    folder there.
    """
    try:
        return sorted(api.get_autograded_students(lesson))
    except ValueError:
        root = Path(api.coursedir.autograded_directory)
        recorded = gradebook.recorded_students(api, lesson)
        return sorted(s for s in recorded if (root / s / lesson).is_dir())
