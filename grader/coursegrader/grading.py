"""Submissions and their results: place a submission, read the gradebook, export CSV."""

from __future__ import annotations

import datetime as _dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from coursegrader.api import make_api


@dataclass
class CellScore:
    grade_id: str
    score: float
    max_score: float


@dataclass
class SubmissionResult:
    lesson: str
    student: str
    success: bool
    score: float = 0.0
    max_score: float = 0.0
    cells: dict[str, CellScore] = field(default_factory=dict)
    error: str = ""  # why it could not be graded
    notes: list[str] = field(default_factory=list)  # what the instructor should know
    review: list[str] = field(default_factory=list)  # why the automatic grade was withheld

    @property
    def status(self) -> str:
        if not self.success:
            return "failed"
        return "review" if self.review else "graded"


def place_submission(submitted_dir: Path, lesson: str, student: str, notebook: Path,
                     name: str | None = None) -> Path:
    """Copy ``notebook`` to where nbgrader expects student ``student``'s submission (as
    ``name``, default the lesson's notebook name), with the time of submission."""
    dest = Path(submitted_dir) / student / lesson
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / (name or f"{lesson}.ipynb")
    shutil.copyfile(notebook, target)
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f %Z")
    (dest / "timestamp.txt").write_text(stamp + "\n")
    return target


def read_scores(api, lesson: str, results: dict[str, SubmissionResult]) -> None:
    """Fill in score, max_score and per-cell grades from the gradebook."""
    with api.gradebook as gb:
        for student, result in results.items():
            try:
                submission = gb.find_submission(lesson, student)
            except Exception:  # not in the gradebook: autograding failed before it was saved
                continue
            result.score = float(submission.score)
            result.max_score = float(submission.max_score)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.max_score:
                        result.cells[grade.name] = CellScore(
                            grade.name, float(grade.score), float(grade.max_score)
                        )


def export_csv(path: Path, api=None) -> Path:
    """Write every grade of the gradebook to a CSV file (nbgrader's CSV export)."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    api = api or make_api()
    plugin = CsvExportPlugin(parent=api)
    plugin.to = str(path)
    with Gradebook(api.coursedir.db_url, api.course_id) as gb:
        plugin.export(gb)
    return Path(path)
