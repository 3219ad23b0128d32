"""Every call into nbgrader's internals and every write to its gradebook, in one place.

The rest of the grading code (sanitize.py, execute.py, record.py, parallel.py) speaks of
submissions and notebooks; this module knows which nbgrader class or gradebook method does
the job, so that a change in nbgrader is fixed here and nowhere else. nbgrader is imported
inside the functions: importing it costs seconds, and the CLI's quick commands never pay.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
from pathlib import Path


class WorkflowError(RuntimeError):
    """A step could not run at all (as opposed to one bad submission)."""


# --------------------------------------------------------------------- lessons


def generate_lesson(api, lesson: str) -> str:
    """nbgrader's generate_assignment for one lesson (records its cells, points and hidden
    tests in the gradebook, writes the student version); raises WorkflowError with
    nbgrader's log when it fails. Returns the log."""
    outcome = api.generate_assignment(lesson, force=True, create=True)
    if not outcome.get("success"):
        raise WorkflowError(f"nbgrader could not generate {lesson}:\n"
                            f"{outcome.get('error') or ''}\n{outcome.get('log') or ''}")
    return outcome.get("log") or ""


def source_exists(api, lesson: str) -> bool:
    folder = Path(api.coursedir.format_path(api.coursedir.source_directory, ".", lesson))
    return folder.is_dir() and any(folder.glob("*.ipynb"))


def lesson_in_gradebook(api, lesson: str) -> bool:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        try:
            return bool(gb.find_assignment(lesson).notebooks)
        except MissingEntry:
            return False


def ensure_lesson(api, lesson: str) -> bool:
    """Make sure the gradebook knows ``lesson`` before grading it: generate it from its
    source, as `course release` does but without putting it in the exchange. True if it had
    to be generated; WorkflowError if there is no source to generate it from."""
    if lesson_in_gradebook(api, lesson):
        return False
    if not source_exists(api, lesson):
        raise WorkflowError(
            f"{lesson} is not in the gradebook and has no source in "
            f"{api.coursedir.format_path(api.coursedir.source_directory, '.', lesson)}: "
            f"run `course release {lesson}` first")
    generate_lesson(api, lesson)
    return True


def lesson_notebooks(api, lesson: str) -> list[str]:
    """The notebook names of a lesson, as the gradebook records them (sorted)."""
    from nbgrader.api import Gradebook

    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        return sorted(nb.name for nb in gb.find_assignment(lesson).notebooks)


def released_notebooks(api, lesson: str) -> dict:
    """notebook name -> the released (student) version, where it can be found."""
    import nbformat

    folder = Path(api.coursedir.format_path(api.coursedir.release_directory, ".", lesson))
    out = {}
    for path in sorted(folder.glob("*.ipynb")):
        with contextlib.suppress(Exception):
            out[path.stem] = nbformat.read(path, as_version=4)
    return out


# --------------------------------------------------------------------- students


def submitted_students(api, lesson: str) -> list[str]:
    """Students with a submission folder of ``lesson`` (nbgrader's own listing)."""
    if not Path(api.coursedir.submitted_directory).exists():
        return []
    return sorted(api.get_submitted_students(lesson))


def autograded_students(api, lesson: str) -> list[str]:
    """Students whose submission of ``lesson`` is autograded and recorded.

    nbgrader's own listing compares the submitted and recorded timestamps and cannot read a
    bad timestamp.txt (it raises); such a submission is graded without a timestamp (see
    sanitize.py), so the fallback is: recorded in the gradebook and autograded folder there.
    """
    try:
        return sorted(api.get_autograded_students(lesson))
    except ValueError:
        from nbgrader.api import Gradebook

        root = Path(api.coursedir.autograded_directory)
        with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
            recorded = {s.student.id for s in gb.assignment_submissions(lesson)}
        return sorted(s for s in recorded if (root / s / lesson).is_dir())


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


# --------------------------------------------------------------------- the three stages


@contextlib.contextmanager
def coursedir_for(api, lesson: str, student: str):
    from nbgrader.utils import temp_attrs

    with temp_attrs(api.coursedir, assignment_id=lesson, student_id=student):
        yield


