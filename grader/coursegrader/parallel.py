"""Autograde a whole class on every core, with nbgrader's own preprocessors.

nbgrader grades one submission after another, and its SQLite gradebook does not take
concurrent writers. nbgrader's autograding is two stages, and only the middle of the second
one is slow, so the work is split along them:

1. sanitize (this process, the only gradebook writer): nbgrader's Autograde converter with
   its sanitize preprocessors -- student and submission records with the timestamp, missing
   notebooks scored 0, ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells
   (test and locked cells restored from the gradebook, deleted test cells added back),
   CheckCellMetadata. ``--force`` semantics: the old autograded copy is removed first.
2. execute (worker processes, no gradebook at all): Execute, IgnorePattern,
   ClearMetadataPreprocessor, LimitOutput -- plus canary cells (see integrity.py), a cap on
   the size of outputs, and a kernel that dies is reported instead of failing the run.
3. record (this process): SaveAutoGrades, AssignLatePenalties, CheckCellMetadata on the
   executed notebook, exactly as nbgrader's second stage ends.

The workers are forked once and reused, so nbgrader is imported once in all.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import re
import shutil
import time
import traceback
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path

import nbformat

from coursegrader.grading import SubmissionResult, read_scores

# A line of output longer than this is cut (nbgrader only limits the number of lines).
MAX_OUTPUT_CHARS = 20_000

_WORKER_CONFIG = None


def _reason_from_log(log: str) -> str:
    """The most telling line of an nbgrader log: the last exception or error message."""
    lines = [line.strip() for line in (log or "").splitlines() if line.strip()]
    for line in reversed(lines):
        if re.match(r"^[\w.]*(Error|Exception|Exit)\b.*:", line) and "NbGraderException" not in line:
            return line[:300]
    for line in reversed(lines):
        if "[ERROR]" in line and "There was an error" not in line and "see the" not in line:
            return line.split("]", 1)[-1].strip()[:300]
    return lines[-1][:300] if lines else "unknown error"


WARNING_RE = re.compile(
    r"\[WARNING\] (.*(?:multiple times|Missing grade cell|'cell_type'.*has changed|"
    r"unknown notebook|"
    r"seconds late).*)")


def _warnings(log: str) -> list[str]:
    """What nbgrader's sanitize stage noticed and repaired, as notes for the instructor."""
    return list(dict.fromkeys(m.group(1).strip()[:200] for m in WARNING_RE.finditer(log)))


# --------------------------------------------------------------------- worker processes


def _cap_outputs(nb) -> bool:
    """Cut every text output to MAX_OUTPUT_CHARS; True if something was cut."""
    cut = False
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and len(out.get("text", "")) > MAX_OUTPUT_CHARS:
                out["text"] = out["text"][:MAX_OUTPUT_CHARS] + "\n... output cut by the grader ..."
                cut = True
            data = out.get("data", {})
            for mime, value in list(data.items()):
                if isinstance(value, str) and len(value) > MAX_OUTPUT_CHARS * 10:
                    data[mime] = value[:MAX_OUTPUT_CHARS] + "\n... output cut by the grader ..."
                    cut = True
    return cut


def _execute(nb, path: str, student: str, lesson: str, config, done: set[int]) -> str | None:
    """Run nbgrader's Execute over ``nb`` in place, recording the index of every cell that
    ran in ``done``; None when the run finished, else "ErrorName: first line"."""
    from nbgrader.preprocessors import Execute

    class TrackingExecute(Execute):
        def on_cell_executed(self, **kwargs):
            super().on_cell_executed(**kwargs)
            done.add(kwargs["cell_index"])

    resources = {
        "metadata": {"path": os.path.dirname(path)},
        "nbgrader": {"student": student, "assignment": lesson, "notebook": Path(path).stem},
    }
    old = os.environ.get("NBGRADER_EXECUTION")
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    try:
        TrackingExecute(config=config)(nb, resources)
        return None
    except Exception as err:  # kernel died, could not start, ...
        first = (str(err).strip().splitlines() or [""])[0][:200]
        return f"{type(err).__name__}: {first}"
    finally:
        if old is None:
            os.environ.pop("NBGRADER_EXECUTION", None)
        else:
            os.environ["NBGRADER_EXECUTION"] = old


