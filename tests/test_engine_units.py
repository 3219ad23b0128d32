"""Unit tests of the grading engine's pieces: each preprocessor of the execute stage, the
sanitize helpers, cell metadata, the sandbox hooks and the summaries. Notebooks are built in
memory (nbgrader's own tests/preprocessors/ do the same); no kernel is started here."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from coursegrader.course import cells
from coursegrader.engine import execute, sanitize
from coursegrader.engine.model import SubmissionResult
from coursegrader.engine.preprocessors.add_canaries import AddCanaries
from coursegrader.engine.preprocessors.char_limit_output import CUT_NOTE, CharLimitOutput
from coursegrader.engine.preprocessors.check_canaries import CheckCanaries
from coursegrader.engine.preprocessors.mark_unrun_cells import MarkUnrunCells
from coursegrader.engine.preprocessors.note_limits import NoteLimits
from coursegrader.engine.preprocessors.note_timeouts import NoteTimeouts
from coursegrader.engine.preprocessors.state import state
from coursegrader.engine.preprocessors.tracked_execute import TrackedExecute
from coursegrader.integrity.canaries import CANARY_KEY


def make_test_cell(grade_id="t1", points=2, source="assert f() == 1"):
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                 "grade_id": grade_id, "points": points}
    return cell


def answer_cell(grade_id="a1", source="def f():\n    return 1"):
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": False, "solution": True, "grade_id": grade_id}
    return cell


def notebook(*cells_):
    nb = new_notebook()
    nb.cells = list(cells_)
    return nb


def run(pp, nb, resources=None, **config):
    from traitlets.config import Config

    resources = resources if resources is not None else {}
    return pp(config=Config(config))(nb, resources)


# --------------------------------------------------------------------- cells.py


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


# --------------------------------------------------------------------- execute stage


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


def _fake_runs(monkeypatch, behaviour):
    """Replace the kernel run under TrackedExecute by ``behaviour(self, nb, attempt)``."""
    from nbconvert.preprocessors import ExecutePreprocessor

    calls = []

    def fake(self, nb, resources=None, km=None):
        calls.append(1)
        behaviour(self, nb, len(calls))
        return nb, resources

    monkeypatch.setattr(ExecutePreprocessor, "preprocess", fake)
    return calls


def test_a_kernel_that_fails_to_start_gets_one_more_run(monkeypatch):
    def flaky(self, nb, attempt):
        if attempt == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")
        self._state["done"].add(0)

    calls = _fake_runs(monkeypatch, flaky)
    _, resources = run(TrackedExecute, notebook(new_code_cell("x = 1")))
    st = resources["coursegrader"]
    assert len(calls) == 2 and st["error"] is None
    assert any("failed to start" in note for note in st["notes"])
    assert not any("kernel stopped" in note for note in st["notes"])


def test_a_kernel_that_never_starts_fails_the_submission_with_the_reason(tmp_path,
                                                                        monkeypatch):
    """Not one cell ran, twice: the machine's fault, not the student's. The submission fails
    with the reason (the instructor grades it again), instead of a grade of 0."""
    import nbformat

    def dead(self, nb, attempt):
        raise RuntimeError("Kernel died before replying to kernel_info")

    calls = _fake_runs(monkeypatch, dead)
    path = tmp_path / "lesson.ipynb"
    nbformat.write(notebook(new_code_cell("x = 1")), path)
    result = execute.execute_notebook(str(path), "alice", "lesson")
    assert len(calls) == 2
    assert not result.ok
    assert result.error.startswith("the kernel could not start (RuntimeError: Kernel died")


def test_a_submission_that_crashes_its_kernel_is_not_run_twice(monkeypatch):
    def crash(self, nb, attempt):
        self._state["done"].add(0)
        raise RuntimeError("DeadKernelError: Kernel died")

    calls = _fake_runs(monkeypatch, crash)
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

    _fake_runs(monkeypatch, out_of_memory)
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


def test_execute_config_uses_the_sandbox_only_when_on():
    from traitlets.config import Config

    from coursegrader.sandbox.manager import SandboxedKernelManager

    base = Config({"Execute": {"timeout": 5}})
    on = execute.execute_config(base, sandbox=True, limits={"memory_limit": 2 * 1024**3})
    assert on.Execute.kernel_manager_class is SandboxedKernelManager
    assert on.Execute.timeout == 5 and on.SandboxedKernelManager.memory_limit == 2 * 1024**3
    assert "kernel_manager_class" not in base.Execute, "the course's config is left alone"
    off = execute.execute_config(base, sandbox=False)
    assert "kernel_manager_class" not in off.Execute and off.Execute.timeout == 5


# --------------------------------------------------------------------- sanitize helpers


def test_read_timestamp(tmp_path):
    from coursegrader.nbg.stages import read_timestamp

    assert read_timestamp(tmp_path) == (None, "")
    (tmp_path / "timestamp.txt").write_text("")
    stamp, note = read_timestamp(tmp_path)
    assert stamp is None and "empty" in note
    (tmp_path / "timestamp.txt").write_text("2026-01-15 10:00:00.000000 UTC\n")
    stamp, note = read_timestamp(tmp_path)
    assert (stamp.year, stamp.hour, note) == (2026, 10, "")
    (tmp_path / "timestamp.txt").write_text("But I want to be a timestamp string :(")
    with pytest.raises(ValueError, match="does not hold a time"):
        read_timestamp(tmp_path)
    (tmp_path / "timestamp.txt").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ValueError, match="cannot be read"):
        read_timestamp(tmp_path)


def test_preflight(tmp_path):
    nbformat.write(notebook(make_test_cell()), tmp_path / "my copy.ipynb")
    reason, notes = sanitize.preflight(tmp_path, ["lesson"])
    assert reason == "" and (tmp_path / "lesson.ipynb").exists() and "my copy" in notes[0]
    (tmp_path / "lesson.ipynb").write_text("{not json")
    reason, _ = sanitize.preflight(tmp_path, ["lesson"])
    assert "not valid JSON" in reason
    (tmp_path / "lesson.ipynb").write_text("")
    assert "is empty" in sanitize.preflight(tmp_path, ["lesson"])[0]
    # two notebooks expected: one present is enough (the other scores 0, as in nbgrader)
    two = tmp_path / "two"
    two.mkdir()
    nbformat.write(notebook(make_test_cell()), two / "problem1.ipynb")
    assert sanitize.preflight(two, ["problem1", "problem2"]) == ("", [])
    assert "no notebook named" in sanitize.preflight(two, ["other", "another"])[0]


def test_reason_and_warnings_from_an_nbgrader_log():
    log = ("[WARNING] Cell with id 'x' exists multiple times!\n"
           "[ERROR] There was an error processing assignment\n"
           "nbformat.reader.NotJSONError: Notebook does not appear to be JSON: '{'\n")
    assert sanitize.reason_from_log(log).startswith("nbformat.reader.NotJSONError")
    assert sanitize.warnings(log) == ["Cell with id 'x' exists multiple times!"]
    assert sanitize.reason_from_log("") == "unknown error"


# --------------------------------------------------------------------- summaries and CLI


def _autograded(sandbox=True, generated=False):
    from coursegrader.workflow import Autograded

    ok = SubmissionResult("01-x", "ada", True, 3, 4, notes=["a note"])
    bad = SubmissionResult("01-x", "ben", False, error="timestamp.txt does not hold a time")
    return Autograded("01-x", {"ada": ok, "ben": bad}, 1.5, sandbox, generated)


def test_summary_says_when_the_sandbox_was_off():
    from coursegrader.report import SANDBOX_OFF, summarize

    off = summarize(_autograded(sandbox=False)).splitlines()
    assert off[0] == SANDBOX_OFF
    assert SANDBOX_OFF.startswith("WARNING: the kernel sandbox was off")
    on = summarize(_autograded(generated=True))
    assert SANDBOX_OFF not in on and "not in the gradebook: generated it" in on
    assert "ben" in on and "failed" in on and "timestamp.txt" in on and "note: a note" in on


def test_cli_stops_when_the_sandbox_cannot_run(monkeypatch, capsys):
    from coursegrader import cli
    from coursegrader.engine import pipeline
    from coursegrader.sandbox import bwrap

    def unavailable():
        raise bwrap.SandboxUnavailable(
            "unprivileged user namespaces are switched off on this machine")

    monkeypatch.setattr(bwrap, "check_available", unavailable)
    monkeypatch.setattr(pipeline, "_sandbox_checked", False)
    assert cli.main(["autograde", "01-python-classes"]) == 1
    assert "user namespaces" in capsys.readouterr().err


def test_cli_offers_no_sandbox(capsys):
    from coursegrader import cli

    with pytest.raises(SystemExit):
        cli.main(["autograde", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--no-sandbox" in out
    assert "run student code without the kernel sandbox (unsafe: only for your own " \
           "trusted notebooks)" in out


def test_faster_gradebook_keeps_nbgraders_checks_and_puts_everything_back(tmp_path):
    import jsonschema
    import nbgrader.api
    import nbgrader.nbgraderformat.common as common
    from nbgrader.api import Gradebook
    from nbgrader.nbgraderformat import MetadataValidator

    from coursegrader.nbg.gradebook import faster_gradebook

    good = make_test_cell()
    good.metadata["nbgrader"]["schema_version"] = 3
    bad = make_test_cell()
    bad.metadata["nbgrader"].update(schema_version=3, points="many")
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with faster_gradebook():
        validator = MetadataValidator()
        validator.validate_cell(good)
        with pytest.raises(jsonschema.ValidationError):
            validator.validate_cell(bad)
        with Gradebook(url) as one, Gradebook(url) as two:
            assert one.engine is two.engine  # one engine per database
            one.add_student("ada")
            assert two.find_student("ada").id == "ada"
    assert common.jsonschema is jsonschema
    with Gradebook(url) as one, Gradebook(url) as two:
        assert one.engine is not two.engine
    assert nbgrader.api.create_engine.__module__.startswith("sqlalchemy")


def test_a_lesson_without_source_must_be_released_first(tmp_path):
    from coursegrader.course.config import grading_environment
    from coursegrader.errors import CourseError
    from coursegrader.nbg.api import make_api
    from coursegrader.nbg.gradebook import lesson_in_gradebook
    from coursegrader.nbg.lessons import ensure_lesson

    with grading_environment(tmp_path):
        api = make_api()
        assert not lesson_in_gradebook(api, "99-no-such-lesson")
        with pytest.raises(CourseError, match="run `course release 99-no-such-lesson` first"):
            ensure_lesson(api, "99-no-such-lesson")
