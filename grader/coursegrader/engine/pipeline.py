"""Autograde a whole class on every core, with nbgrader's own preprocessors.

nbgrader grades one submission after another, and its SQLite gradebook does not take
concurrent writers (nbgrader #174). Its autograding is two stages, and only the middle of
the second one is slow, so the work is split along them:

1. sanitize (sanitize.py; this process, the only gradebook writer): nbgrader's Autograde
   converter with its sanitize preprocessors, for every notebook of the submission.
2. execute (execute.py; worker processes, no gradebook at all): nbgrader's Execute and
   output preprocessors, plus canary cells, a cap on output size, and a kernel that dies
   is reported instead of failing the run.
3. record (record.py; this process): SaveAutoGrades, AssignLatePenalties,
   CheckCellMetadata on the executed notebooks, exactly as nbgrader's second stage ends.

The writer sanitizes the next submissions while the workers execute earlier ones, and
records each as soon as it comes back. Workers are forked once and reused, so nbgrader is
imported once in all. Every call into nbgrader is in coursegrader/nbg/.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from coursegrader.engine.execute import execute_config, execute_submission
from coursegrader.engine.model import (
    CellScore,
    Sanitized,
    SubmissionResult,
    SubmissionRun,
    Timings,
)
from coursegrader.engine.record import record_submission
from coursegrader.engine.sanitize import sanitize_submission
from coursegrader.nbg import gradebook, lessons, stages


def kernel_threads(jobs: int) -> int:
    """CPU threads for each kernel's PyTorch when ``jobs`` kernels run side by side: the
    cores shared out, at least one. With more threads than cores, OpenMP's threads spin
    while they wait for each other: lesson 05's benchmark (4 students, 2 workers, 2 cores)
    took 46.7 s with PyTorch's default (a thread per core in every kernel) and 17.2 s with
    one thread each (`course bench 05-state-dict --students 4 --jobs 2`)."""
    return max(1, (os.cpu_count() or 1) // max(1, jobs))


def _worker_init(threads: int) -> None:
    """Kernels inherit the worker's stderr: keep their start-up chatter off the terminal.
    And its environment: OMP_NUM_THREADS (one of the variables the sandbox passes on) sets
    PyTorch's threads in each kernel, unless the instructor set it already."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))


def _start_fork_server(config, threads: int) -> None:
    """The kernels' fork server (sandbox/forks.py), started here before the workers fork:
    they share it, instead of each one importing torch once more for a server of its own.
    It gets the environment the workers' kernels will have (see _worker_init)."""
    if not config.SandboxedKernelManager.get("fork_kernels", True):
        return
    from coursegrader.sandbox import bwrap, forks

    environ = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS",
                                                               str(threads))}
    forks.server_for(sys.executable, bwrap.kernel_env(environ=environ),
                     bwrap.FORKSERVER_INSIDE)


def _run(notebooks, student, lesson, config) -> SubmissionRun:
    run = execute_submission([str(p) for p in notebooks], student, lesson, config)
    run.finished_at = time.time()
    return run


def autograde_parallel(lesson: str, students: list[str], api=None, jobs: int | None = None,
                       progress: bool = True, sandbox: bool = True,
                       timings: Timings | None = None,
                       limits: dict | None = None) -> dict[str, SubmissionResult]:
    """Autograde ``students``' submissions of ``lesson`` on ``jobs`` worker processes.

    Same gradebook results as nbgrader's serial ``autograde --force`` for honest
    submissions; one submission failing never stops the others. ``sandbox=False`` runs
    student code without the kernel sandbox (see execute.execute_config). The lesson is
    recorded in the gradebook first if it is not (nbg.lessons.ensure_lesson).
    """
    return autograde_lessons({lesson: students}, api, jobs, progress, sandbox, timings,
                             limits)[lesson]


