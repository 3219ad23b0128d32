"""Benchmark: plain nbgrader autograde against ours, side by side, and where our time goes.

The same simulated class (perfect, blank and half-done submissions in turn) of one lesson
is graded by

* plain nbgrader: its own autograde of every student in one run (``NbGraderAPI.autograde``
  with student ``*``, what ``nbgrader autograde LESSON --force`` does), serially;
* ours without the kernel sandbox (``autograde_parallel(..., sandbox=False)``);
* ours with the kernel sandbox, when the sandbox can run on this machine, with the kernel's
  record (the audit hook: docs/grading.md) and without it, before and after the run with
  it (the record's overhead: against the mean of the two, and student by student),
* and ours with the sandbox and the record once more, each kernel started as a new process
  instead of forked by the fork server (sandbox/forks.py): what the fork server saves,

each with its own grading folder and gradebook, all in this one process (so nobody pays
the import of nbgrader in the timings). Prints the wall times, the speed-ups, whether every
cell's score is identical to plain nbgrader's, and per submission, stage by stage, where
our time went.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import nbformat

from coursegrader.course import cells
from coursegrader.course.config import grading_environment
from coursegrader.course.paths import NOTEBOOKS_DIR, lesson_notebook
from coursegrader.course.placement import place_submission
from coursegrader.errors import CourseError
from coursegrader.nbg.api import make_api
from coursegrader.nbg.gradebook import cell_scores
from coursegrader.nbg.lessons import generate_lesson

STAGE_NAMES = {
    "sanitize": "sanitize (writer)",
    "kernel_start": "kernel start (worker)",
    "execution": "execution (worker)",
    "record": "record (writer)",
    "waiting": "waiting for the writer",
    "kernel_cpu": "kernel CPU time (cgroup)",
}


def _half_done(lesson: str, dest: Path) -> Path:
    """The blank notebook with the first half of the answers filled in."""
    answers = cells.answers(nbformat.read(lesson_notebook(lesson), as_version=4))
    keep = list(answers)[: len(answers) // 2]
    nb = nbformat.read(lesson_notebook(lesson, NOTEBOOKS_DIR), as_version=4)
    for cell in nb.cells:
        if cells.grade_id(cell) in keep:
            cell.source = answers[cells.grade_id(cell)]
    nbformat.write(nb, dest)
    return dest


def simulated_class(lesson: str, n: int, work: Path) -> dict[str, Path]:
    work.mkdir(parents=True, exist_ok=True)
    kinds = [lesson_notebook(lesson), lesson_notebook(lesson, NOTEBOOKS_DIR),
             _half_done(lesson, work / "half.ipynb")]
    return {f"student{i + 1:02d}": kinds[i % 3] for i in range(n)}


def engines() -> list[str]:
    """plain, ours, and ours-sandbox with and without the kernel's record (twice: before
    and after), and with kernels started as new processes, where the sandbox can run here."""
    from coursegrader.engine.pipeline import require_sandbox

    names = ["plain", "ours"]
    try:
        require_sandbox()
        # without the record before and after the run with it: a shared machine's speed drifts
        # by a tenth and more within minutes, and a drift that runs one way then shifts the
        # two sides of the comparison alike (their mean is the baseline)
        names += ["no-record", "ours-sandbox", "no-record-2", "new-process"]
    except CourseError as err:
        print(f"  (no sandbox column: {err})")
    return names


def pooled(first, second):
    """Two runs of the same class as one: each student's seconds, stage by stage, the mean
    of their two runs (a student graded in one run only keeps that run's)."""
    from coursegrader.engine.model import Timings

    both = Timings()
    for student in {**first.per_submission, **second.per_submission}:
        rows = [t.per_submission[student] for t in (first, second)
                if student in t.per_submission]
        for stage in {stage for row in rows for stage in row}:
            both.add(student, stage, sum(row.get(stage, 0.0) for row in rows) / len(rows))
    return both


def paired_overhead(with_record, without) -> tuple[float, float, float] | None:
    """The record's overhead student by student: each student's kernel CPU time with the
    record against the same student's without it, as (first quartile, median, third
    quartile) of those ratios minus one; None without two such pairs.

    The class mixes perfect, blank and half-done notebooks, whose kernels differ several
    times over in CPU time, so the ratio of the two means moves with whichever kernels ran
    slowly; a ratio per student compares like with like, and the median leaves out the
    one kernel that a busy moment slowed down."""
    from statistics import quantiles

    ratios = []
    for student, row in with_record.per_submission.items():
        base = without.per_submission.get(student, {}).get("kernel_cpu", 0.0)
        if base > 0 and row.get("kernel_cpu", 0.0) > 0:
            ratios.append(row["kernel_cpu"] / base - 1)
    if len(ratios) < 2:
        return None
    low, middle, high = quantiles(ratios, n=4, method="inclusive")
    return low, middle, high


def run_bench(lesson: str | None = None, n: int = 40, jobs: int | None = None,
              folder: Path | None = None, echo=print) -> dict:
    from coursegrader.engine.model import Timings
    from coursegrader.engine.pipeline import autograde_parallel

    lesson = lesson or "01-python-classes"  # the figures in docs/grading.md are for lesson 01
    folder = Path(folder or tempfile.mkdtemp(prefix="course-bench-")).resolve()
    students = simulated_class(lesson, n, folder / "work")
    names = engines()
    cores = os.cpu_count()
    jobs = jobs or (cores or 1) + 1
    echo(f"benchmark: {n} simulated students, lesson {lesson}, {cores} cores, "
         f"{jobs} workers for ours, in {folder}")
    report: dict = {"lesson": lesson, "students": n, "cores": cores, "jobs": jobs}
    seconds, timings, found = {}, {}, {}
    for name in names:
        with grading_environment(folder / name):
            api = make_api(**{"CourseDirectory.release_directory": str(folder / "release")})
            generate_lesson(api, lesson)
            for student, notebook in students.items():
                place_submission(Path(api.coursedir.submitted_directory), lesson, student,
                                 notebook)
            start = time.perf_counter()
            if name == "plain":
                outcome = api.autograde(lesson, "*", force=True, create=True)
                if not outcome.get("success"):
                    echo("  plain nbgrader reported a failure: "
                         + (outcome.get("error") or "")[-500:])
            else:
                timings[name] = Timings()
                autograde_parallel(lesson, list(students), api=api, jobs=jobs, progress=False,
                                   sandbox=name != "ours", timings=timings[name],
                                   limits={"record_kernel": name in ("ours-sandbox",
                                                                     "new-process"),
                                           "fork_kernels": name != "new-process"})
            seconds[name] = time.perf_counter() - start
            found[name] = cell_scores(api, lesson)
    plain = found["plain"]
    expected_cells = n * len({g for _, g in plain})
    echo(f"  {'':<22}" + "".join(f"{name:>14}" for name in names))
    echo(f"  {'wall time (s)':<22}" + "".join(f"{seconds[x]:>14.1f}" for x in names))
    echo(f"  {'speed-up vs plain':<22}"
         + "".join(f"{seconds['plain'] / seconds[x]:>13.2f}x" for x in names))
    if "no-record" in seconds:
        pad = " " * 14 * names.index("ours-sandbox")
        baseline = (seconds["no-record"] + seconds["no-record-2"]) / 2
        overhead = seconds["ours-sandbox"] / baseline - 1
        echo(f"  {'record overhead':<22}" + pad + f"{overhead:>+13.1%}  (wall time, against "
             "the mean of both no-record runs)")
        report["record_overhead"] = overhead
        # the kernels' CPU time, which other work on a busy machine changes little
        without = pooled(timings["no-record"], timings["no-record-2"])
        cpu = {"ours-sandbox": timings["ours-sandbox"].mean()["kernel_cpu"],
               "no-record": without.mean()["kernel_cpu"]}
        if cpu["no-record"]:
            cpu_overhead = cpu["ours-sandbox"] / cpu["no-record"] - 1
            echo(f"  {'':<22}" + pad + f"{cpu_overhead:>+13.1%}  (the kernels' CPU time)")
            report["record_cpu_overhead"] = cpu_overhead
        paired = paired_overhead(timings["ours-sandbox"], without)
        if paired is not None:
            low, middle, high = paired
            echo(f"  {'':<22}" + pad + f"{middle:>+13.1%}  (median of each student's "
                 f"two kernels; quartiles {low:+.1%} to {high:+.1%})")
            report["record_cpu_overhead_paired"] = paired
    if "new-process" in seconds:
        forked = timings["ours-sandbox"].mean()
        new = timings["new-process"].mean()
        pad = " " * 14 * names.index("new-process")
        echo(f"  {'forked kernels save':<22}" + pad
             + f"{1 - seconds['ours-sandbox'] / seconds['new-process']:>13.1%}  (wall time, "
             "ours-sandbox against new-process)")
        report["fork_saving"] = 1 - seconds["ours-sandbox"] / seconds["new-process"]
        if new["kernel_cpu"]:
            saving = 1 - forked["kernel_cpu"] / new["kernel_cpu"]
            echo(f"  {'':<22}" + pad + f"{saving:>13.1%}  (the kernels' CPU time: "
                 f"{forked['kernel_cpu']:.2f} s against {new['kernel_cpu']:.2f} s each)")
            report["fork_cpu_saving"] = saving
    identical = {x: found[x] == plain and len(plain) == expected_cells for x in names}
    echo(f"  {'scores identical':<22}" + "".join(f"{str(identical[x]):>14}" for x in names))
    for name in names[1:]:
        diff = sorted(k for k in set(plain) | set(found[name])
                      if plain.get(k) != found[name].get(k))
        if diff:
            echo(f"  {name} differs from plain nbgrader at {diff[:5]}")
    if timings:
        echo("  per submission, mean seconds by stage (the workers' stages run side by side):")
        for stage, label in STAGE_NAMES.items():
            echo(f"    {label:<26}" + "".join(
                f"{timings[x].mean()[stage]:>14.2f}" for x in names[1:]))
    report.update(seconds=seconds, identical=all(identical.values()),
                  ratio=seconds["plain"] / seconds["ours"],
                  stages={x: timings[x].mean() for x in timings})
    return report
