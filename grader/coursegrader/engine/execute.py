"""The execute stage: run one sanitized notebook in its kernel, as nbgrader's autograde does.

A list of preprocessors, one concern each (one file each in preprocessors/), passing their
state through ``resources["coursegrader"]`` (nbgrader's own model, see its preprocessors/):

    AddCanaries       a cell that must fail after every test cell (integrity/canaries.py)
    TrackedExecute    nbgrader's Execute, recording which cells ran; a kernel that dies is
                      reported, not raised; one more run when it never started
    CheckRecord       every test cell and canary against what the kernel really ran, and
                      what student code did to the kernel (the audit hook's record)
    MarkUnrunCells    cells after the kernel stopped get an error output (they score 0)
    CheckCanaries     which tests' failures were hidden from the grader
    NoteLimits        which limit of the sandbox stopped the code, and in which cell
    NoteTimeouts      the instructor is told which runs hit the per-cell time limit
    IgnorePattern, ClearMetadataPreprocessor (nbgrader's own output preprocessors)
    CharLimitOutput   nbgrader's LimitOutput, plus a cap on the characters of an output

Runs in the worker processes, which never touch the gradebook. The kernel is started by
nbgrader's Execute (nbclient): ``Execute.kernel_manager_class`` and the kernel manager's
own traits in the config passed here choose and configure it (the sandbox plugs in there).
"""

from __future__ import annotations

import copy
import os
import time
import traceback
from pathlib import Path

import nbformat

from coursegrader.engine.model import NotebookRun, SubmissionRun
from coursegrader.engine.preprocessors.execute_stage import PREPROCESSORS
from coursegrader.engine.preprocessors.state import state


def execute_config(config, sandbox: bool = True, limits: dict | None = None):
    """The config the execute stage runs with: the course's, with the sandbox's kernel
    manager when the sandbox is on (``limits``: its traits, e.g.
    ``{"memory_limit": 2 * 1024**3}``)."""
    from traitlets.config import Config

    # a deep copy: Config(config) would share its sections with the course's config
    config = copy.deepcopy(config) if config is not None else Config()
    if "shutdown_kernel" not in config.get("Execute", {}):
        # the notebook is done: no need to wait for a graceful kernel exit
        config.Execute.shutdown_kernel = "immediate"
    if sandbox:
        from coursegrader.sandbox.manager import sandbox_config

        config = sandbox_config(config, **(limits or {}))
    return config


def execute_notebook(path: str, student: str, lesson: str, config=None) -> NotebookRun:
    """Execute a sanitized notebook in place, as nbgrader's autograde stage would.

    Never raises: a broken submission must not stop the others.
    """
    start = time.perf_counter()
    resources = {
        "metadata": {"path": os.path.dirname(path)},
        "nbgrader": {"student": student, "assignment": lesson, "notebook": Path(path).stem},
    }
    st = state(resources)
    run = NotebookRun()
    try:
        nb = nbformat.read(path, as_version=4)
        for pp in PREPROCESSORS:
            nb, resources = pp(config=config)(nb, resources)
        nbformat.write(nb, path)
    except Exception as err:
        run.ok, run.error = False, f"{type(err).__name__}: {err}"
        st["notes"].append(traceback.format_exc(limit=3))
    if run.ok and st["error"] is not None and not st["done"]:
        # Not one cell ran, twice: the machine could not start a kernel (a broken
        # environment, a sandbox that cannot run here), which is no fault of the student.
        # Failed, with the reason, rather than graded 0.
        log = [line for line in st.get("kernel_log", "").splitlines() if line.strip()]
        run.ok = False
        run.error = (f"the kernel could not start ({st['error']})"
                     + (f"; its last words: {' | '.join(log[-3:])[:400]}" if log else ""))
    total = time.perf_counter() - start
    timings = dict(st["timings"])
    timings["execution"] = total - timings.get("kernel_start", 0.0)
    run.tampered = list(st["tampered"])
    run.review = list(st.get("record_review", []))
    run.notes = list(dict.fromkeys(st["notes"]))
    run.limit, run.timings, run.seconds = st.get("limit"), timings, total
    return run


def execute_submission(notebooks: list[str], student: str, lesson: str,
                       config=None) -> SubmissionRun:
    """Execute every notebook of one submission, one after another (nbgrader's order)."""
    runs = {Path(p).stem: execute_notebook(p, student, lesson, config) for p in notebooks}
    timings: dict[str, float] = {}
    for run in runs.values():
        for key, value in run.timings.items():
            timings[key] = timings.get(key, 0.0) + value
    return SubmissionRun(runs, timings)