def _sanitize_converter(api, add_missing_cells: bool):
    """nbgrader's Autograde converter, stopped after its sanitize preprocessors: student and
    submission records with the timestamp, missing notebooks scored 0, supplementary files
    copied from the source folder, ClearOutput, DeduplicateIds (after our RepairDuplicates),
    OverwriteKernelspec, OverwriteCells, CheckCellMetadata; ``--force`` semantics."""
    from nbgrader.converters import Autograde
    from nbgrader.converters.base import BaseConverter
    from traitlets.config import Config

    from coursegrader.integrity import RepairDuplicates

    class SanitizeOnly(Autograde):
        def convert_single_notebook(self, notebook_filename):
            self._sanitizing = True
            self._init_preprocessors()
            BaseConverter.convert_single_notebook(self, notebook_filename)

        def set_permissions(self, assignment_id, student_id):
            """Not yet: the execute stage writes these notebooks; the record stage sets the
            permissions when the submission is done, as nbgrader's own run ends."""

    app = SanitizeOnly(coursedir=api.coursedir, parent=api)
    app.sanitize_preprocessors = [RepairDuplicates, *app.sanitize_preprocessors]
    app.force = True
    app.create_student = True
    if not add_missing_cells:
        app.update_config(Config({"OverwriteCells": {"add_missing_cells": False}}))
    return app


def sanitize(api, lesson: str, student: str, add_missing_cells: bool = True) -> dict:
    """nbgrader's sanitize stage of one submission: {"success", "error", "log"}."""
    from nbgrader.utils import capture_log

    with coursedir_for(api, lesson, student):
        return capture_log(_sanitize_converter(api, add_missing_cells))


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


def record_zero(api, lesson: str, student: str, timestamp=None) -> None:
    """A submission that cannot be graded still gets a row (score 0) in the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        gb.update_or_create_student(student)
        if timestamp:
            gb.update_or_create_submission(lesson, student, timestamp=timestamp)
        else:
            gb.update_or_create_submission(lesson, student)


def withhold(api, lesson: str, student: str, reasons: list[str]) -> None:
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


def add_comment(api, lesson: str, student: str, notebook: str, text: str) -> None:
    """Append ``text`` to the automatic comment of every comment cell of one notebook (how
    the grader, e.g. the sandbox's limit, tells the student why the kernel stopped)."""
    from nbgrader.api import Gradebook

    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        nb = gb.find_submission_notebook(notebook, lesson, student)
        for comment in nb.comments:
            comment.auto_comment = "\n".join(filter(None, [comment.auto_comment, text]))
        gb.db.commit()


@contextlib.contextmanager
def grading_env():
    """NBGRADER_EXECUTION=autograde, as nbgrader sets it while autograding."""
    from unittest import mock

    with mock.patch.dict(os.environ, {"NBGRADER_EXECUTION": "autograde"}):
        yield


@contextlib.contextmanager
def faster_gradebook():
    """Two costs nbgrader pays per submission that are not the lesson's work, cut for the
    single writer of a grading run (and put back afterwards):

    * every ``Gradebook(...)`` creates a new SQLAlchemy engine (nbgrader opens the gradebook
      about ten times per submission): one engine per database URL is reused instead;
    * nbgrader's metadata check calls ``jsonschema.validate`` for every cell, which checks
      the schema itself again each time: a validator is built once per schema instead
      (same validator class, same schema, same errors).
    """
    import types

    import jsonschema
    import nbgrader.api
    import nbgrader.nbgraderformat.common as common

    engines: dict = {}
    validators: dict = {}
    create_engine = nbgrader.api.create_engine

    def cached_engine(url, **kwargs):
        key = (str(url), tuple(sorted(kwargs.items())))
        if key not in engines:
            engines[key] = create_engine(url, **kwargs)
        return engines[key]

    def validate(instance, schema):
        key = id(schema)
        if key not in validators:
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            validators[key] = (schema, cls(schema))
        error = jsonschema.exceptions.best_match(validators[key][1].iter_errors(instance))
        if error is not None:
            raise error

    nbgrader.api.create_engine = cached_engine
    common.jsonschema = types.SimpleNamespace(validate=validate)
    try:
        yield
    finally:
        nbgrader.api.create_engine = create_engine
        common.jsonschema = jsonschema
        for engine in engines.values():
            engine.dispose()
