"""Generate the student notebooks (notebooks/) from the instructor notebooks (solutions/)."""

from __future__ import annotations

from pathlib import Path

from coursegrader.course.paths import lessons as all_lessons
from coursegrader.nbg.api import make_api
from coursegrader.nbg.lessons import generate_lesson


def generate(
    lessons: list[str] | None = None,
    release_dir: Path | None = None,
    db_url: str | None = None,
) -> list[str]:
    """Run nbgrader's generate_assignment for ``lessons`` (default: all) in one process.

    ``release_dir`` replaces notebooks/ as the output (tests write to a temporary folder);
    ``db_url`` replaces the gradebook that records each lesson's cells and hidden tests.
    Returns the lessons generated; raises CourseError naming the lesson that failed, with
    nbgrader's own log.
    """
    overrides = {}
    if release_dir is not None:
        overrides["CourseDirectory.release_directory"] = str(Path(release_dir).resolve())
    if db_url is not None:
        overrides["CourseDirectory.db_url"] = db_url
    api = make_api(**overrides)
    todo = list(lessons) if lessons else all_lessons()
    for lesson in todo:
        generate_lesson(api, lesson)
    return todo
