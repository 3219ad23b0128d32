"""Student notebooks carry no comments meant for the test tools (engine/preprocessors/strip_tooling_comments.py)."""

from __future__ import annotations

import nbformat

from coursegrader.course.paths import NOTEBOOKS_DIR, lesson_notebook, lessons
from coursegrader.engine.preprocessors.strip_tooling_comments import StripToolingComments

MARKER = "# NBVAL_CHECK_OUTPUT"


def test_marker_is_removed_from_plain_code_cells_only():
    plain = nbformat.v4.new_code_cell(f"{MARKER}\nprint(1 + 1)")
    tracked = nbformat.v4.new_code_cell(f"{MARKER}\nassert True, 'ok'")
    tracked.metadata["nbgrader"] = {"grade": True, "grade_id": "t", "points": 1, "solution": False}
    nb = nbformat.v4.new_notebook(cells=[plain, tracked])
    nb, _ = StripToolingComments().preprocess(nb, {})
    assert nb.cells[0].source == "print(1 + 1)", "the marker line should be gone, the code kept"
    assert nb.cells[1].source.startswith(MARKER), "cells nbgrader tracks must stay as they are"


def test_student_notebooks_have_no_nbval_markers():
    kept = [lesson for lesson in lessons() if MARKER in lesson_notebook(lesson).read_text()]
    assert kept, "the solutions should still mark the cells whose output nbval compares"
    leaked = [lesson for lesson in lessons() if MARKER in lesson_notebook(lesson, NOTEBOOKS_DIR).read_text()]
    assert not leaked, f"student notebooks with {MARKER}: {leaked}; run `make notebooks`"
