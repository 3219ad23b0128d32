"""Where you stand in a lesson, without nbgrader's Validate button.

``show()`` prints a table of the lesson's graded exercises: passed, failed (with the
message) or not run yet. It counts only the visible test cells you ran in this session, as
you ran them last; it never runs a test, and hidden tests (added only when the notebook is
graded) are in neither this package nor your notebook.

How a test cell is recognised: a kernel is never told which notebook cell it runs, so the
first code cell of a lesson (see :mod:`torchcourse.hosted`) registers an IPython
``post_run_cell`` callback, which sees the source of every cell run and whether it raised.
``lessons.json``, generated from the student notebooks with the course's tools, holds a
fingerprint of each visible test cell's source (whitespace at line ends and blank lines at
either end do not count) and the cell's ``grade_id`` and points. A cell whose fingerprint
is one of the lesson's is that test. This works wherever the kernel is IPython: JupyterLab,
Colab, Kaggle, VS Code. A test cell that was edited no longer matches and stays "not run":
the grader restores test cells anyway.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from importlib import resources

LESSONS_FILE = "lessons.json"
MESSAGE_CHARS = 300

_state: dict = {"lesson": None, "results": {}}


def fingerprint(source: str) -> str:
    """A short hash of a cell's source that ignores trailing spaces and outer blank lines."""
    lines = [line.rstrip() for line in source.strip("\n").splitlines()]
    text = "\n".join(lines).strip("\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def lessons() -> dict:
    """``{lesson: {"gpu": bool, "tests": [{"grade_id", "points", "fingerprint"}, ...]}}``."""
    text = resources.files("torchcourse").joinpath(LESSONS_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def wants_gpu(lesson: str) -> bool:
    """Whether the lesson's notebook asks the hosted runtime for a GPU."""
    return bool(lessons().get(lesson, {}).get("gpu"))


@dataclass
class Row:
    grade_id: str
    points: float
    state: str  # "passed", "failed" or "not run"
    message: str = ""


def _get_ipython():
    ipython_module = sys.modules.get("IPython")
    return ipython_module.get_ipython() if ipython_module else None


def track(lesson: str, shell=None) -> bool:
    """Record the test cells of ``lesson`` that run from now on in ``shell`` (default: the
    running IPython). Running it again (the first cell, twice) registers nothing twice.
    Returns False where there is no IPython shell (a plain Python script)."""
    shell = shell if shell is not None else _get_ipython()
    if shell is None:
        return False
    if _state["lesson"] != lesson:
        _state.update(lesson=lesson, results={})
    if _after_cell not in shell.events.callbacks["post_run_cell"]:
        shell.events.register("post_run_cell", _after_cell)
    return True


def _message(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".strip()
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 3] + "..."


def _after_cell(result) -> None:
    lesson = _state["lesson"]
    if lesson is None:
        return
    # Never let a bookkeeping problem show up as an error in the student's cell.
    try:
        by_print = {t["fingerprint"]: t["grade_id"] for t in lessons()[lesson]["tests"]}
        grade_id = by_print.get(fingerprint(result.info.raw_cell or ""))
    except Exception:
        return
    if grade_id is None:
        return
    error = result.error_before_exec or result.error_in_exec
    _state["results"][grade_id] = ("failed", _message(error)) if error else ("passed", "")


def rows(lesson: str | None = None) -> list[Row]:
    """The lesson's tests in notebook order, each with its state in this session."""
    lesson = lesson or _state["lesson"]
    if lesson not in lessons():
        raise ValueError(
            f"Unknown lesson {lesson!r}: run the lesson's first code cell, or give the "
            "lesson's folder name, e.g. show('01-python-classes')."
        )
    results = _state["results"] if lesson == _state["lesson"] else {}
    out = []
    for test in lessons()[lesson]["tests"]:
        state, message = results.get(test["grade_id"], ("not run", ""))
        out.append(Row(test["grade_id"], test["points"], state, message))
    return out


def table(lesson: str | None = None) -> str:
    """The text :func:`show` prints."""
    found = rows(lesson)
    lesson = lesson or _state["lesson"]
    width = max(len(row.grade_id) for row in found)
    passed = [row for row in found if row.state == "passed"]
    total = sum(row.points for row in found)
    got = sum(row.points for row in passed)
    lines = [
        f"{lesson}: {len(passed)} of {len(found)} visible tests pass "
        f"({got:g} of {total:g} points) in this session.",
    ]
    for row in found:
        line = f"  {row.state:8s} {row.grade_id:{width}s} {row.points:>3g} pt"
        if row.message:
            line += f"  {row.message.splitlines()[0]}"
        lines.append(line.rstrip())
    if _state["lesson"] != lesson:
        lines.append("(Not tracking this lesson: run its first code cell, then its test cells.)")
    lines.append("The grader also runs hidden tests: a visible test that passes is not yet full marks.")
    return "\n".join(lines)


def show(lesson: str | None = None) -> None:
    """Print which of the lesson's tests passed, failed (and why) or were not run yet."""
    print(table(lesson))
