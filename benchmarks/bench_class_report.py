"""How long the class report and the similarity check take, for a class of 40 and of 400.

    python benchmarks/bench_class_report.py [--graded GRADING_DIR] [--work DIR]

The class of 40 is the planted class of coursegrader/devtools/classsim.py, graded by the
course's autograder (without the sandbox; or give --graded, a grading folder where it was
graded already). Grading 400 notebooks only to time a report would take a long time, so the
class of 400 is that graded class ten times over: every submission's rows copied in the
gradebook under a new student name with nbgrader's API (scores, comments, timestamp) and its
autograded notebook copied beside it. The similarity check of 400 compares a planted class
of 400 (400 different notebooks, classsim.planted_class), which needs no grading.

Prints wall and CPU seconds for: the report (gradebook read, statistics, plots, page) and the similarity
check (fingerprints, every pair compared, page), each at 40 and at 400.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "grader")]

from coursegrader.course.paths import jupyter_env  # noqa: E402

os.environ.update(jupyter_env())

from coursegrader.classreport.build import class_report, similar_report  # noqa: E402
from coursegrader.course.config import grading_environment  # noqa: E402
from coursegrader.course.placement import place_submission  # noqa: E402
from coursegrader.devtools.classsim import LESSON, planted_class  # noqa: E402
from coursegrader.nbg.api import ensure_tools_on_path, make_api  # noqa: E402


def grade_class(folder: Path, n: int) -> None:
    from coursegrader import workflow

    with grading_environment(folder):
        api = make_api(**{"CourseDirectory.release_directory": str(folder.parent / "release")})
        for student, nb in planted_class(n, folder.parent / "work").items():
            place_submission(Path(api.coursedir.submitted_directory), LESSON, student, nb)
        start = time.perf_counter()
        workflow.autograde(LESSON, api=api, progress=False, sandbox=False)
        print(f"graded {n} in {time.perf_counter() - start:.1f} s")


def ten_times(graded: Path, folder: Path) -> None:
    """``graded`` (a grading folder) with every submission ten times, in ``folder``."""
    from nbgrader.api import Gradebook

    shutil.copytree(graded, folder)
    with grading_environment(folder):
        api = make_api()
        autograded = Path(api.coursedir.autograded_directory)
        with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
            originals = list(gb.assignment_submissions(LESSON))
            for k in range(1, 10):
                for sub in originals:
                    name = f"{sub.student.id}-{k}"
                    gb.add_student(name)
                    copy = gb.add_submission(LESSON, name, timestamp=sub.timestamp)
                    for nb, new in zip(sub.notebooks, copy.notebooks, strict=True):
                        scores = {g.name: g for g in nb.grades}
                        for grade in new.grades:
                            grade.auto_score = scores[grade.name].auto_score
                        notes = {c.name: c.auto_comment for c in nb.comments}
                        for comment in new.comments:
                            comment.auto_comment = notes[comment.name]
                    source = autograded / sub.student.id / LESSON
                    if source.is_dir():
                        shutil.copytree(source, autograded / name / LESSON)
            gb.db.commit()


def timed(what, *args, **kwargs) -> str:
    """Wall and CPU seconds of this process (the CPU time says more on a busy machine)."""
    start, cpu = time.perf_counter(), time.process_time()
    what(*args, **kwargs)
    return f"{time.perf_counter() - start:5.1f} s ({time.process_time() - cpu:4.1f} s CPU)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graded", type=Path, help="a grading folder of the planted class")
    parser.add_argument("--work", type=Path, help="work folder (default: a temporary one)")
    args = parser.parse_args()
    # nbgrader 0.9's gradebook code triggers SQLAlchemy warnings that say nothing here
    warnings.filterwarnings("ignore", message=".*not in session.*")
    ensure_tools_on_path()
    work = Path(args.work or tempfile.mkdtemp(prefix="bench-class-report-")).resolve()
    graded = args.graded
    if graded is None:
        graded = work / "c40" / "grading"
        grade_class(graded, 40)
    ten_times(graded, work / "c400" / "grading")
    for n, folder in ((40, graded), (400, work / "c400" / "grading")):
        with grading_environment(folder):
            api = make_api()
            report = timed(class_report, api, LESSON, out=work / f"report-{n}.html")
            submitted = work / f"similar-{n}" / "submitted"
            for student, nb in planted_class(n, work / f"similar-{n}" / "work").items():
                place_submission(submitted, LESSON, student, nb)
            api.coursedir.submitted_directory = str(submitted)
            similar = timed(similar_report, api, LESSON, out=work / f"similar-{n}.html")
        print(f"{n:>4} submissions: report {report}, similarity check {similar}")


if __name__ == "__main__":
    main()
