"""course/deadlines.py: the due-date setting that grading, the late penalty and the student
notebooks read."""

from __future__ import annotations

import datetime as dt

import pytest

from coursegrader.course import deadlines
from coursegrader.course.config import load_config
from coursegrader.errors import CourseError


def _config(due, timezone=None):
    overrides = {"CourseDeadlines.due": due}
    if timezone:
        overrides["CourseDeadlines.timezone"] = timezone
    return load_config(**overrides)


def test_a_time_without_offset_is_in_the_course_zone():
    config = _config({"01-python-classes": "2027-01-22 23:59"}, "Europe/Berlin")
    due = deadlines.due_date("01-python-classes", config)
    assert due.utcoffset() == dt.timedelta(hours=1)  # winter time in Berlin
    assert deadlines.as_utc(due) == dt.datetime(2027, 1, 22, 22, 59)
    assert deadlines.format_due(due) == "Friday 22 January 2027, 23:59 (Europe/Berlin)"


def test_a_time_with_its_own_offset_keeps_it_and_utc_is_the_default_zone():
    config = _config({"a": "2027-07-01T12:00+02:00", "b": "2027-07-01 12:00"})
    assert deadlines.as_utc(deadlines.due_date("a", config)) == dt.datetime(2027, 7, 1, 10, 0)
    assert deadlines.as_utc(deadlines.due_date("b", config)) == dt.datetime(2027, 7, 1, 12, 0)
    assert deadlines.format_due(deadlines.due_date("b", config)).endswith("12:00 (UTC)")


def test_a_lesson_the_setting_does_not_name_has_no_due_date():
    assert deadlines.due_date("02-nn-module", _config({"01-python-classes": "2027-01-22"})) \
        is None
    assert deadlines.as_utc(None) is None


def test_the_repository_sets_no_term_dates():
    """A class sets its own; the students of the public notebooks have none."""
    assert deadlines.due_dates(load_config()) == {}


@pytest.mark.parametrize("due, zone, message", [
    ({"a": "next friday"}, None, "not a date and time"),
    (["2027-01-22"], None, "must be a dict"),
    ({"a": "2027-01-22"}, "Mars/Olympus", "not a time zone name"),
])
def test_mistakes_in_the_setting_say_how_to_write_it(due, zone, message):
    with pytest.raises(CourseError, match=message):
        deadlines.due_dates(_config(due, zone))
