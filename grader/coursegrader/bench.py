"""Benchmark: plain ``nbgrader autograde`` against ``course autograde``, side by side.

Both grade the same simulated class (perfect, blank and half-done submissions in turn) of
one lesson, each as its own command with its own grading folder and gradebook, on this
machine. Prints both wall times, the ratio, and whether every cell's score is identical.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from coursegrader.api import grading_environment, make_api
from coursegrader.grading import place_submission
from coursegrader.paths import NOTEBOOKS_DIR, jupyter_env, lesson_notebook, lessons


def _half_done(lesson: str, dest: Path) -> Path:
    """The blank notebook with the first half of the answers filled in."""
    solution = nbformat.read(lesson_notebook(lesson), as_version=4)
    answers = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in solution.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    keep = list(answers)[: len(answers) // 2]
    nb = nbformat.read(lesson_notebook(lesson, NOTEBOOKS_DIR), as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in keep:
            cell.source = answers[grade_id]
    nbformat.write(nb, dest)
    return dest


def simulated_class(lesson: str, n: int, work: Path) -> dict[str, Path]:
    work.mkdir(parents=True, exist_ok=True)
    kinds = [lesson_notebook(lesson), lesson_notebook(lesson, NOTEBOOKS_DIR),
             _half_done(lesson, work / "half.ipynb")]
    return {f"student{i + 1:02d}": kinds[i % 3] for i in range(n)}


def scores(grading: Path, lesson: str) -> dict:
    from nbgrader.api import Gradebook

    api_db = f"sqlite:///{grading / 'gradebook.db'}"
    out = {}
    with Gradebook(api_db, "pytorch-course") as gb:
        for sub in gb.assignment_submissions(lesson):
            for nb in sub.notebooks:
                for grade in nb.grades:
                    out[(sub.student.id, grade.name)] = float(grade.score)
    return out


def _timed(cmd: list[str], grading: Path) -> float:
    env = jupyter_env()
    env["COURSE_GRADING_DIR"] = str(grading)
    env.pop("COURSE_DB_URL", None)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)
    return seconds


def run_bench(lesson: str | None = None, n: int = 40, jobs: int | None = None,
              folder: Path | None = None, echo=print) -> dict:
    lesson = lesson or lessons()[0]
    folder = Path(folder or tempfile.mkdtemp(prefix="course-bench-")).resolve()
    students = simulated_class(lesson, n, folder / "work")
    for name in ("plain", "ours"):
        with grading_environment(folder / name):
            api = make_api(**{"CourseDirectory.release_directory": str(folder / "release")})
            result = api.generate_assignment(lesson, force=True, create=True)
            assert result["success"], result.get("error")
            for student, notebook in students.items():
                place_submission(Path(api.coursedir.submitted_directory), lesson, student, notebook)
    cores = os.cpu_count()
    echo(f"benchmark: {n} simulated students, lesson {lesson}, {cores} cores, in {folder}")
    bindir = os.path.dirname(sys.executable)
    plain = _timed([os.path.join(bindir, "nbgrader"), "autograde", lesson, "--force"],
                   folder / "plain")
    echo(f"  plain `nbgrader autograde {lesson} --force`: {plain:7.1f} s")
    ours_cmd = [sys.executable, "-m", "coursegrader.cli", "autograde", lesson]
    if jobs:
        ours_cmd += ["--jobs", str(jobs)]
    ours = _timed(ours_cmd, folder / "ours")
    echo(f"  `course autograde {lesson}`:                 {ours:7.1f} s")
    a, b = scores(folder / "plain", lesson), scores(folder / "ours", lesson)
    identical = a == b and len(a) == n * len({g for _, g in a})
    diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    echo(f"  speed-up: {plain / ours:.2f}x   scores identical: {identical} "
         f"({len(a)} cell grades in each gradebook"
         + (f"; differ: {diff[:5]}" if diff else "") + ")")
    return {"plain_s": plain, "ours_s": ours, "ratio": plain / ours, "identical": identical}
