"""The execute stage: run one sanitized notebook in its kernel, as nbgrader's autograde does.

A list of preprocessors, one concern each, passing their state through
``resources["coursegrader"]`` (nbgrader's own model, see its preprocessors/):

    AddCanaries       a cell that must fail after every test cell (integrity.py)
    TrackedExecute    nbgrader's Execute, recording which cells ran; a kernel that dies is
                      reported, not raised; one more run when it never started; a cell
                      whose reply is not "ok" fails even without an error output
    MarkUnrunCells    cells after the kernel stopped get an error output (they score 0)
    CheckCanaries     which tests' failures were hidden from the grader
    NoteLimits        which limit of the sandbox stopped the code, and in which cell
    NoteTimeouts      the instructor is told which runs hit the per-cell time limit
    IgnorePattern, ClearMetadataPreprocessor (nbgrader's own output preprocessors)
    CharLimitOutput   nbgrader's LimitOutput, plus a cap on the characters of an output

Runs in the worker processes, which never touch the gradebook. The kernel is started by
nbgrader's Execute (nbclient): ``Execute.kernel_manager_class`` and the kernel manager's
own traits in the config passed here choose and configure it (the sandbox plugs in there).
"""

from __future__ import annotations

import copy
import importlib.util
import os
import time
import traceback
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import Execute, IgnorePattern, LimitOutput, NbGraderPreprocessor
from traitlets import Integer

from coursegrader import cells
from coursegrader.integrity import CANARY_KEY, add_canaries, check_canaries
from coursegrader.nbgraderio import grading_env

STATE = "coursegrader"
CUT_NOTE = "\n... output cut by the grader ..."
KERNEL_DIED = ("this cell did not run: the kernel stopped at or before it "
               "(a crash, os._exit or exit())")


def state(resources) -> dict:
    """The execute stage's shared state in ``resources`` (created on first use)."""
    return resources.setdefault(STATE, {"notes": [], "done": set(), "error": None,
                                         "tampered": [], "token": "", "timings": {}})


class AddCanaries(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        state(resources)["token"] = add_canaries(nb)
        return nb, resources


class TrackedExecute(Execute):
    """nbgrader's Execute that records the index of every cell that ran, the time the kernel
    took to start, and the kernel manager's ``limit_reason()`` (a sandbox limit) if it has
    one; never raises: the error goes to the state."""

    def __init__(self, *args, **kwargs):
        # nbgrader's Execute passes kernel_manager_class=AsyncKernelManager as a keyword,
        # which beats the config: give the configured class back its say.
        configured = self.config_value("kernel_manager_class", kwargs.get("config"))
        if configured is not None:
            kwargs["kernel_manager_class"] = configured
        super().__init__(*args, **kwargs)

    @classmethod
    def config_value(cls, name, config):
        for section in (cls.__name__, "Execute", "ExecutePreprocessor", "NotebookClient"):
            if config is not None and section in config and name in config[section]:
                return config[section][name]
        return None

    def create_kernel_manager(self):
        # nbclient forgets its kernel manager when the kernel is cleaned up: keep it, to ask
        # it afterwards why the kernel stopped
        self.last_km = super().create_kernel_manager()
        return self.last_km

    def _timed(self, start: float) -> None:
        timings = self._state["timings"]
        timings["kernel_start"] = timings.get("kernel_start", 0.0) + time.perf_counter() - start

    # nbconvert's ExecutePreprocessor uses the synchronous setup_kernel: both the kernel's
    # start and the client's wait for its first reply count as kernel start-up.
    def start_new_kernel(self, **kwargs):
        start = time.perf_counter()
        try:
            return super().start_new_kernel(**kwargs)
        finally:
            self._timed(start)

    def start_new_kernel_client(self):
        start = time.perf_counter()
        try:
            return super().start_new_kernel_client()
        finally:
            self._timed(start)

    def on_cell_executed(self, **kwargs):
        cell, reply = kwargs["cell"], kwargs.get("execute_reply")
        shown = _has_error_output(cell)
        # nbgrader's adds the reply's error to a cell that has no error output of that name
        super().on_cell_executed(**kwargs)
        self._state["done"].add(kwargs["cell_index"])
        note = judge_reply(cell, reply, shown)
        if note and CANARY_KEY not in cell.metadata:  # a canary speaks for itself
            self._state["notes"].append(note)

    def preprocess(self, nb, resources=None, km=None):
        self._state = st = state(resources)
        self.last_km = None
        with grading_env():
            for attempt in (1, 2):
                st["error"] = None
                try:
                    super().preprocess(nb, resources, km=km)
                except Exception as err:  # kernel died, could not start, ...
                    first = (str(err).strip().splitlines() or [""])[0][:200]
                    st["error"] = f"{type(err).__name__}: {first}"
                if st["error"] is None or st["done"] or attempt == 2:
                    break
                # The kernel stopped before running a single cell: a start-up failure of the
                # machine (e.g. two kernels starting at the same moment), not of the
                # submission. Such a submission gets one more run.
                st["notes"].append(f"the kernel failed to start ({st['error']}); ran it again")
        if st["error"] is not None:
            st["notes"].append(f"the kernel stopped ({st['error']})")
            # the cell the kernel was running when it stopped: a limit names it
            st["unfinished"] = next((c for i, c in enumerate(nb.cells)
                                     if c.cell_type == "code" and i not in st["done"]), None)
        st["km"] = self.last_km
        return nb, resources


def _has_error_output(cell) -> bool:
    return any(out.get("output_type") == "error" for out in cell.get("outputs", []))


def judge_reply(cell, reply, shown: bool) -> str | None:
    """A cell fails when the kernel's reply says so, whatever reached the notebook: student
    code can clear the error output (``clear_output`` in an event callback) or stop it from
    being published (a replaced ``showtraceback``), and a kernel can answer "aborted"
    without running the cell. A reply that is not "ok" gets the cell an error output if it
    has none (nbgrader then scores it 0). Returns a note for the instructor, or None."""
    content = (reply or {}).get("content") or {}
    status = content.get("status", "ok")
    if status == "ok" or shown:
        return None
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            # what nbgrader took from the reply: its traceback is the shell's last one,
            # which may be an earlier cell's
            out["traceback"] = [f"{out.get('ename')}: {out.get('evalue')}"]
    if not _has_error_output(cell):
        ename = str(content.get("ename") or "CellNotRun")
        evalue = str(content.get("evalue") or f"the kernel replied {status!r} to this cell")
        cell.outputs.append(nbformat.v4.new_output(
            "error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"]))
    name = cells.grade_id(cell) or f"a cell (execution count {cell.get('execution_count')})"
    return (f"{name}: the kernel replied {status!r} but no error output reached the notebook "
            "(cleared or never published); the cell counts as failed")


