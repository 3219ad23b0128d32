"""Grades as learning platforms import them: Canvas's gradebook CSV and Moodle's grade import
CSV, written from the same numbers as nbgrader's own CSV export (nbg/gradebook.grade_rows).

Students are matched by the id the instructor chooses: a roster CSV (the one
scripts/course-accounts reads: a ``student_id`` column, the course's id of each student, or
the first column when there is no such header) with more columns, e.g. ``email``,
``sis_login_id``, ``name``, ``section``; ``match`` names the roster column that holds the
id the platform knows. Without a roster the course's own student id is that id (a class on
the course hub whose logins are the platform's).

* Canvas ("How do I import grades in the Gradebook?", Canvas Instructor Guide, and the file
  Canvas's own gradebook export writes): columns Student, ID, SIS User ID, SIS Login ID,
  Section, then one per assignment, named ``Name (assignment id)`` when the Canvas
  assignment exists (a bare name makes a new assignment on import); the second row is
  ``Points Possible`` with each assignment's points. Canvas matches a student by whichever
  of ID, SIS User ID, SIS Login ID it finds; ``canvas_field`` says which one carries the
  matched id.
* Moodle ("Grade import", Moodle docs, CSV file): a header row, one column that identifies
  the user, one column per grade item; on import, "Map from" is that column and "Map to"
  the user field it holds (email address, username or ID number), and each grade column is
  mapped to its grade item (or "New grade item"). The identifier column is named as
  Moodle's own grade export names that field.

Nothing here reads the gradebook: workflow.py hands these functions plain rows.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from coursegrader.errors import CourseError

CANVAS_FIELDS = {"id": "ID", "sis_user_id": "SIS User ID", "sis_login_id": "SIS Login ID"}
CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
# Canvas's own export writes the row's label indented, and its importer looks for the words
CANVAS_POINTS = "    Points Possible"
MOODLE_FIELDS = {"email": "Email address", "username": "Username", "idnumber": "ID number"}


def column_key(name: str) -> str:
    """A roster column's name as this module compares it: 'SIS Login ID' -> 'sis_login_id'."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


@dataclass
class Roster:
    """student_id -> {column key: value} of every row of a roster CSV."""
    path: Path
    columns: list[str]
    students: dict[str, dict[str, str]] = field(default_factory=dict)


def read_roster(path: Path) -> Roster:
    """A roster CSV: a header row with a ``student_id`` column (else the first column is
    the student id), and any other columns."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = [row for row in csv.reader(fh) if any(cell.strip() for cell in row)]
    except OSError as err:
        raise CourseError(f"cannot read the roster {path}: {err}") from err
    if not rows:
        raise CourseError(f"the roster {path} is empty")
    columns = [column_key(c) for c in rows[0]]
    key = columns.index("student_id") if "student_id" in columns else 0
    roster = Roster(Path(path), columns)
    for row in rows[1:]:
        values = {c: (row[i].strip() if i < len(row) else "") for i, c in enumerate(columns)}
        student = values.get(columns[key], "")
        if student:
            roster.students[student] = values
    return roster


def platform_ids(students: list[str], roster: Roster | None, match: str | None
                 ) -> tuple[dict[str, str], list[str]]:
    """({student: id on the platform}, [students left out: not in the roster, or no id]).
    ``match``: the roster column holding that id (default: the course's student id)."""
    if roster is None:
        if match not in (None, "student_id"):
            raise CourseError(f"--match {match} needs a roster (--roster FILE) with that column")
        return {s: s for s in students}, []
    column = column_key(match or "student_id")
    if column not in roster.columns:
        raise CourseError(f"the roster {roster.path} has no column {match!r} "
                          f"(its columns: {', '.join(roster.columns)})")
    ids, missing = {}, []
    for student in students:
        value = roster.students.get(student, {}).get(column, "")
        if value:
            ids[student] = value
        else:
            missing.append(student)
    return ids, missing


@dataclass
class GradeTable:
    """The grades of some lessons: what every platform file is written from."""
    lessons: list[str]
    max_points: dict[str, float]
    scores: dict[tuple[str, str], float]  # (student, lesson) -> score after late penalty
    names: dict[str, tuple[str, str]]  # student -> (first name, last name), as nbgrader has them

    @property
    def students(self) -> list[str]:
        return sorted({student for student, _ in self.scores})


def grade_table(rows: list[dict]) -> GradeTable:
    """From nbg/gradebook.grade_rows' rows (lesson, student_id, score, max_score, names)."""
    lessons = list(dict.fromkeys(r["lesson"] for r in rows))
    return GradeTable(
        lessons,
        {r["lesson"]: r["max_score"] for r in rows},
        {(r["student_id"], r["lesson"]): r["score"] for r in rows},
        {r["student_id"]: (r.get("first_name", ""), r.get("last_name", "")) for r in rows},
    )


def points(value: float) -> str:
    """8.0 -> '8', 7.25 -> '7.25' (two decimals at most, a dot: what both platforms read)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _display_name(student: str, table: GradeTable, extra: dict[str, str]) -> str:
    if extra.get("name"):
        return extra["name"]
    first, last = table.names.get(student, ("", ""))
    if first or last:
        return ", ".join(part for part in (last, first) if part)  # Canvas: "Last, First"
    return student


def canvas_rows(table: GradeTable, ids: dict[str, str], canvas_field: str = "sis_login_id",
                roster: Roster | None = None,
                assignment_ids: dict[str, str] | None = None) -> list[list[str]]:
    """Canvas's gradebook CSV, row by row (header, Points Possible, one row a student)."""
    if canvas_field not in CANVAS_FIELDS:
        raise CourseError(f"Canvas matches students by {', '.join(CANVAS_FIELDS)}, "
                          f"not {canvas_field!r}")
    assignment_ids = assignment_ids or {}
    titles = [f"{lesson} ({assignment_ids[lesson]})" if lesson in assignment_ids else lesson
              for lesson in table.lessons]
    out = [CANVAS_IDENTITY + titles,
           [CANVAS_POINTS, "", "", "", ""] + [points(table.max_points[x]) for x in table.lessons]]
    for student in table.students:
        if student not in ids:
            continue
        extra = roster.students.get(student, {}) if roster else {}
        identity = {key: extra.get(key, "") for key in CANVAS_FIELDS}
        identity[canvas_field] = ids[student]
        out.append([_display_name(student, table, extra), identity["id"],
                    identity["sis_user_id"], identity["sis_login_id"], extra.get("section", "")]
                   + [points(table.scores[(student, lesson)]) for lesson in table.lessons])
    return out


def moodle_rows(table: GradeTable, ids: dict[str, str], moodle_field: str = "email"
                ) -> list[list[str]]:
    """Moodle's grade import CSV, row by row (header, one row a student)."""
    if moodle_field not in MOODLE_FIELDS:
        raise CourseError(f"Moodle maps users by {', '.join(MOODLE_FIELDS)}, "
                          f"not {moodle_field!r}")
    out = [[MOODLE_FIELDS[moodle_field], *table.lessons]]
    for student in table.students:
        if student in ids:
            out.append([ids[student]]
                       + [points(table.scores[(student, lesson)]) for lesson in table.lessons])
    return out


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    """UTF-8, comma-separated, quoted where a field needs it (both platforms' defaults)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return Path(path)
