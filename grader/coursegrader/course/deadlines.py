"""Due dates: one setting in grader/nbgrader_config.py that everything reads.

    c.CourseDeadlines.timezone = "Europe/Berlin"          # an IANA zone name (default UTC)
    c.CourseDeadlines.due = {"01-python-classes": "2027-01-22 23:59", ...}

A time may also carry its own offset ("2027-01-22T23:59+01:00"). From this one setting:
nbgrader's gradebook gets each lesson's ``Assignment.duedate`` (nbg/lessons.py, whenever a
lesson is generated or graded), nbgrader's late penalty counts from it (plus a student's
extension, ``course extend``), and the first cell of each student notebook shows it
(authoring/hosted.py). A lesson without an entry has no due date and no late penalty.
"""

from __future__ import annotations

import datetime as _dt

from coursegrader.errors import CourseError

SECTION = "CourseDeadlines"
SETTING = f"c.{SECTION}.due"


def zone(config) -> _dt.tzinfo:
    """The zone of due dates written without an offset (``c.CourseDeadlines.timezone``)."""
    name = str(config[SECTION].get("timezone") or "UTC")
    if name.upper() == "UTC":
        return _dt.timezone.utc
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise CourseError(f"c.{SECTION}.timezone = {name!r} is not a time zone name: use one "
                          "like 'Europe/Berlin' or 'America/New_York', or 'UTC'") from err


def parse_due(text, zone: _dt.tzinfo = _dt.timezone.utc) -> _dt.datetime:
    """A due date as written in the setting: an aware datetime (``zone`` when the text
    has no offset of its own)."""
    if isinstance(text, _dt.datetime):
        when = text
    else:
        try:
            when = _dt.datetime.fromisoformat(str(text).strip())
        except ValueError as err:
            raise CourseError(f"{SETTING}: {text!r} is not a date and time; write it like "
                              "'2027-01-22 23:59' (or with an offset, '2027-01-22T23:59+01:00')"
                              ) from err
    return when if when.tzinfo is not None else when.replace(tzinfo=zone)


def due_dates(config) -> dict[str, _dt.datetime]:
    """lesson -> its due date (aware), for every lesson the setting names."""
    tz = zone(config)
    raw = config[SECTION].get("due") or {}
    if not isinstance(raw, dict):
        raise CourseError(f"{SETTING} must be a dict {{lesson: date}}, not {type(raw).__name__}")
    return {lesson: parse_due(text, tz) for lesson, text in raw.items()}


def due_date(lesson: str, config) -> _dt.datetime | None:
    """The due date of ``lesson`` (aware), or None when it has none."""
    return due_dates(config).get(lesson)


def as_utc(when: _dt.datetime | None) -> _dt.datetime | None:
    """Naive UTC, as nbgrader's gradebook stores times (nbgrader.utils.parse_utc)."""
    if when is None:
        return None
    return when.astimezone(_dt.timezone.utc).replace(tzinfo=None)


def format_due(when: _dt.datetime) -> str:
    """What a student reads: 'Friday 22 January 2027, 23:59 (Europe/Berlin)'."""
    zone = when.tzname() if not hasattr(when.tzinfo, "key") else when.tzinfo.key
    return f"{when:%A} {when.day} {when:%B %Y, %H:%M} ({zone})"
