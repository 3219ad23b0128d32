"""lms_export.py: the files Canvas and Moodle import, compared with fixture files written by
hand from each platform's documented format (tests/fixtures/lms/README.md names the pages)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from coursegrader import lms_export
from coursegrader.errors import CourseError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lms"


def _rows() -> list[dict]:
    """What nbg/gradebook.grade_rows gives for two lessons and three students: ada and bob
    are in the roster, cho is not; bob has no submission of lesson 02 (0, as nbgrader's CSV)."""
    scores = {("ada", "01-python-classes"): 8.0, ("ada", "02-nn-module"): 12.0,
              ("bob", "01-python-classes"): 7.5, ("bob", "02-nn-module"): 0.0,
              ("cho", "01-python-classes"): 3.0, ("cho", "02-nn-module"): 1.0}
    max_points = {"01-python-classes": 10.0, "02-nn-module": 12.0}
    return [{"lesson": lesson, "student_id": student, "first_name": "", "last_name": "",
             "score": score, "max_score": max_points[lesson]}
            for (student, lesson), score in scores.items()]


def _written(tmp_path, rows) -> str:
    return lms_export.write_csv(tmp_path / "out.csv", rows).read_text(encoding="utf-8")


def test_canvas_file_is_the_documented_gradebook_csv(tmp_path):
    table = lms_export.grade_table(_rows())
    roster = lms_export.read_roster(FIXTURES / "roster.csv")
    ids, left_out = lms_export.platform_ids(table.students, roster, "sis_login_id")
    rows = lms_export.canvas_rows(table, ids, "sis_login_id", roster,
                                  {"01-python-classes": "4711"})
    assert _written(tmp_path, rows) == (FIXTURES / "canvas-grades.csv").read_text()
    assert left_out == ["cho"]


def test_moodle_file_is_the_documented_grade_import_csv(tmp_path):
    table = lms_export.grade_table(_rows())
    roster = lms_export.read_roster(FIXTURES / "roster.csv")
    ids, left_out = lms_export.platform_ids(table.students, roster, "email")
    rows = lms_export.moodle_rows(table, ids, "email")
    assert _written(tmp_path, rows) == (FIXTURES / "moodle-grades.csv").read_text()
    assert left_out == ["cho"]


def test_canvas_fixture_reads_as_canvas_reads_it():
    """The fixture itself: identity columns first, the Points Possible row second, a score
    per student and assignment that is no more than the assignment's points."""
    with open(FIXTURES / "canvas-grades.csv", newline="") as fh:
        header, possible, *students = list(csv.reader(fh))
    assert header[:5] == lms_export.CANVAS_IDENTITY
    assert possible[0].strip() == "Points Possible" and possible[1:5] == [""] * 4
    for row in students:
        assert len(row) == len(header)
        assert all(0 <= float(s) <= float(p) for s, p in zip(row[5:], possible[5:], strict=True))


def test_without_a_roster_the_course_id_is_the_platform_id(tmp_path):
    table = lms_export.grade_table(_rows())
    ids, left_out = lms_export.platform_ids(table.students, None, None)
    assert ids == {"ada": "ada", "bob": "bob", "cho": "cho"} and left_out == []
    rows = lms_export.moodle_rows(table, ids, "username")
    assert rows[0] == ["Username", "01-python-classes", "02-nn-module"]
    assert rows[3] == ["cho", "3", "1"]
    canvas = lms_export.canvas_rows(table, ids, "id")
    assert canvas[2][:5] == ["ada", "ada", "", "", ""]  # the name falls back to the id


def test_canvas_student_name_is_last_comma_first_from_nbgrader():
    rows = _rows()
    for row in rows:
        if row["student_id"] == "ada":
            row.update(first_name="Ada", last_name="Lovelace")
    table = lms_export.grade_table(rows)
    canvas = lms_export.canvas_rows(table, {"ada": "a1"}, "sis_user_id")
    assert canvas[2][:5] == ["Lovelace, Ada", "", "a1", "", ""]
    assert len(canvas) == 3  # only students with an id


def test_roster_of_course_accounts_without_a_header(tmp_path):
    plain = tmp_path / "plain.csv"
    plain.write_text("ada\nbob\n")
    roster = lms_export.read_roster(plain)
    # the first row is taken as the header, as course-accounts' format allows one only
    # when it names student_id; a plain list gives no platform column to match on
    with pytest.raises(CourseError, match="no column 'email'"):
        lms_export.platform_ids(["bob"], roster, "email")


def test_roster_column_names_are_compared_loosely(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("Student ID,SIS Login ID\nada,alovelace\nbob,\n")
    roster = lms_export.read_roster(path)
    ids, left_out = lms_export.platform_ids(["ada", "bob", "dan"], roster, "SIS Login ID")
    assert ids == {"ada": "alovelace"} and left_out == ["bob", "dan"]


def test_bad_choices_say_what_to_do(tmp_path):
    table = lms_export.grade_table(_rows())
    with pytest.raises(CourseError, match="needs a roster"):
        lms_export.platform_ids(table.students, None, "email")
    with pytest.raises(CourseError, match="sis_login_id"):
        lms_export.canvas_rows(table, {}, "login")
    with pytest.raises(CourseError, match="idnumber"):
        lms_export.moodle_rows(table, {}, "userid")
    with pytest.raises(CourseError, match="cannot read the roster"):
        lms_export.read_roster(tmp_path / "missing.csv")


@pytest.mark.parametrize("value, text", [(8.0, "8"), (7.25, "7.25"), (0.0, "0"),
                                         (2 / 3, "0.67"), (10.5, "10.5")])
def test_points_are_plain_numbers(value, text):
    assert lms_export.points(value) == text
