"""The sanitize stage's own preprocessor (engine/preprocessors/repair_duplicates.py)."""

from __future__ import annotations

from memory_notebooks import answer_cell, make_test_cell, notebook, run

from coursegrader.course import cells
from coursegrader.engine.preprocessors.repair_duplicates import RepairDuplicates


def test_a_duplicated_cell_keeps_nbgraders_choice_the_last_copy():
    first, copy, other = make_test_cell("t1"), make_test_cell("t1"), make_test_cell("t2")
    nb, _ = run(RepairDuplicates, notebook(first, answer_cell(), copy, other))
    assert [cells.grade_id(c) for c in nb.cells] == [None, "a1", "t1", "t2"]
    assert "nbgrader" not in nb.cells[0].metadata  # an ordinary cell now, not an empty one
    assert cells.is_test(nb.cells[2])


def test_cells_without_duplicates_are_left_alone():
    nb, _ = run(RepairDuplicates, notebook(answer_cell(), make_test_cell("t1")))
    assert [cells.grade_id(c) for c in nb.cells] == ["a1", "t1"]
