"""One home for nbgrader's cell metadata: which cells are tests or answers, their
grade ids and points, and the marker lines of solutions and hidden tests (and which lines of
such a secret block are worth looking for elsewhere).

nbgrader keeps all of it under ``cell.metadata["nbgrader"]``; the markers are the
delimiters configured for ``ClearSolutions`` and ``ClearHiddenTests`` (nbgrader's defaults,
``BEGIN SOLUTION`` / ``BEGIN HIDDEN TESTS``, unless the course's config says otherwise).
Works on nbformat nodes and plain dicts alike.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import nbformat


def meta(cell) -> dict:
    """The ``nbgrader`` metadata of a cell ({} when it has none)."""
    return (cell.get("metadata") or {}).get("nbgrader") or {}


def grade_id(cell) -> str | None:
    return meta(cell).get("grade_id")


def points(cell) -> float:
    return float(meta(cell).get("points") or 0)


def is_test(cell) -> bool:
    """An autograded test cell: code, graded, not an answer."""
    m = meta(cell)
    return cell.get("cell_type") == "code" and bool(m.get("grade")) and not m.get("solution")


def is_answer(cell) -> bool:
    """A cell the student writes in."""
    return bool(meta(cell).get("solution"))


def test_points(nb) -> dict[str, float]:
    """grade_id -> points of every autograded test cell of a notebook (node or path)."""
    if isinstance(nb, (str, Path)):
        nb = nbformat.read(nb, as_version=4)
    return {grade_id(c): points(c) for c in nb.cells if is_test(c)}


def answers(nb) -> dict[str, str]:
    """grade_id -> source of every answer cell."""
    return {grade_id(c): c.source for c in nb.cells if is_answer(c) and grade_id(c)}


# nbgrader's own defaults (ClearSolutions, ClearHiddenTests); tests/unit/course/test_cells.py
# checks them against nbgrader's classes. Read here without importing nbgrader: only nbg/
# and the engine's preprocessors import it (the import rules in pyproject.toml).
NBGRADER_DEFAULTS = {
    "begin_solution": ("ClearSolutions", "begin_solution_delimeter", "BEGIN SOLUTION"),
    "end_solution": ("ClearSolutions", "end_solution_delimeter", "END SOLUTION"),
    "begin_hidden": ("ClearHiddenTests", "begin_test_delimeter", "BEGIN HIDDEN TESTS"),
    "end_hidden": ("ClearHiddenTests", "end_test_delimeter", "END HIDDEN TESTS"),
}


@functools.lru_cache(maxsize=1)
def delimiters() -> dict[str, str]:
    """The four marker texts, as configured for nbgrader (defaults if not configured)."""
    try:
        from coursegrader.course.config import load_config

        config = load_config()
    except Exception:  # outside the course (no config file): nbgrader's own defaults
        config = None
    out = {}
    for key, (section, option, default) in NBGRADER_DEFAULTS.items():
        configured = config.get(section, {}).get(option) if config is not None else None
        out[key] = configured or default
    return out


def _block_re(begin: str, end: str) -> re.Pattern:
    return re.compile(rf"###\s*{re.escape(begin)}(.*?)###\s*{re.escape(end)}", re.S)


def solution_re() -> re.Pattern:
    """A solution block: ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` (group 1: inside)."""
    d = delimiters()
    return _block_re(d["begin_solution"], d["end_solution"])


def hidden_re() -> re.Pattern:
    """A hidden-tests block (group 1: the hidden code)."""
    d = delimiters()
    return _block_re(d["begin_hidden"], d["end_hidden"])


def markers() -> tuple[str, ...]:
    return tuple(delimiters().values())


# Lines too generic to stand for a secret block: they are in any code.
COMMON = {"pass", "else:", "try:", "return", "except:", "finally:"}


def meaningful_lines(block: str, public: set[str]) -> list[str]:
    """Lines of a secret block (a solution, hidden tests) worth looking for elsewhere: not
    blank, not a comment, not generic syntax, and not also written in ``public`` (what the
    student can read anyway)."""
    lines = []
    for line in block.splitlines():
        text = line.strip()
        if not text or text.startswith("#") or text in COMMON or text in public:
            continue
        if sum(ch.isalnum() for ch in text) < 3:
            continue
        lines.append(text)
    return lines
