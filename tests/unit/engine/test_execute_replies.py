"""The execute stage judges a cell by the kernel's reply too: a reply that is not "ok" fails
the cell even when no error output reached the notebook. Replies are built in memory, as
nbclient hands them to ``on_cell_executed``; no kernel is started."""

from __future__ import annotations

from nbformat.v4 import new_code_cell, new_output
from nbgrader.utils import determine_grade

from coursegrader.engine.execute import PREPROCESSORS
from coursegrader.engine.preprocessors.state import state
from coursegrader.engine.preprocessors.tracked_execute import TrackedExecute, judge_reply
from coursegrader.integrity.canaries import CANARY_KEY


def graded_cell(outputs=()):
    cell = new_code_cell("assert f(1) == 2, 'f(1) must be 2'", execution_count=3)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "t1",
                                 "points": 2}
    cell.outputs = list(outputs)
    return cell


def reply(status, **content):
    return {"content": {"status": status, **content}}


def executed(cell, execute_reply):
    """``cell`` after TrackedExecute's hook saw ``execute_reply``, and the stage's notes."""
    pp = TrackedExecute()
    pp._state = state({})
    # nbclient calls the hook through the attribute, as here
    pp.on_cell_executed(cell=cell, cell_index=0, execute_reply=execute_reply)
    return cell, pp._state["notes"]


def test_an_error_reply_whose_output_was_cleared_fails_the_cell():
    # e.g. clear_output() in a post_run_cell callback, after the error was published
    cell, notes = executed(graded_cell(), reply(
        "error", ename="AssertionError", evalue="f(1) must be 2",
        traceback=["an earlier cell's traceback", "assert hidden_line()"]))
    (out,) = cell.outputs
    assert (out.output_type, out.ename, out.evalue) == ("error", "AssertionError",
                                                        "f(1) must be 2")
    assert out.traceback == ["AssertionError: f(1) must be 2"]  # no stale traceback
    assert determine_grade(cell) == (0, 2)
    assert notes == ["t1: the kernel replied 'error' but no error output reached the notebook "
                     "(cleared or never published); the cell counts as failed"]


def test_an_error_reply_with_an_empty_traceback_fails_the_cell():
    # a showtraceback that publishes nothing: ipykernel's reply still says "error"
    cell, notes = executed(graded_cell([new_output("stream", name="stdout", text="hi\n")]),
                           reply("error", ename="ValueError", evalue="bad", traceback=[]))
    assert [o.output_type for o in cell.outputs] == ["stream", "error"]
    assert determine_grade(cell) == (0, 2) and len(notes) == 1


def test_an_aborted_reply_fails_the_cell():
    cell, notes = executed(graded_cell(), reply("aborted"))
    (out,) = cell.outputs
    assert out.ename == "CellNotRun" and "aborted" in out.evalue
    assert determine_grade(cell) == (0, 2) and "'aborted'" in notes[0]


def test_an_error_the_notebook_shows_is_left_as_it_is():
    error = new_output("error", ename="AssertionError", evalue="f(1) must be 2",
                       traceback=["line 1", "AssertionError: f(1) must be 2"])
    cell, notes = executed(graded_cell([error]), reply(
        "error", ename="AssertionError", evalue="f(1) must be 2", traceback=["x"]))
    assert cell.outputs == [error] and notes == []


def test_an_ok_reply_changes_nothing():
    cell, notes = executed(graded_cell(), reply("ok"))
    assert cell.outputs == [] and notes == []
    assert determine_grade(cell) == (2, 2)


def test_a_canary_gets_its_error_but_no_note():
    canary = new_code_cell('assert False, "token"')
    canary.metadata[CANARY_KEY] = "t1"
    cell, notes = executed(canary, reply("error", ename="AssertionError", evalue="token",
                                         traceback=[]))
    assert cell.outputs[0].evalue == "token" and notes == []


def test_the_hook_is_part_of_the_execute_stage():
    assert TrackedExecute in PREPROCESSORS
    assert judge_reply(new_code_cell("x = 1"), None, False) is None