def execute_notebook(path: str, student: str, lesson: str, config=None) -> dict:
    """Execute a sanitized notebook in place, as nbgrader's autograde stage would.

    Returns {"ok", "error", "tampered": [grade_ids], "notes": [...], "seconds"}.
    Never raises: a broken submission must not stop the others.
    """
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import IgnorePattern, LimitOutput

    from coursegrader.integrity import add_canaries, check_canaries

    config = config if config is not None else _WORKER_CONFIG
    start = time.perf_counter()
    result = {"ok": True, "error": "", "tampered": [], "notes": [], "limits": []}
    try:
        for attempt in (1, 2):
            nb = nbformat.read(path, as_version=4)
            token = add_canaries(nb)
            done: set[int] = set()
            error = _execute(nb, path, student, lesson, config, done)
            if error is None or done or attempt == 2:
                break
            # The kernel stopped before running a single cell: a start-up failure of the
            # machine (e.g. two kernels starting at the same moment), not of the submission.
            # Such a submission gets one more run.
            result["notes"].append(f"the kernel failed to start ({error}); ran it again")
        # the cell the kernel was running when it stopped (a limit names it)
        unfinished = None
        if error is not None:
            unfinished = next((c for i, c in enumerate(nb.cells)
                               if c.cell_type == "code" and i not in done), None)
        if error is not None:
            result["notes"].append(f"the kernel stopped ({error})")
            for index, cell in enumerate(nb.cells):
                if cell.cell_type == "code" and index not in done:
                    if "coursegrader_canary" in cell.metadata:
                        cell.outputs = [nbformat.v4.new_output(
                            "error", ename="NotRun", evalue=token, traceback=[])]
                        continue
                    cell.outputs = [nbformat.v4.new_output(
                        "error", ename="KernelDied",
                        evalue="this cell did not run: the kernel stopped at or before it "
                        "(a crash, os._exit or exit())",
                        traceback=["KernelDied: this cell did not run: the kernel stopped"])]
        resources = {
            "metadata": {"path": os.path.dirname(path)},
            "nbgrader": {"student": student, "assignment": lesson, "notebook": Path(path).stem},
        }
        result["tampered"] = check_canaries(nb, token)
        from coursegrader.sandbox import limit_notes, take_report

        result["limits"] = limit_notes(nb, take_report(os.path.dirname(path)),
                                       next((i for i, c in enumerate(nb.cells)
                                             if c is unfinished), None))
        result["notes"] = result["limits"] + result["notes"]
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error" and out.get("ename") == "CellTimeoutError":
                    result["notes"].append("a cell ran past the time limit and was interrupted")
        for pp in (IgnorePattern, ClearMetadataPreprocessor, LimitOutput):
            nb, resources = pp(config=config)(nb, resources)
        if _cap_outputs(nb):
            result["notes"].append(f"outputs longer than {MAX_OUTPUT_CHARS} characters were cut")
        nbformat.write(nb, path)
    except Exception as err:
        result.update(ok=False, error=f"{type(err).__name__}: {err}",
                      notes=[*result["notes"], traceback.format_exc(limit=3)])
    result["notes"] = list(dict.fromkeys(result["notes"]))
    result["seconds"] = time.perf_counter() - start
    return result


# --------------------------------------------------------------------- the single writer


def _stage_converter(api, lesson: str, student: str, add_missing_cells: bool = True):
    from nbgrader.converters import Autograde
    from nbgrader.converters.base import BaseConverter
    from nbgrader.preprocessors import OverwriteCells

    from coursegrader.integrity import RepairDuplicates

    class SanitizeOnly(Autograde):
        def convert_single_notebook(self, notebook_filename):
            self._sanitizing = True
            self._init_preprocessors()
            BaseConverter.convert_single_notebook(self, notebook_filename)

    app = SanitizeOnly(coursedir=api.coursedir, parent=api)
    app.sanitize_preprocessors = [RepairDuplicates, *app.sanitize_preprocessors]
    app.force = True
    app.create_student = True
    if not add_missing_cells:
        app.update_config(_config({"OverwriteCells": {"add_missing_cells": False}}))
    assert OverwriteCells  # configured through app.config
    return app


def _config(data):
    from traitlets.config import Config

    return Config(data)