class MarkUnrunCells(NbGraderPreprocessor):
    """After the kernel stopped early, every code cell that did not run gets an error output:
    a test that never ran scores 0, and a canary that never ran counts as failed."""

    def preprocess(self, nb, resources):
        st = state(resources)
        if st["error"] is None:
            return nb, resources
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or index in st["done"]:
                continue
            if CANARY_KEY in cell.metadata:
                cell.outputs = [nbformat.v4.new_output(
                    "error", ename="NotRun", evalue=st["token"], traceback=[])]
            else:
                cell.outputs = [nbformat.v4.new_output(
                    "error", ename="KernelDied", evalue=KERNEL_DIED,
                    traceback=[f"KernelDied: {KERNEL_DIED}"])]
        return nb, resources


class CheckCanaries(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        st = state(resources)
        st["tampered"] = check_canaries(nb, st["token"])
        return nb, resources


class NoteLimits(NbGraderPreprocessor):
    """Why the sandbox stopped the submission's code, and in which cell: "memory limit of
    4 GiB reached in cell 14" (sandbox.limit_notes). Runs after the canaries are removed, so
    the cell numbers are the student's."""

    def preprocess(self, nb, resources):
        st = state(resources)
        km = st.pop("km", None)
        sandbox = sandbox_module()
        finish = getattr(km, "finish", None)
        report = finish() if callable(finish) else getattr(km, "report", None)
        if sandbox is None or (report is None and not hasattr(km, "limits")):
            reason = getattr(km, "limit_reason", None)  # another kernel manager's own
            notes = [reason()] if callable(reason) and reason() else []
        else:
            unfinished = st.pop("unfinished", None)
            index = next((i for i, c in enumerate(nb.cells) if c is unfinished), None)
            notes = sandbox.limit_notes(nb, report, index)
        if notes:
            st["limit"] = "Stopped by the grader: " + "; ".join(notes)
            st["notes"][:0] = notes
        if report is not None and st["error"] is not None and not st["done"]:
            st["kernel_log"] = report.log
        return nb, resources


class NoteTimeouts(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error" and out.get("ename") == "CellTimeoutError":
                    state(resources)["notes"].append(
                        "a cell ran past the time limit and was interrupted")
                    return nb, resources
        return nb, resources


class CharLimitOutput(LimitOutput):
    """nbgrader's LimitOutput limits the number of lines; a single line can still be huge
    (print of a big tensor without newlines). Cut every text output to ``max_chars``."""

    max_chars = Integer(20_000, help="maximum characters of one text output").tag(config=True)

    def preprocess(self, nb, resources):
        nb, resources = super().preprocess(nb, resources)
        cut = False
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "stream" and len(out.get("text", "")) > self.max_chars:
                    out["text"] = out["text"][: self.max_chars] + CUT_NOTE
                    cut = True
                data = out.get("data", {})
                for mime, value in list(data.items()):
                    if isinstance(value, str) and len(value) > self.max_chars * 10:
                        data[mime] = value[: self.max_chars] + CUT_NOTE
                        cut = True
        if cut:
            state(resources)["notes"].append(
                f"outputs longer than {self.max_chars} characters were cut")
        return nb, resources


PREPROCESSORS = [AddCanaries, TrackedExecute, MarkUnrunCells, CheckCanaries, NoteLimits,
                 NoteTimeouts,
                 IgnorePattern, ClearMetadataPreprocessor, CharLimitOutput]


def sandbox_module():
    """coursegrader.sandbox where it is installed, else None."""
    if importlib.util.find_spec("coursegrader.sandbox") is None:
        return None
    import coursegrader.sandbox

    return coursegrader.sandbox


def execute_config(config, sandbox: bool = True, limits: dict | None = None):
    """The config the execute stage runs with: the course's, with the sandbox's kernel
    manager when the sandbox is on and installed (``limits``: its traits, e.g.
    ``{"memory_limit": 2 * 1024**3}``)."""
    from traitlets.config import Config

    # a deep copy: Config(config) would share its sections with the course's config
    config = copy.deepcopy(config) if config is not None else Config()
    if "shutdown_kernel" not in config.get("Execute", {}):
        # the notebook is done: no need to wait for a graceful kernel exit
        config.Execute.shutdown_kernel = "immediate"
    module = sandbox_module() if sandbox else None
    if module is not None:
        config = module.execute_config(config, **(limits or {}))
    return config


def execute_notebook(path: str, student: str, lesson: str, config=None,
                     preprocessors=None) -> dict:
    """Execute a sanitized notebook in place, as nbgrader's autograde stage would.

    Returns {"ok", "error", "tampered": [grade_ids], "notes": [...], "limit", "timings"}.
    Never raises: a broken submission must not stop the others.
    """
    start = time.perf_counter()
    resources = {
        "metadata": {"path": os.path.dirname(path)},
        "nbgrader": {"student": student, "assignment": lesson, "notebook": Path(path).stem},
    }
    st = state(resources)
    result = {"ok": True, "error": "", "limit": None}
    try:
        nb = nbformat.read(path, as_version=4)
        for pp in preprocessors or PREPROCESSORS:
            nb, resources = pp(config=config)(nb, resources)
        nbformat.write(nb, path)
    except Exception as err:
        result.update(ok=False, error=f"{type(err).__name__}: {err}")
        st["notes"].append(traceback.format_exc(limit=3))
    if result["ok"] and st["error"] is not None and not st["done"]:
        # Not one cell ran, twice: the machine could not start a kernel (a broken
        # environment, a sandbox that cannot run here), which is no fault of the student.
        # Failed, with the reason, rather than graded 0.
        log = [line for line in st.get("kernel_log", "").splitlines() if line.strip()]
        result.update(ok=False, error=f"the kernel could not start ({st['error']})"
                      + (f"; its last words: {' | '.join(log[-3:])[:400]}" if log else ""))
    total = time.perf_counter() - start
    timings = dict(st["timings"])
    timings["execution"] = total - timings.get("kernel_start", 0.0)
    result.update(tampered=list(st["tampered"]), notes=list(dict.fromkeys(st["notes"])),
                  limit=st.get("limit"), timings=timings, seconds=total)
    return result


def execute_submission(notebooks: list[str], student: str, lesson: str, config=None) -> dict:
    """Execute every notebook of one submission, one after another (nbgrader's order)."""
    runs = {Path(p).stem: execute_notebook(p, student, lesson, config) for p in notebooks}
    timings: dict[str, float] = {}
    for run in runs.values():
        for key, value in run["timings"].items():
            timings[key] = timings.get(key, 0.0) + value
    return {"notebooks": runs, "timings": timings}
