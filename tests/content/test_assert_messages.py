"""Every assertion a student can meet carries a message that says what to fix.

Parses the test cells of every instructor notebook (hidden tests included, since their
messages reach the student through the feedback) with ``ast``; no notebook is executed.
"""

from __future__ import annotations

import ast

import nbformat
import pytest

from coursegrader.course import cells
from coursegrader.course.paths import lesson_notebook, lessons


def _python(source: str) -> str:
    """The cell's source without IPython's magics and shell escapes (not Python)."""
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )


def bare_asserts(source: str) -> list[int]:
    """Line numbers of the ``assert`` statements in ``source`` that carry no message."""
    tree = ast.parse(_python(source))
    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Assert) and node.msg is None]


def test_bare_asserts_are_found():
    """The check itself can fail: a bare assert is reported, one with a message is not."""
    src = "%matplotlib inline\nx = 1\nassert x == 1\nassert x, 'x should be set'\n"
    assert bare_asserts(src) == [3], "bare_asserts should report the assert on line 3 only"
    nested = "def check():\n    for v in (1, 2):\n        assert v\n"
    assert bare_asserts(nested) == [3], "asserts inside functions and loops count too"


@pytest.mark.parametrize("lesson", lessons())
def test_every_assert_in_a_test_cell_has_a_message(lesson):
    nb = nbformat.read(lesson_notebook(lesson), as_version=4)
    bare = {
        cells.grade_id(cell): lines
        for cell in nb.cells
        if cells.is_test(cell) and (lines := bare_asserts(cell.source))
    }
    assert not bare, (
        f"{lesson}: test cells with an assert that has no message (grade_id: line numbers): "
        f"{bare}. Add a message that tells the student what to fix."
    )
