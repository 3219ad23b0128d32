"""A complete simulated term on one machine: release, students fetch and submit through the
exchange, collect, autograde, feedback, grades.

Everything happens in a demo folder (a new temporary folder unless one is given), used as
COURSE_GRADING_DIR: an instructor's real grading/ folder and notebooks/ are never touched.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import nbformat

from coursegrader import report, workflow
from coursegrader.course import cells
from coursegrader.course.config import grading_environment
from coursegrader.course.paths import lesson_notebook
from coursegrader.nbg.api import make_api
from coursegrader.nbg.exchange import fetch_and_submit

PARTLY_WRONG = {  # lesson 01: forgets super().__init__() in Clip and answers q2 wrongly
    "ex2-clip": (
        "class Clip(Layer):\n"
        "    def __init__(self, low, high):\n"
        "        self.low = low\n"
        "        self.high = high\n\n"
        "    def forward(self, x):\n"
        "        return min(max(x, self.low), self.high)\n"
    ),
    "quiz-answers": 'q1 = "b"\nq2 = "a"\n',
}


def _student_work(kind: str, lesson: str, fetched: Path) -> None:
    """Do the homework the way a student of ``kind`` does (in the fetched copy)."""
    if kind == "blank":
        return
    if kind == "broken":  # the file got truncated while saving
        fetched.write_text(fetched.read_text()[:500])
        return
    solution = nbformat.read(lesson_notebook(lesson), as_version=4)
    student = nbformat.read(fetched, as_version=4)
    answers = cells.answers(solution)
    for cell in student.cells:
        grade_id = cells.grade_id(cell)
        if cells.is_answer(cell) and grade_id in answers:
            cell.source = answers[grade_id]
            if kind == "partly-wrong" and grade_id in PARTLY_WRONG:
                cell.source = PARTLY_WRONG[grade_id]
    nbformat.write(student, fetched)


STUDENTS = {"ada": "perfect", "ben": "blank", "cho": "partly-wrong", "dev": "broken",
            "eve": "perfect"}


def run_demo(folder: Path | None = None, lesson: str | None = None, jobs: int | None = None,
             echo=print) -> dict:
    lesson = lesson or "01-python-classes"  # PARTLY_WRONG answers are written for it
    folder = Path(folder or tempfile.mkdtemp(prefix="course-demo-")).resolve()
    echo(f"demo term in {folder} (COURSE_GRADING_DIR), lesson {lesson}")
    with grading_environment(folder / "grading"):
        api = make_api(**{"CourseDirectory.release_directory": str(folder / "release")})
        done = workflow.release(lesson, api)
        echo(f"1. released {lesson} to the exchange ({done.outbound})")
        echo(f"2. {len(STUDENTS)} students fetch, work and submit through the exchange:")
        for student, kind in STUDENTS.items():
            home = folder / "students" / student
            home.mkdir(parents=True, exist_ok=True)
            fetch_and_submit(api, lesson, student, home,
                             lambda path, kind=kind: _student_work(kind, lesson, path))
            echo(f"   {student}: {kind}")
        echo("3. " + report.format_collected(workflow.collect(lesson, api=api)))
        run = workflow.autograde(lesson, jobs=jobs, api=api, progress=False)
        results = run.results
        echo("4. " + report.summarize(run))
        echo("5. " + report.format_feedback(workflow.feedback(lesson, api=api)))
        echo("6. " + report.format_grades(workflow.grades(folder / "grades.csv", api=api)))
    outcome = {s: {"status": r.status, "score": r.score, "max_score": r.max_score}
               for s, r in results.items()}
    (folder / "demo-results.json").write_text(json.dumps(outcome, indent=2))
    return outcome
