"""nbgrader's autograde converter, split along its two stages: the sanitize stage (run by
the single gradebook writer before a submission executes) and the record stage
(SaveAutoGrades and friends, after it executed); and what nbgrader sets while grading.

nbgrader's ``autograde`` does both in one converter run per submission; the engine runs the
slow middle (execution) in worker processes, so the converter is taken apart here, and only
here.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import logging
import os
from pathlib import Path


def read_timestamp(folder: Path) -> tuple[_dt.datetime | None, str]:
    """(timestamp, problem) of a submission folder's timestamp.txt.

    No file: (None, ""). Empty file: (None, note) -- graded without a time, as nbgrader
    does (its test_grade_empty_timestamp). Unreadable or not a time: raises ValueError with
    the reason; nbgrader stops the whole run there (test_grade_empty_timestamp expects exit
    code 1, and 0.9.6 gets there through an AttributeError: 'CourseDirectory' object has no
    attribute 'fail'); we stop only that submission.
    """
    from nbgrader.utils import parse_utc

    path = Path(folder) / "timestamp.txt"
    if not path.exists():
        return None, ""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"timestamp.txt cannot be read ({type(err).__name__}: {err})") from err
    if not text:
        return None, "timestamp.txt is empty: graded without a submission time (no late penalty)"
    try:
        return parse_utc(text), ""
    except Exception as err:
        raise ValueError(f"timestamp.txt does not hold a time ({text[:60]!r}): fix or delete "
                         "it, then autograde this student again") from err


# --------------------------------------------------------------------- the two stages


@contextlib.contextmanager
def coursedir_for(api, lesson: str, student: str):
    from nbgrader.utils import temp_attrs

    with temp_attrs(api.coursedir, assignment_id=lesson, student_id=student):
        yield


def _sanitize_converter(api, add_missing_cells: bool, first=()):
    """nbgrader's Autograde converter, stopped after its sanitize preprocessors: student and
    submission records with the timestamp, missing notebooks scored 0, supplementary files
    copied from the source folder, ClearOutput, DeduplicateIds, OverwriteKernelspec,
    OverwriteCells, CheckCellMetadata; ``--force`` semantics. ``first``: preprocessors that
    run before nbgrader's own (the engine's RepairDuplicates)."""
    from nbgrader.converters import Autograde
    from nbgrader.converters.base import BaseConverter
    from traitlets.config import Config

    class SanitizeOnly(Autograde):
        def convert_single_notebook(self, notebook_filename):
            self._sanitizing = True
            self._init_preprocessors()
            BaseConverter.convert_single_notebook(self, notebook_filename)

        def set_permissions(self, assignment_id, student_id):
            """Not yet: the execute stage writes these notebooks; the record stage sets the
            permissions when the submission is done, as nbgrader's own run ends."""

    app = SanitizeOnly(coursedir=api.coursedir, parent=api)
    app.sanitize_preprocessors = [*first, *app.sanitize_preprocessors]
    app.force = True
    app.create_student = True
    if not add_missing_cells:
        app.update_config(Config({"OverwriteCells": {"add_missing_cells": False}}))
    return app


class _Warnings(logging.Handler):
    """The first line of every warning nbgrader logs, as it was logged (the message, not
    the formatted log text)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno == logging.WARNING:
            self.messages.append((record.getMessage().strip().splitlines() or [""])[0])


def sanitize(api, lesson: str, student: str, add_missing_cells: bool = True,
             first=()) -> dict:
    """nbgrader's sanitize stage of one submission: {"success", "error", "log"} as nbgrader's
    own ``capture_log`` gives them, and "warnings": the first line of each warning."""
    from nbgrader.utils import capture_log

    app = _sanitize_converter(api, add_missing_cells, first)
    warnings = _Warnings()
    app.log.addHandler(warnings)
    try:
        with coursedir_for(api, lesson, student):
            outcome = capture_log(app)
    finally:
        app.log.removeHandler(warnings)
    outcome["warnings"] = warnings.messages
    return outcome


class Recorder:
    """nbgrader's end of the autograde stage (SaveAutoGrades, AssignLatePenalties,
    CheckCellMetadata on the executed notebook), with the converter and its exporter built
    once for the whole run instead of once per submission."""

    def __init__(self, api):
        from nbconvert.exporters import NotebookExporter
        from nbconvert.writers import FilesWriter
        from nbgrader.converters import Autograde
        from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, SaveAutoGrades

        self.api = api
        app = Autograde(coursedir=api.coursedir, parent=api)
        app.writer = FilesWriter(parent=app, config=app.config)
        app.exporter = NotebookExporter(parent=app, config=app.config)
        app._sanitizing = False
        for pp in (SaveAutoGrades, AssignLatePenalties, CheckCellMetadata):
            app.exporter.register_preprocessor(pp)
        self.app = app

    def __call__(self, lesson: str, student: str, notebooks: list[Path]) -> None:
        from nbgrader.converters.base import BaseConverter

        with coursedir_for(self.api, lesson, student):
            for notebook in notebooks:
                BaseConverter.convert_single_notebook(self.app, str(notebook))
            self.app.set_permissions(lesson, student)


@contextlib.contextmanager
def grading_env():
    """NBGRADER_EXECUTION=autograde, as nbgrader sets it while autograding."""
    from unittest import mock

    with mock.patch.dict(os.environ, {"NBGRADER_EXECUTION": "autograde"}):
        yield
