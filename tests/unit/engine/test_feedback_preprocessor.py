"""Feedback without hidden tests (engine/preprocessors/hide_hidden_tests.py)."""

from __future__ import annotations

from memory_notebooks import make_test_cell, notebook, run
from nbformat.v4 import new_output

from coursegrader.engine.preprocessors.hide_hidden_tests import HIDDEN_NOTE, HideHiddenTests

SOURCE = ("assert f() == 1, 'f() should return 1'\n"
          "### BEGIN HIDDEN TESTS\nassert f() + f() == 2, 'twice'\n### END HIDDEN TESTS\n")


def test_the_hidden_block_becomes_a_note():
    nb, _ = run(HideHiddenTests, notebook(make_test_cell(source=SOURCE)))
    source = nb.cells[0].source
    assert HIDDEN_NOTE in source and "f() + f()" not in source
    assert source.startswith("assert f() == 1, 'f() should return 1'")


def test_a_failed_test_keeps_its_message_and_loses_its_traceback():
    cell = make_test_cell(source=SOURCE)
    cell.outputs = [new_output("error", ename="AssertionError", evalue="twice",
                               traceback=["Traceback ...", "assert f() + f() == 2, 'twice'"])]
    nb, _ = run(HideHiddenTests, notebook(cell))
    assert nb.cells[0].outputs[0]["traceback"] == ["AssertionError: twice"]
    bare = make_test_cell(source=SOURCE)
    bare.outputs = [new_output("error", ename="AssertionError", evalue="", traceback=["x"])]
    nb, _ = run(HideHiddenTests, notebook(bare))
    assert nb.cells[0].outputs[0]["traceback"] == [
        "AssertionError: (this test failed; it gives no message)"]
