"""Where the class report's numbers come from: nbgrader's gradebook (through the one gateway,
nbg/gradebook.py) and, for the failure messages only, the autograded notebooks nbgrader
saved on disk.

Why the notebooks: nbgrader's gradebook keeps a score per test cell but not the message of
the assertion that failed; that text is only in the executed cell's saved error output. We
read those saved outputs (nothing is run again).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from coursegrader.course import cells as nbcells
from coursegrader.course.paths import lesson_notebook
from coursegrader.errors import CourseError
from coursegrader.nbg.gradebook import class_records

MESSAGE_CHARS = 200


@dataclass
class Term:
    """One graded lesson: the gradebook's records and where its notebooks are."""
    name: str  # how the report names it: "this term", or what --compare gave
    records: dict
    autograded: Path | None  # the autograded/ folder (None: messages unknown)


def other_gradebook(where: str) -> tuple[str, Path | None]:
    """--compare's argument: a database URL (no autograded notebooks known), or a grading
    folder with gradebook.db (and its autograded/)."""
    if "://" in where:
        return where, None
    folder = Path(where).resolve()
    db = folder / "gradebook.db" if folder.is_dir() else folder
    if not db.is_file():
        raise CourseError(f"--compare {where}: no gradebook there (give a grading folder "
                          "with gradebook.db, or a database URL such as postgresql://...)")
    return f"sqlite:///{db}", db.parent / "autograded"


def load_term(api, lesson: str, where: str | None = None) -> Term:
    if where is None:
        db_url, autograded = None, Path(api.coursedir.autograded_directory)
    else:
        db_url, autograded = other_gradebook(where)
    records = class_records(api, lesson, db_url)
    if records is None:
        raise CourseError(f"{lesson} is not in the gradebook{' at ' + where if where else ''}"
                          ": release and autograde it first")
    if not records["submissions"]:
        raise CourseError(f"no graded submission of {lesson} in the gradebook"
                          f"{' at ' + where if where else ''}: run autograde first")
    return Term("this term" if where is None else without_password(where), records,
                autograded)


def without_password(where: str) -> str:
    """How the page names another gradebook: a database URL's password left out."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", where)


def failure_messages(term: Term) -> dict[tuple[str, str, str], str]:
    """(student, notebook, grade id) -> the first line of the error each failed test cell
    printed, read from the saved autograded notebooks."""
    out: dict = {}
    if term.autograded is None:
        return out
    failed = {(s["student"], nb, cell) for s in term.records["submissions"]
              for (nb, cell), g in s["grades"].items() if g["score"] < g["max"] - 1e-9}
    for student, notebook in sorted({(s, nb) for s, nb, _ in failed}):
        path = term.autograded / student / term.records["lesson"] / f"{notebook}.ipynb"
        try:  # plain JSON: nbformat's validation of every notebook costs more than the rest
            nb = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for cell in nb.get("cells", []):
            grade_id = nbcells.grade_id(cell)
            if (student, notebook, grade_id) not in failed or cell.get("cell_type") != "code":
                continue
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    text = f"{output.get('ename', '')}: {output.get('evalue', '')}"
                    out[(student, notebook, grade_id)] = first_line(text)
                    break
    return out


def first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= MESSAGE_CHARS else line[:MESSAGE_CHARS - 3] + "..."


def cell_order(lesson: str) -> list[str]:
    """The lesson's grade ids in the order of its notebook (solutions/), when it is here."""
    try:
        nb = nbformat.read(lesson_notebook(lesson), as_version=4)
    except (OSError, ValueError, CourseError):
        return []
    return [g for cell in nb.cells if (g := nbcells.grade_id(cell))]
