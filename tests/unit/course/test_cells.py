"""course/cells.py: one home for nbgrader's cell metadata and markers."""

from __future__ import annotations

from memory_notebooks import answer_cell, make_test_cell, notebook
from nbformat.v4 import new_markdown_cell

from coursegrader.course import cells


def test_cells_reads_nbgrader_metadata():
    nb = notebook(answer_cell(), make_test_cell(points=3), new_markdown_cell("text"))
    assert cells.test_points(nb) == {"t1": 3.0}
    assert cells.answers(nb) == {"a1": "def f():\n    return 1"}
    assert cells.is_test(nb.cells[1]) and not cells.is_test(nb.cells[0])
    assert cells.meta(nb.cells[2]) == {} and cells.points(nb.cells[2]) == 0


def test_cells_markers_follow_nbgrader_defaults():
    source = "x = 1\n### BEGIN SOLUTION\ny = 2\n### END SOLUTION\n"
    assert cells.solution_re().search(source).group(1).strip() == "y = 2"
    hidden = "### BEGIN HIDDEN TESTS\nassert y == 2\n### END HIDDEN TESTS"
    assert cells.hidden_re().search(hidden).group(1).strip() == "assert y == 2"
    assert "BEGIN SOLUTION" in cells.markers() and "END HIDDEN TESTS" in cells.markers()


def test_the_markers_defaults_are_nbgraders_own():
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

    classes = {"ClearSolutions": ClearSolutions(), "ClearHiddenTests": ClearHiddenTests()}
    for section, option, default in cells.NBGRADER_DEFAULTS.values():
        assert getattr(classes[section], option) == default, f"{section}.{option}"