def _worker_init() -> None:
    """Kernels inherit the worker's stderr: keep their start-up chatter off the terminal."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)


def _record(api, lesson: str, student: str, notebook: Path) -> None:
    """nbgrader's end of the autograde stage: save the grades of an executed notebook."""
    from nbconvert.exporters import NotebookExporter
    from nbconvert.writers import FilesWriter
    from nbgrader.converters import Autograde
    from nbgrader.converters.base import BaseConverter
    from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, SaveAutoGrades

    with _coursedir(api, lesson, student):
        app = Autograde(coursedir=api.coursedir, parent=api)
        app.writer = FilesWriter(parent=app, config=app.config)
        app.exporter = NotebookExporter(parent=app, config=app.config)
        app._sanitizing = False
        for pp in (SaveAutoGrades, AssignLatePenalties, CheckCellMetadata):
            app.exporter.register_preprocessor(pp)
        BaseConverter.convert_single_notebook(app, str(notebook))
        app.set_permissions(lesson, student)


@contextlib.contextmanager
def _coursedir(api, lesson, student):
    from nbgrader.utils import temp_attrs

    with temp_attrs(api.coursedir, assignment_id=lesson, student_id=student):
        yield


def _preflight(folder: Path, lesson: str) -> tuple[Path | None, str, list[str]]:
    """(notebook to grade or None, reason it cannot be graded, notes) for one submission."""
    expected = folder / f"{lesson}.ipynb"
    notes = []
    if not expected.exists():
        others = sorted(folder.glob("*.ipynb"))
        if len(others) != 1:
            return None, (
                f"no notebook named {lesson}.ipynb in the submission"
                + (f" (found {', '.join(p.name for p in others)})" if others else "")
            ), notes
        shutil.copyfile(others[0], expected)
        notes.append(f"the notebook was named {others[0].name!r}; graded as {expected.name}")
    raw = expected.read_bytes()
    if not raw.strip():
        return None, "the notebook file is empty", notes
    try:
        nbformat.reads(raw.decode("utf-8", errors="replace"), as_version=4)
    except Exception as err:
        kind = "not valid JSON" if isinstance(err, json.JSONDecodeError) or "JSON" in str(
            type(err)) else "not a notebook"
        return None, f"the notebook file is {kind} ({type(err).__name__}: {str(err)[:120]})", notes
    return expected, "", notes


