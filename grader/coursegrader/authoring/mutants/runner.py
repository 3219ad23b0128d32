"""Mutation testing of the course's own tests: do the tests notice a wrong answer?

For every answer cell (an nbgrader ``solution: true`` code cell) of a lesson's reference
solution, small deliberate mistakes (*mutants*) are made in the code between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` with Python's ``ast``: an operator swapped,
a constant changed, a statement deleted, a ``.detach()`` dropped, a ``torch.no_grad()``
block unwrapped... Each mutant is graded the way a submission is: the solution notebook
(hidden tests included) runs in a fresh kernel with ``NBGRADER_EXECUTION=autograde`` up to
the exercise's last test cell, with the mutated cell in place. The mutant is *killed* when a
test cell of its exercise fails, and *survives* when every one of them passes: a wrong
answer that would get full marks. See docs/mutation-testing.md.

``run_mutants`` returns data (``LessonReport``, model.py); report.py turns it into text;
operators.py makes the mutants. The CLI (``course mutants``) only calls them.
"""

from __future__ import annotations

import os
import random
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import nbformat

from coursegrader.authoring.mutants.model import LessonReport, Mutant, MutantResult
from coursegrader.authoring.mutants.operators import mutate_source
from coursegrader.course import cells
from coursegrader.course.paths import lesson_notebook
from coursegrader.course.paths import lessons as all_lessons
from coursegrader.errors import CourseError


@dataclass(frozen=True)
class Exercise:
    grade_id: str  # the answer cell
    answer_index: int
    tests: tuple[str, ...]  # grade_ids of its graded test cells
    last_index: int  # index of its last test cell: the notebook is cut after it


def exercises(nb) -> list[Exercise]:
    """Answer cells and their tests: the graded cells after an answer cell and before the
    next answer cell (the course keeps each exercise's tests right below its answer)."""
    answers = [i for i, c in enumerate(nb.cells)
               if c.cell_type == "code" and cells.is_answer(c)]
    found = []
    for k, start in enumerate(answers):
        stop = answers[k + 1] if k + 1 < len(answers) else len(nb.cells)
        tests = [(i, cells.grade_id(nb.cells[i])) for i in range(start + 1, stop)
                 if nb.cells[i].cell_type == "code" and cells.meta(nb.cells[i]).get("grade")]
        grade_id = cells.grade_id(nb.cells[start])
        found.append(Exercise(grade_id, start, tuple(g for _, g in tests),
                              tests[-1][0] if tests else -1))
    return found


def lesson_mutants(lesson: str) -> tuple[list[Mutant], list[str]]:
    """All mutants of a lesson, and the answer cells that gave none (with why)."""
    nb = nbformat.read(lesson_notebook(lesson), as_version=4)
    mutants, skipped = [], []
    for ex in exercises(nb):
        if not ex.tests:
            skipped.append(f"{ex.grade_id}: no graded test cell follows it")
            continue
        try:
            mutants += mutate_source(nb.cells[ex.answer_index].source, ex.grade_id, lesson)
        except SyntaxError as err:
            skipped.append(f"{ex.grade_id}: not plain Python ({err.msg}, line {err.lineno})")
    return mutants, skipped


def load_equivalent() -> dict[str, str]:
    """The reviewed equivalent mutants: ``"<lesson>/<mutant id>" -> reason``."""
    from coursegrader.authoring.mutants.equivalent import EQUIVALENT

    return dict(EQUIVALENT)




def _init_worker(threads: int) -> None:
    # Lessons switch to their small grading budget when nbgrader runs them; the kernels
    # inherit this environment. Two kernels share the cores, so each gets one thread.
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))


def _execute(notebook: str, cut: int, replace: dict[int, str], tests: dict[int, str],
             timeout: int) -> tuple[list[str], str, float]:
    """Run cells[:cut + 1] of ``notebook`` with some sources replaced, in a fresh kernel in
    a fresh folder; return the test cells (grade_ids) that raised, a note, and seconds."""
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    start = time.perf_counter()
    nb = nbformat.read(notebook, as_version=4)
    nb.cells = nb.cells[: cut + 1]
    for index, source in replace.items():
        nb.cells[index].source = source
    note = ""
    with tempfile.TemporaryDirectory(prefix="course-mutant-") as folder:
        client = NotebookClient(nb, timeout=timeout, allow_errors=True, interrupt_on_timeout=True,
                                kernel_name="python3", resources={"metadata": {"path": folder}})
        try:
            # The kernel's own log (its start-up warnings) says nothing about the mutant;
            # what the cells print still reaches the notebook.
            client.execute(stderr=subprocess.DEVNULL)
        except DeadKernelError:
            note = "the kernel died"
        except Exception as err:  # noqa: BLE001 - a mutant may break the run in any way
            note = f"{type(err).__name__}: {str(err)[:200]}"
    failed = []
    for index, grade_id in tests.items():
        outputs = nb.cells[index].get("outputs", [])
        ran = nb.cells[index].get("execution_count") is not None
        if not ran or any(o.get("output_type") == "error" for o in outputs):
            failed.append(grade_id)
    return failed, note, time.perf_counter() - start


def _job(args):
    return args[0], _execute(*args[1:])


def select_sample(mutants: list[Mutant], sample: int | None, seed: int = 0) -> list[Mutant]:
    """A fixed random sample (same seed, same mutants), kept in the listing order."""
    if sample is None or sample >= len(mutants):
        return list(mutants)
    chosen = set(random.Random(seed).sample(range(len(mutants)), sample))
    return [m for i, m in enumerate(mutants) if i in chosen]