def autograde_lessons(classes: dict[str, list[str]], api=None, jobs: int | None = None,
                      progress: bool = True, sandbox: bool = True,
                      timings: Timings | None = None,
                      limits: dict | None = None) -> dict[str, dict[str, SubmissionResult]]:
    """:func:`autograde_parallel` for several lessons ({lesson: students}) in one pool: the
    workers go on with the next lesson while the last submissions of one finish."""
    from coursegrader.nbg.api import make_api

    if sandbox:
        require_sandbox()
    api = api or make_api()
    timings = timings if timings is not None else Timings()
    lesson_files = {}
    for lesson in classes:
        lessons.ensure_lesson(api, lesson)
        lesson_files[lesson] = (gradebook.lesson_notebooks(api, lesson),
                                lessons.released_notebooks(api, lesson))
    recorder = stages.Recorder(api)
    config = execute_config(api.config, sandbox=sandbox, limits=limits)
    total = sum(len(students) for students in classes.values())
    # one more worker than cores: a kernel starting up or shutting down leaves its core idle
    jobs = max(1, jobs or (os.cpu_count() or 1) + 1)
    results: dict[str, dict[str, SubmissionResult]] = {lesson: {} for lesson in classes}
    bar = _progress(total, "autograde " + ", ".join(classes), progress)

    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    workers = min(jobs, max(1, total))
    if sandbox and context.get_start_method() == "fork":
        _start_fork_server(config, kernel_threads(workers))
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=_worker_init, initargs=(kernel_threads(workers),))
    futures: dict = {}

    def record(future) -> None:
        lesson, student, notebooks = futures.pop(future)
        key = student if len(classes) == 1 else f"{lesson}/{student}"
        try:
            run = future.result()
        except Exception as err:  # the worker process itself died
            run = SubmissionRun.failed(f"grading worker failed: {err}", notebooks)
        start = time.perf_counter()
        if run.finished_at is not None:
            timings.add(key, "waiting", max(0.0, time.time() - run.finished_at))
        for stage in ("kernel_start", "execution", "kernel_cpu"):
            timings.add(key, stage, run.timings.get(stage, 0.0))
        try:
            record_submission(api, recorder, lesson, results[lesson][student], notebooks, run)
        except Exception as err:  # one submission never stops the others
            results[lesson][student].error = f"could not record: {type(err).__name__}: {err}"
        timings.add(key, "record", time.perf_counter() - start)
        bar.update(1)

    def record_finished(block: bool) -> None:
        """Record what has finished; with ``block``, wait for at least one."""
        if not futures:
            return
        done, _ = wait(list(futures), timeout=None if block else 0,
                       return_when=FIRST_COMPLETED)
        for future in done:
            record(future)

    try:
        with gradebook.faster_gradebook():
            for lesson, students in classes.items():
                expected, released = lesson_files[lesson]
                for student in students:
                    # sanitize the next submission while the workers execute earlier ones
                    start = time.perf_counter()
                    result = results[lesson][student] = SubmissionResult(lesson, student, False)
                    try:
                        clean = sanitize_submission(api, lesson, student, expected, released)
                    except Exception as err:  # one submission never stops the others
                        clean = Sanitized(error=f"could not sanitize: {type(err).__name__}: "
                                                f"{err}")
                    result.error, result.notes, result.review = (
                        clean.error, clean.notes, clean.review)
                    key = student if len(classes) == 1 else f"{lesson}/{student}"
                    timings.add(key, "sanitize", time.perf_counter() - start)
                    if not clean.notebooks:
                        bar.update(1)
                    else:
                        future = pool.submit(_run, clean.notebooks, student, lesson, config)
                        futures[future] = (lesson, student, clean.notebooks)
                    record_finished(block=False)
            while futures:
                record_finished(block=True)
            for lesson in classes:
                read_scores(api, lesson, results[lesson])
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    bar.close()
    return results


def read_scores(api, lesson: str, results: dict[str, SubmissionResult]) -> None:
    """Fill in score, max_score and per-cell grades from the gradebook."""
    for student, (score, max_score, cells) in gradebook.submission_grades(
            api, lesson, results).items():
        result = results[student]
        result.score, result.max_score = score, max_score
        for grade_id, cell_score, cell_max in cells:
            result.cells[grade_id] = CellScore(grade_id, cell_score, cell_max)


_sandbox_checked = False


def require_sandbox() -> None:
    """Raise sandbox.bwrap.SandboxUnavailable (a CourseError that says how to enable it)
    unless this machine can start the kernel sandbox. Every grading path passes here before
    a lesson is touched; the check starts one process, once per process."""
    global _sandbox_checked
    if not _sandbox_checked:
        from coursegrader.sandbox.bwrap import check_available

        check_available()
        _sandbox_checked = True


def _progress(total: int, desc: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="submission", disable=not enabled, leave=False)