def _record_zero(api, lesson: str, student: str) -> None:
    """A submission that cannot be graded still gets a row (score 0) in the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        gb.update_or_create_student(student)
        timestamp = api.coursedir.get_existing_timestamp(
            api.coursedir.format_path(api.coursedir.submitted_directory, student, lesson))
        if timestamp:
            gb.update_or_create_submission(lesson, student, timestamp=timestamp)
        else:
            gb.update_or_create_submission(lesson, student)


def _flag(api, lesson: str, student: str, reasons: list[str]) -> None:
    """No automatic points for a submission that tampered with its tests; manual review."""
    from nbgrader.api import Gradebook

    text = "Automatic grade withheld, needs review: " + "; ".join(reasons)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        submission = gb.find_submission(lesson, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.auto_score is not None or grade.max_score:
                    grade.auto_score = 0
                    grade.needs_manual_grade = True
            for comment in notebook.comments:
                comment.auto_comment = text
        gb.db.commit()


def _comment(api, lesson: str, student: str, text: str) -> None:
    """Tell the student, in the feedback, why grading stopped their code (a limit)."""
    from nbgrader.api import Gradebook

    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        submission = gb.find_submission(lesson, student)
        for notebook in submission.notebooks:
            for comment in notebook.comments[:1]:
                comment.auto_comment = text
        gb.db.commit()


def autograde_parallel(lesson: str, students: list[str], api=None, jobs: int | None = None,
                       progress: bool = True, sandbox: bool = True,
                       limits: dict | None = None) -> dict[str, SubmissionResult]:
    """Autograde ``students``' submissions of ``lesson`` on ``jobs`` worker processes.

    Same gradebook results as nbgrader's serial ``autograde --force`` for honest
    submissions; one submission failing never stops the others.
    """
    from coursegrader.api import make_api
    from coursegrader.paths import NOTEBOOKS_DIR, lesson_notebook

    global _WORKER_CONFIG
    api = api or make_api()
    # one more worker than cores: a kernel starting up or shutting down leaves its core idle
    jobs = max(1, jobs or (os.cpu_count() or 1) + 1)
    released_path = Path(api.coursedir.format_path(
        api.coursedir.release_directory, ".", lesson)) / f"{lesson}.ipynb"
    if not released_path.exists():
        released_path = lesson_notebook(lesson, NOTEBOOKS_DIR)
    released = nbformat.read(released_path, as_version=4) if released_path.exists() else None
    results: dict[str, SubmissionResult] = {}
    submitted = Path(api.coursedir.submitted_directory)
    autograded = Path(api.coursedir.autograded_directory)
    bar = _progress(len(students), f"autograde {lesson}", progress)

    _WORKER_CONFIG = api.config
    execute_config = api.config
    if sandbox:
        from coursegrader import sandbox as _sandbox

        _sandbox.check_available()
        execute_config = _sandbox.execute_config(api.config, **(limits or {}))
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    pool = ProcessPoolExecutor(max_workers=min(jobs, max(1, len(students))), mp_context=context,
                               initializer=_worker_init)
    futures: dict = {}

    def record_finished(block: bool) -> None:
        """Record every execution that has finished (all of them when ``block``)."""
        if not futures:
            return
        done, _ = wait(list(futures), timeout=None if block else 0,
                       return_when=ALL_COMPLETED if block else FIRST_COMPLETED)
        for future in done:
            _record_one(api, lesson, results[futures.pop(future)], future, autograded)
            bar.update(1)

    try:
        for student in students:
            # sanitize the next submission while the workers execute the previous ones
            result = results[student] = SubmissionResult(lesson, student, False)
            target = _sanitize(api, lesson, student, result, submitted, autograded, released)
            if target is None:
                bar.update(1)
            else:
                futures[pool.submit(execute_notebook, str(target), student, lesson,
                                    execute_config)] = student
            record_finished(block=False)
        record_finished(block=True)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    bar.close()
    read_scores(api, lesson, results)
    return results


def _sanitize(api, lesson, student, result, submitted, autograded, released) -> Path | None:
    """Stage 1 for one submission; the notebook to execute, or None (reason in result)."""
    from nbgrader.utils import capture_log

    from coursegrader.integrity import notice_submission, scan_submission

    notebook, reason, notes = _preflight(submitted / student / lesson, lesson)
    result.notes = notes
    if notebook is None:
        result.error = reason
        _record_zero(api, lesson, student)
        return None
    with _coursedir(api, lesson, student):
        outcome = capture_log(_stage_converter(api, lesson, student))
        if not outcome.get("success"):
            # nbgrader cannot put back deleted test cells when the cells around them are
            # gone too (nbgrader metadata stripped): grade without them (they score 0).
            outcome = capture_log(_stage_converter(api, lesson, student, False))
            result.notes.append("test cells are missing and could not be put back")
    result.notes += _warnings(outcome.get("log") or "")
    target = autograded / student / lesson / f"{lesson}.ipynb"
    if not outcome.get("success") or not target.exists():
        result.error = "nbgrader could not read the submission: " + _reason_from_log(
            (outcome.get("error") or "") + "\n" + (outcome.get("log") or ""))
        _record_zero(api, lesson, student)
        return None
    sanitized = nbformat.read(target, as_version=4)
    result.review = scan_submission(sanitized, released)
    result.notes += notice_submission(sanitized, released)
    return target


def _record_one(api, lesson, result, future, autograded) -> None:
    """Stage 3 for one executed submission (this process is the only gradebook writer)."""
    student = result.student
    try:
        run = future.result()
    except Exception as err:  # the worker process itself died
        run = {"ok": False, "error": f"grading worker failed: {err}", "tampered": [],
               "notes": []}
    result.notes += [n for n in run["notes"] if "Traceback" not in n]
    if not run["ok"]:
        result.error = run["error"]
        return
    target = autograded / student / lesson / f"{lesson}.ipynb"
    try:
        _record(api, lesson, student, target)
        result.success = True
    except Exception as err:
        result.error = f"nbgrader could not record the grades: {type(err).__name__}: {err}"
    if result.success and run.get("limits"):
        _comment(api, lesson, student, "Stopped by the grader: " + "; ".join(run["limits"]))
    if run["tampered"]:
        result.review.append(
            "the tests' failures were hidden from the grader (canary check failed "
            f"after {', '.join(run['tampered'][:3])})")
    if result.success and result.review:
        _flag(api, lesson, student, result.review)


def _progress(total: int, desc: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="submission", disable=not enabled, leave=False)
