"""nbgrader's gradebook: the one place that opens it, every read and every write.

nbgrader opens its gradebook with ``Gradebook(db_url, course_id)``; :func:`open_gradebook`
does it for an API object, and the functions below are what the tooling needs of it.
"""

from __future__ import annotations

import contextlib
from pathlib import Path


def open_gradebook(api):
    """nbgrader's Gradebook of the course ``api`` is configured for (a context manager)."""
    from nbgrader.api import Gradebook

    return Gradebook(api.coursedir.db_url, api.coursedir.course_id)


# --------------------------------------------------------------------- reading


def lesson_in_gradebook(api, lesson: str) -> bool:
    from nbgrader.api import MissingEntry

    with open_gradebook(api) as gb:
        try:
            return bool(gb.find_assignment(lesson).notebooks)
        except MissingEntry:
            return False


def lesson_notebooks(api, lesson: str) -> list[str]:
    """The notebook names of a lesson, as the gradebook records them (sorted)."""
    with open_gradebook(api) as gb:
        return sorted(nb.name for nb in gb.find_assignment(lesson).notebooks)


def recorded_students(api, lesson: str) -> set[str]:
    """Students with a submission of ``lesson`` recorded in the gradebook."""
    with open_gradebook(api) as gb:
        return {s.student.id for s in gb.assignment_submissions(lesson)}


def submission_grades(api, lesson: str, students) -> dict:
    """student -> (score, max_score, [(grade id, score, max_score) of every graded cell]),
    for each of ``students`` recorded in the gradebook (others are left out: autograding
    failed before anything was saved)."""
    out = {}
    with open_gradebook(api) as gb:
        for student in students:
            try:
                submission = gb.find_submission(lesson, student)
            except Exception:
                continue
            cells = [(grade.name, float(grade.score), float(grade.max_score))
                     for notebook in submission.notebooks for grade in notebook.grades
                     if grade.max_score]
            out[student] = (float(submission.score), float(submission.max_score), cells)
    return out


def cell_scores(api, lesson: str) -> dict[tuple[str, str], float]:
    """(student, grade id) -> score of every graded cell of ``lesson``."""
    out = {}
    with open_gradebook(api) as gb:
        for sub in gb.assignment_submissions(lesson):
            for nb in sub.notebooks:
                for grade in nb.grades:
                    out[(sub.student.id, grade.name)] = float(grade.score)
    return out



def lesson_names(api) -> list[str]:
    """Every lesson (assignment) the gradebook has."""
    with open_gradebook(api) as gb:
        return [a.name for a in gb.assignments]


def lesson_deadline(api, lesson: str, student: str | None = None):
    """(due date, extension) of ``lesson`` as the gradebook holds them: naive UTC and a
    timedelta, either None; the extension is ``student``'s (None without a student or a
    submission row)."""
    from nbgrader.api import MissingEntry

    with open_gradebook(api) as gb:
        due = gb.find_assignment(lesson).duedate
        if student is None:
            return due, None
        try:
            return due, gb.find_submission(lesson, student).extension
        except MissingEntry:
            return due, None


def grade_rows(api, lessons: list[str] | None = None) -> list[dict]:
    """One row per (lesson, student) of the gradebook, the numbers of nbgrader's own CSV
    export (CsvExportPlugin): a student without a submission scores 0, and ``score`` is
    ``raw_score`` less the late penalty, never below 0. ``lessons``: only these (default:
    every lesson with at least one submission). Names and email as nbgrader knows them."""
    rows = []
    with open_gradebook(api) as gb:
        assignments = [a for a in gb.assignments
                       if (a.name in lessons if lessons is not None else a.submissions)]
        for assignment in assignments:
            subs = {s.student.id: s for s in assignment.submissions}
            for student in gb.students:
                sub = subs.get(student.id)
                raw = float(sub.score) if sub else 0.0
                penalty = float(sub.late_submission_penalty or 0) if sub else 0.0
                rows.append({
                    "lesson": assignment.name, "student_id": student.id,
                    "first_name": student.first_name or "", "last_name": student.last_name or "",
                    "email": student.email or "", "submitted": sub is not None,
                    "timestamp": sub.timestamp if sub else None,
                    "duedate": sub.duedate if sub else assignment.duedate,
                    "raw_score": raw, "late_penalty": penalty,
                    "score": max(0.0, raw - penalty),
                    "max_score": float(assignment.max_score or 0),
                })
    return rows