def select_only(mutants: list[Mutant], only: list[str] | None) -> list[Mutant]:
    """The mutants named in ``only`` (ids as ``--list`` prints them, ``ex1-mlp:detach:0``, or
    with their lesson, ``02-nn-module/ex1-mlp:detach:0``), in the listing order. A name that
    matches no mutant is an error: a typo must not pass as "nothing survived"."""
    if only is None:
        return list(mutants)
    wanted = set(only)
    found = [m for m in mutants if m.id in wanted or f"{m.lesson}/{m.id}" in wanted]
    named = {m.id for m in found} | {f"{m.lesson}/{m.id}" for m in found}
    unknown = sorted(wanted - named)
    if unknown:
        raise CourseError(f"no such mutant: {', '.join(unknown)} (see `course mutants --list`)")
    return found


def run_mutants(lessons: list[str] | None = None, jobs: int = 2, timeout: int = 120,
                sample: int | None = None, seed: int = 0, only: list[str] | None = None,
                baseline: bool = True,
                equivalent: dict[str, str] | None = None,
                progress: Callable[[str], None] | None = None) -> list[LessonReport]:
    """Generate and grade the mutants of ``lessons`` (default: all); one report per lesson.

    ``sample``: grade only that many mutants of each lesson, chosen with ``seed``.
    ``only``: grade only these mutants (see ``select_only``), after the sample if any.
    ``baseline``: first run each lesson's unmutated solution, and report the tests it
    fails (their mutants would be "killed" for nothing: they are marked "error").
    ``equivalent``: reviewed equivalent mutants (default: equivalent.py); they
    are not run.
    """
    lessons = list(lessons) if lessons else all_lessons()
    equivalent = load_equivalent() if equivalent is None else equivalent
    say = progress or (lambda line: None)
    per_lesson, skipped, layout, cells = {}, {}, {}, {}
    for lesson in lessons:
        per_lesson[lesson], skipped[lesson] = lesson_mutants(lesson)
        cells[lesson] = nbformat.read(lesson_notebook(lesson), as_version=4).cells
        layout[lesson] = {ex.grade_id: ex for ex in exercises(nbformat.v4.new_notebook(cells=cells[lesson]))}
    chosen = select_only([m for lesson in lessons
                          for m in select_sample(per_lesson[lesson], sample, seed)], only)
    results: dict[str, MutantResult] = {}
    jobs_list = []
    if baseline:
        for lesson in lessons:
            exs = [ex for ex in layout[lesson].values() if ex.tests]
            if not exs:
                continue
            cut = max(ex.last_index for ex in exs)
            tests = {i: c.metadata["nbgrader"]["grade_id"] for i, c in enumerate(cells[lesson])
                     if i <= cut and c.metadata.get("nbgrader", {}).get("grade")}
            jobs_list.append((("baseline", lesson), str(lesson_notebook(lesson)), cut, {}, tests,
                              timeout))
    for m in chosen:
        key = f"{m.lesson}/{m.id}"
        if key in equivalent:
            results[key] = MutantResult(m, "equivalent", note=equivalent[key])
            continue
        ex = layout[m.lesson][m.grade_id]
        nb_cells = cells[m.lesson]
        tests = {i: nb_cells[i].metadata["nbgrader"]["grade_id"]
                 for i in range(ex.answer_index + 1, ex.last_index + 1)
                 if nb_cells[i].metadata.get("nbgrader", {}).get("grade")}
        jobs_list.append((("mutant", key), str(lesson_notebook(m.lesson)), ex.last_index,
                          {ex.answer_index: m.source}, tests, timeout))
    by_key = {f"{m.lesson}/{m.id}": m for m in chosen}
    baseline_failures: dict[str, list[str]] = {lesson: [] for lesson in lessons}
    lesson_seconds = dict.fromkeys(lessons, 0.0)
    done = 0
    threads = max(1, (os.cpu_count() or 1) // max(jobs, 1))
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker,
                             initargs=(threads,)) as pool:
        futures = [pool.submit(_job, job) for job in jobs_list]
        for future in as_completed(futures):
            (what, key), (failed, note, seconds) = future.result()
            done += 1
            if what == "baseline":
                baseline_failures[key] = failed
                lesson_seconds[key] += seconds
                say(f"[{done}/{len(jobs_list)}] {key}: reference solution "
                    + (f"FAILS {failed}" if failed else "passes") + f" ({seconds:.0f} s)")
                continue
            m = by_key[key]
            lesson_seconds[m.lesson] += seconds
            status = "killed" if failed else "survived"
            results[key] = MutantResult(m, status, failed, seconds, note)
            say(f"[{done}/{len(jobs_list)}] {key} {status} ({seconds:.0f} s): {m.description}")
    reports = []
    for lesson in lessons:
        rows = []
        for m in chosen:
            if m.lesson != lesson:
                continue
            r = results[f"{lesson}/{m.id}"]
            broken = set(baseline_failures[lesson]) & set(layout[lesson][m.grade_id].tests)
            if r.status == "killed" and broken:
                r = MutantResult(m, "error", r.failed_tests, r.seconds,
                                 f"the reference solution fails {sorted(broken)} too")
            rows.append(r)
        ids = {f"{lesson}/{m.id}" for m in per_lesson[lesson]}
        stale = sorted(k for k in equivalent if k.startswith(lesson + "/") and k not in ids)
        total = len(per_lesson[lesson]) if len(rows) < len(per_lesson[lesson]) else None
        reports.append(LessonReport(lesson, rows, skipped[lesson], baseline_failures[lesson],
                                    stale, lesson_seconds[lesson], total))
    return reports
