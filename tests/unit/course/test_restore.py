"""course.restore: nbgrader's cell metadata given back to a notebook saved without it."""

from __future__ import annotations

import copy

import nbformat

from coursegrader.course import cells
from coursegrader.course.paths import NOTEBOOKS_DIR, lesson_notebook
from coursegrader.course.restore import restore_cell_metadata


def test_cell_metadata_is_restored_only_where_all_of_it_was_dropped():
    release = nbformat.read(lesson_notebook("02-nn-module", NOTEBOOKS_DIR), as_version=4)
    submission = copy.deepcopy(release)
    answers = [c for c in submission.cells if cells.is_answer(c)]
    answers[0].source = "def my_answer():\n    return 1\n"  # what a student wrote
    for cell in submission.cells:
        cell.metadata.pop("nbgrader", None)
    submission.cells.insert(5, nbformat.v4.new_code_cell("print('a cell the student added')"))
    assert restore_cell_metadata(submission, release) == sum("nbgrader" in c.metadata for c in release.cells)
    graded = [(cells.grade_id(c), c.source) for c in submission.cells if cells.grade_id(c)]
    assert [g for g, _ in graded] == [cells.grade_id(c) for c in release.cells if cells.grade_id(c)]
    first_answer = next(cells.grade_id(c) for c in release.cells if cells.is_answer(c))
    assert dict(graded)[first_answer] == "def my_answer():\n    return 1\n"
    assert "nbgrader" not in submission.cells[5].metadata
    # a submission with nbgrader metadata is nbgrader's to judge, even with cells missing
    partial = copy.deepcopy(release)
    del partial.cells[3]
    partial.cells[-2].metadata.pop("nbgrader", None)
    assert restore_cell_metadata(partial, release) == 0