def class_records(api, lesson: str, db_url: str | None = None) -> dict | None:
    """Everything the class report (classreport/) reads of one lesson, as plain data: the
    lesson's due date, its graded cells, and per submission its time, extension, lateness,
    late penalty, every graded cell's scores and every automatic comment. ``db_url``: read
    another gradebook (another term) instead of the course's. None when the gradebook has
    no such lesson.

    Every number is nbgrader's own: ``score`` and ``max_score`` are its SQL column
    properties (manual score over automatic score, plus extra credit), ``duedate`` and
    ``total_seconds_late`` its properties of a submitted assignment (the extension
    included). Four queries in all, with nbgrader's deferred scores selected in them:
    walking the objects instead costs a query per grade (20 s for 400 students)."""
    from nbgrader.api import (
        Assignment,
        BaseCell,
        Comment,
        Grade,
        Gradebook,
        MissingEntry,
        Notebook,
        SubmittedAssignment,
        SubmittedNotebook,
    )

    gradebook = (Gradebook(db_url, api.coursedir.course_id) if db_url
                 else open_gradebook(api))
    with gradebook as gb:
        try:
            assignment = gb.find_assignment(lesson)
        except MissingEntry:
            return None
        cells = sorted((nb.name, cell.name, float(cell.max_score))
                       for nb in assignment.notebooks for cell in nb.grade_cells
                       if cell.max_score)

        def of_lesson(query, *joins):
            for table, on in joins:
                query = query.join(table, on)
            return (query.join(SubmittedAssignment,
                               SubmittedNotebook.assignment_id == SubmittedAssignment.id)
                    .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
                    .join(Notebook, SubmittedNotebook.notebook_id == Notebook.id)
                    .filter(Assignment.name == lesson))

        grades: dict = {}
        rows = of_lesson(
            gb.db.query(SubmittedAssignment.student_id, Notebook.name, BaseCell.name,
                        Grade.auto_score, Grade.manual_score, Grade.score, Grade.max_score)
            .select_from(Grade),
            (SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id),
            (BaseCell, Grade.cell_id == BaseCell.id))
        for student, notebook, cell, auto, manual, score, top in rows:
            if top:
                grades.setdefault(student, {})[(notebook, cell)] = {
                    "auto": None if auto is None else float(auto),
                    "manual": None if manual is None else float(manual),
                    "score": float(score), "max": float(top)}
        comments: dict = {}
        rows = of_lesson(
            gb.db.query(SubmittedAssignment.student_id, Notebook.name, BaseCell.name,
                        Comment.auto_comment).select_from(Comment),
            (SubmittedNotebook, Comment.notebook_id == SubmittedNotebook.id),
            (BaseCell, Comment.cell_id == BaseCell.id))
        for student, notebook, cell, text in rows:
            if text:
                comments.setdefault(student, []).append((notebook, cell, text))
        penalties: dict = {}
        rows = of_lesson(gb.db.query(SubmittedAssignment.student_id,
                                     SubmittedNotebook.late_submission_penalty)
                         .select_from(SubmittedNotebook))
        for student, penalty in rows:
            penalties[student] = penalties.get(student, 0.0) + float(penalty or 0)
        submissions = []
        rows = (gb.db.query(SubmittedAssignment, SubmittedAssignment.score,
                            SubmittedAssignment.max_score)
                .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
                .filter(Assignment.name == lesson))
        for sub, score, top in rows:
            student = sub.student_id
            submissions.append({
                "student": student, "timestamp": sub.timestamp,
                "duedate": sub.duedate, "extension": sub.extension,
                "seconds_late": float(sub.total_seconds_late),
                "late_penalty": penalties.get(student, 0.0),
                "score": float(score), "max_score": float(top),
                "grades": grades.get(student, {}),
                "comments": sorted(comments.get(student, []))})
        return {"lesson": lesson, "duedate": assignment.duedate, "cells": cells,
                "submissions": sorted(submissions, key=lambda s: s["student"])}


def export_csv(path: Path, api) -> Path:
    """Write every grade of the gradebook to a CSV file (nbgrader's CSV export)."""
    from nbgrader.plugins import CsvExportPlugin

    plugin = CsvExportPlugin(parent=api)
    plugin.to = str(path)
    with open_gradebook(api) as gb:
        plugin.export(gb)
    return Path(path)


# --------------------------------------------------------------------- writing


def record_zero(api, lesson: str, student: str, timestamp=None) -> None:
    """A submission that cannot be graded still gets a row (score 0) in the gradebook."""
    with open_gradebook(api) as gb:
        gb.update_or_create_student(student)
        if timestamp:
            gb.update_or_create_submission(lesson, student, timestamp=timestamp)
        else:
            gb.update_or_create_submission(lesson, student)


def set_duedate(api, lesson: str, due) -> None:
    """The lesson's ``Assignment.duedate`` (naive UTC, or None for none)."""
    with open_gradebook(api) as gb:
        assignment = gb.find_assignment(lesson)
        if assignment.duedate != due:
            assignment.duedate = due
            gb.db.commit()


def set_extension(api, lesson: str, student: str, extension) -> None:
    """``student``'s extension of ``lesson`` (a timedelta, or None to remove it), stored
    where nbgrader reads it: ``SubmittedAssignment.extension`` (nbgrader's own
    ``Gradebook.grant_extension``). nbgrader keeps it on the submission row, so a student
    who has not submitted yet gets that row now (no time, score 0: what nbgrader's export
    shows for any student without a submission); grading keeps the extension."""
    minutes = extension.total_seconds() / 60 if extension else 0
    with open_gradebook(api) as gb:
        gb.update_or_create_student(student)
        gb.update_or_create_submission(lesson, student)
        gb.grant_extension(lesson, student, minutes=minutes)


WITHHELD = "Automatic grade withheld, needs review: "


def withhold(api, lesson: str, student: str, reasons: list[str]) -> None:
    """No automatic points for a submission that tampered with its tests; manual review."""
    text = WITHHELD + "; ".join(reasons)
    with open_gradebook(api) as gb:
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
    with open_gradebook(api) as gb:
        nb = gb.find_submission_notebook(notebook, lesson, student)
        for comment in nb.comments:
            comment.auto_comment = "\n".join(filter(None, [comment.auto_comment, text]))
        gb.db.commit()


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
