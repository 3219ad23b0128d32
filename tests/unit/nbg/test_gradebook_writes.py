"""nbg/gradebook.py's writes, and engine/record.py's record stage, on a small gradebook made
with nbgrader's own API (one lesson, one notebook, two test cells, one answer cell)."""

from __future__ import annotations

import shutil
import types

import pytest
from nbgrader.api import Gradebook

from coursegrader.engine.model import NotebookRun, SubmissionResult, SubmissionRun
from coursegrader.engine.record import record_submission
from coursegrader.nbg import gradebook


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The gradebook, made once: nbgrader checks a new database's schema with alembic in a
    process of its own, seconds each time."""
    path = tmp_path_factory.mktemp("gradebook") / "gradebook.db"
    with Gradebook(f"sqlite:///{path}", "course") as gb:
        gb.add_assignment("01-x")
        gb.add_notebook("01-x", "01-x")
        for name, points in (("t1", 2), ("t2", 3)):
            gb.add_grade_cell(name, "01-x", "01-x", max_score=points, cell_type="code")
        gb.add_solution_cell("a1", "01-x", "01-x")
        gb.add_student("ada")
        gb.add_submission("01-x", "ada")
        for grade in gb.find_submission("01-x", "ada").notebooks[0].grades:
            grade.auto_score = grade.max_score
        gb.db.commit()
    return path


@pytest.fixture
def api(template, tmp_path):
    """A stand-in for nbgrader's API object (the record stage needs its coursedir only), on
    a fresh copy of the gradebook."""
    shutil.copyfile(template, tmp_path / "gradebook.db")
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    return types.SimpleNamespace(coursedir=types.SimpleNamespace(db_url=url,
                                                                  course_id="course"))


def _notebook(api):
    with gradebook.open_gradebook(api) as gb:
        nb = gb.find_submission("01-x", "ada").notebooks[0]
        return ({g.name: (g.auto_score, g.needs_manual_grade) for g in nb.grades},
                [c.auto_comment for c in nb.comments])


def test_withhold_zeroes_every_automatic_score_and_says_why(api):
    gradebook.withhold(api, "01-x", "ada", ["cell 3 patches torch.allclose"])
    grades, comments = _notebook(api)
    assert grades == {"t1": (0, True), "t2": (0, True)}
    assert comments == [gradebook.WITHHELD + "cell 3 patches torch.allclose"]


def test_add_comment_appends_to_what_is_there(api):
    gradebook.add_comment(api, "01-x", "ada", "01-x", "first")
    gradebook.add_comment(api, "01-x", "ada", "01-x", "second")
    assert _notebook(api)[1] == ["first\nsecond"]


def test_submission_grades_reads_scores_and_skips_the_unknown(api):
    found = gradebook.submission_grades(api, "01-x", ["ada", "nobody"])
    assert list(found) == ["ada"]
    score, max_score, cells = found["ada"]
    assert (score, max_score) == (5.0, 5.0)
    assert sorted(cells) == [("t1", 2.0, 2.0), ("t2", 3.0, 3.0)]


class Recorder:
    """Stands for nbg.stages.Recorder: remembers what it was asked to record."""

    def __init__(self, error: Exception | None = None):
        self.calls, self.error = [], error

    def __call__(self, lesson, student, notebooks):
        self.calls.append((lesson, student, [p.name for p in notebooks]))
        if self.error is not None:
            raise self.error


def _record(api, tmp_path, run, recorder=None):
    path = tmp_path / "01-x.ipynb"
    result = SubmissionResult("01-x", "ada", False)
    recorder = recorder or Recorder()
    record_submission(api, recorder, "01-x", result, [path], SubmissionRun({"01-x": run}))
    return result, recorder


def test_record_an_honest_run(api, tmp_path):
    result, recorder = _record(api, tmp_path, NotebookRun(notes=["a note"]))
    assert result.success and result.status == "graded" and result.notes == ["a note"]
    assert recorder.calls == [("01-x", "ada", ["01-x.ipynb"])]
    assert _notebook(api)[1] == [None]


def test_record_a_limit_in_the_students_comment(api, tmp_path):
    run = NotebookRun(limit="Stopped by the grader: memory limit of 4 GiB reached in cell 3")
    result, _ = _record(api, tmp_path, run)
    assert result.status == "graded"
    assert _notebook(api)[1] == [run.limit]


def test_record_holds_a_tampered_run_for_review(api, tmp_path):
    result, _ = _record(api, tmp_path, NotebookRun(tampered=["t1"]))
    assert result.status == "review"
    assert "canary check failed after t1" in result.review[0]
    grades, comments = _notebook(api)
    assert grades == {"t1": (0, True), "t2": (0, True)} and "canary" in comments[0]


def test_record_a_run_that_failed_records_nothing(api, tmp_path):
    result, recorder = _record(api, tmp_path, NotebookRun(ok=False, error="kernel died"))
    assert not result.success and result.error == "kernel died" and recorder.calls == []
    result, _ = _record(api, tmp_path, NotebookRun(ok=False))
    assert result.error == "not executed"


def test_record_says_when_nbgrader_cannot_record(api, tmp_path):
    result, _ = _record(api, tmp_path, NotebookRun(), Recorder(ValueError("schema")))
    assert not result.success
    assert result.error == "nbgrader could not record the grades: ValueError: schema"


def test_an_extension_moves_the_due_date_nbgrader_counts_lateness_from(api):
    import datetime as dt

    due = dt.datetime(2027, 1, 22, 23, 59)
    gradebook.set_duedate(api, "01-x", due)
    with gradebook.open_gradebook(api) as gb:
        gb.update_or_create_submission("01-x", "ada", timestamp=due + dt.timedelta(days=2))
        assert gb.find_submission("01-x", "ada").total_seconds_late == 2 * 86400
    gradebook.set_extension(api, "01-x", "ada", dt.timedelta(days=3))
    assert gradebook.lesson_deadline(api, "01-x", "ada") == (due, dt.timedelta(days=3))
    with gradebook.open_gradebook(api) as gb:
        assert gb.find_submission("01-x", "ada").total_seconds_late == 0
    gradebook.set_extension(api, "01-x", "ada", None)
    assert gradebook.lesson_deadline(api, "01-x", "ada") == (due, None)


def test_an_extension_before_the_student_submitted_survives_grading(api):
    import datetime as dt

    gradebook.set_duedate(api, "01-x", dt.datetime(2027, 1, 22))
    gradebook.set_extension(api, "01-x", "bob", dt.timedelta(hours=36))
    with gradebook.open_gradebook(api) as gb:  # what nbgrader's autograde does first
        gb.update_or_create_submission("01-x", "bob", timestamp=dt.datetime(2027, 1, 23))
    assert gradebook.lesson_deadline(api, "01-x", "bob")[1] == dt.timedelta(hours=36)


def test_grade_rows_have_the_numbers_of_nbgraders_csv(api, tmp_path):
    import csv

    from nbgrader.plugins import CsvExportPlugin

    with gradebook.open_gradebook(api) as gb:
        gb.find_submission("01-x", "ada").notebooks[0].late_submission_penalty = 1.5
        gb.add_student("bob", first_name="Bob", last_name="B")  # submitted nothing
        gb.add_assignment("02-y")  # nobody submitted: not in the platform files
        gb.db.commit()
        plugin = CsvExportPlugin(to=str(tmp_path / "grades.csv"))
        plugin.export(gb)
    with open(tmp_path / "grades.csv", newline="") as fh:
        theirs = {(r["assignment"], r["student_id"]): float(r["score"])
                  for r in csv.DictReader(fh)}
    rows = gradebook.grade_rows(api)
    ours = {(r["lesson"], r["student_id"]): r["score"] for r in rows}
    assert ours == {k: v for k, v in theirs.items() if k[0] == "01-x"}
    assert ours == {("01-x", "ada"): 3.5, ("01-x", "bob"): 0.0}
    assert {r["max_score"] for r in rows} == {5.0}
    assert [r["lesson"] for r in gradebook.grade_rows(api, ["02-y"])] == ["02-y", "02-y"]


def test_class_records_read_scores_lateness_extension_and_comments(api):
    from datetime import datetime, timedelta

    with gradebook.open_gradebook(api) as gb:
        gb.find_assignment("01-x").duedate = datetime(2026, 1, 15, 12, 0)
        sub = gb.find_submission("01-x", "ada")
        sub.timestamp = datetime(2026, 1, 16, 12, 0)
        sub.extension = timedelta(hours=12)
        gb.db.commit()
    gradebook.add_comment(api, "01-x", "ada", "01-x", "time limit reached in cell 3")
    found = gradebook.class_records(api, "01-x")
    assert found["duedate"] == datetime(2026, 1, 15, 12, 0)
    assert found["cells"] == [("01-x", "t1", 2.0), ("01-x", "t2", 3.0)]
    (ada,) = found["submissions"]
    assert ada["student"] == "ada" and (ada["score"], ada["max_score"]) == (5.0, 5.0)
    assert ada["extension"] == timedelta(hours=12)
    assert ada["duedate"] == datetime(2026, 1, 16, 0, 0)
    assert ada["seconds_late"] == 12 * 3600
    assert ada["grades"][("01-x", "t2")] == {"auto": 3.0, "manual": None, "score": 3.0,
                                              "max": 3.0}
    assert ada["comments"] == [("01-x", "a1", "time limit reached in cell 3")]
    assert gradebook.class_records(api, "02-none") is None
