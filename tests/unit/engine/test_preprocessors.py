"""The execute stage's preprocessors (engine/preprocessors/), one behaviour per test, on
notebooks built in memory; no kernel is started here (nbclient's run is replaced)."""

from __future__ import annotations

from memory_notebooks import answer_cell, fake_kernel_runs, make_test_cell, notebook, run
from nbformat.v4 import new_code_cell, new_output

from coursegrader.engine.preprocessors.add_canaries import AddCanaries
from coursegrader.engine.preprocessors.char_limit_output import CUT_NOTE, CharLimitOutput
from coursegrader.engine.preprocessors.check_canaries import CheckCanaries
from coursegrader.engine.preprocessors.mark_unrun_cells import MarkUnrunCells
from coursegrader.engine.preprocessors.note_limits import NoteLimits
from coursegrader.engine.preprocessors.note_timeouts import NoteTimeouts
from coursegrader.engine.preprocessors.state import state
from coursegrader.engine.preprocessors.tracked_execute import TrackedExecute
from coursegrader.integrity.canaries import CANARY_KEY


def test_add_and_check_canaries_pass_state_through_resources():
    nb = notebook(answer_cell(), make_test_cell())
    nb, resources = run(AddCanaries, nb)
    token = resources["coursegrader"]["token"]
    assert len(nb.cells) == 3 and CANARY_KEY in nb.cells[2].metadata
    nb.cells[2].outputs = [new_output("error", ename="AssertionError", evalue=token,
                                      traceback=[])]
    nb, resources = run(CheckCanaries, nb, resources)
    assert len(nb.cells) == 2 and resources["coursegrader"]["tampered"] == []


def test_a_canary_that_passes_flags_its_test():
    nb, resources = run(AddCanaries, notebook(make_test_cell("t7")))
    nb.cells[1].outputs = []  # the canary "passed": failures are hidden
    nb, resources = run(CheckCanaries, nb, resources)
    assert resources["coursegrader"]["tampered"] == ["t7"]


def test_mark_unrun_cells_after_the_kernel_stopped():
    nb, resources = run(AddCanaries, notebook(answer_cell(), make_test_cell()))
    st = resources["coursegrader"]
    st["error"], st["done"] = "DeadKernelError: Kernel died", {0}
    nb, resources = run(MarkUnrunCells, nb, resources)
    assert nb.cells[0].outputs == []
    assert nb.cells[1].outputs[0]["ename"] == "KernelDied"
    assert nb.cells[2].outputs[0]["evalue"] == st["token"]  # the canary counts as failed
    nb, resources = run(CheckCanaries, nb, resources)
    assert resources["coursegrader"]["tampered"] == []


def test_mark_unrun_cells_leaves_a_finished_run_alone():
    nb = notebook(make_test_cell())
    nb, _ = run(MarkUnrunCells, nb, {"coursegrader": state({})})
    assert nb.cells[0].outputs == []


def test_note_timeouts():
    cell = make_test_cell()
    cell.outputs = [new_output("error", ename="CellTimeoutError", evalue="", traceback=[])]
    _, resources = run(NoteTimeouts, notebook(cell))
    assert "time limit" in resources["coursegrader"]["notes"][0]
    _, resources = run(NoteTimeouts, notebook(make_test_cell()))
    assert state(resources)["notes"] == []


def test_char_limit_output_cuts_a_long_line():
    cell = new_code_cell("print('x' * 50)")
    cell.outputs = [new_output("stream", name="stdout", text="x" * 50)]
    nb, resources = run(CharLimitOutput, notebook(cell),
                        CharLimitOutput={"max_chars": 10})
    assert nb.cells[0].outputs[0]["text"] == "x" * 10 + CUT_NOTE
    assert "longer than 10 characters" in resources["coursegrader"]["notes"][0]
    short = new_code_cell("print(1)")
    short.outputs = [new_output("stream", name="stdout", text="1\n")]
    nb, resources = run(CharLimitOutput, notebook(short))
    assert nb.cells[0].outputs[0]["text"] == "1\n" and not state(resources)["notes"]


def test_char_limit_output_keeps_nbgraders_line_limit():
    cell = new_code_cell("")
    cell.outputs = [new_output("stream", name="stdout", text="a\n" * 30)]
    nb, _ = run(CharLimitOutput, notebook(cell), CharLimitOutput={"max_lines": 5})
    assert nb.cells[0].outputs[0]["text"].count("\n") == 4


def test_a_kernel_that_fails_to_start_gets_one_more_run(monkeypatch):
    def flaky(self, nb, attempt):
        if attempt == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")
        self._state["done"].add(0)

    calls = fake_kernel_runs(monkeypatch, flaky)
    _, resources = run(TrackedExecute, notebook(new_code_cell("x = 1")))
    st = resources["coursegrader"]
    assert len(calls) == 2 and st["error"] is None
    assert any("failed to start" in note for note in st["notes"])
    assert not any("kernel stopped" in note for note in st["notes"])


def test_a_submission_that_crashes_its_kernel_is_not_run_twice(monkeypatch):
    def crash(self, nb, attempt):
        self._state["done"].add(0)
        raise RuntimeError("DeadKernelError: Kernel died")

    calls = fake_kernel_runs(monkeypatch, crash)
    _, resources = run(TrackedExecute, notebook(new_code_cell("x = 1")))
    assert len(calls) == 1
    assert any("kernel stopped" in note for note in resources["coursegrader"]["notes"])


def test_the_kernel_managers_limit_reason_becomes_a_note(monkeypatch):
    class LimitedKM:
        def limit_reason(self):
            return "memory limit of 4 GiB reached"

    def out_of_memory(self, nb, attempt):
        self.last_km = LimitedKM()
        self._state["done"].add(0)
        raise RuntimeError("DeadKernelError: Kernel died")

    fake_kernel_runs(monkeypatch, out_of_memory)
    nb, resources = run(TrackedExecute, notebook(new_code_cell("x = 1")))
    nb, resources = NoteLimits()(nb, resources)
    st = resources["coursegrader"]
    assert st["limit"] == "Stopped by the grader: memory limit of 4 GiB reached"
    assert st["notes"][0] == "memory limit of 4 GiB reached"


def test_kernel_manager_class_stays_configurable():
    from jupyter_client.manager import KernelManager
    from traitlets.config import Config

    ep = TrackedExecute(config=Config({"Execute": {"kernel_manager_class": KernelManager}}))
    assert ep.kernel_manager_class is KernelManager
    default = TrackedExecute(config=Config())
    assert default.kernel_manager_class.__name__ == "AsyncKernelManager"
