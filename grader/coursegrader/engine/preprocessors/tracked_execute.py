"""TrackedExecute: nbgrader's Execute, recording which cells ran and how long the kernel
took to start; a kernel that dies is reported, not raised; one more run when it never
started; a cell whose reply is not "ok" fails even without an error output."""

from __future__ import annotations

import time

import nbformat
from jupyter_core.utils import run_sync
from nbgrader.preprocessors import Execute

from coursegrader.course import cells
from coursegrader.engine.preprocessors.state import state
from coursegrader.integrity.canaries import CANARY_KEY
from coursegrader.nbg.stages import grading_env


class TrackedExecute(Execute):
    """nbgrader's Execute that records the index of every cell that ran, the time the kernel
    took to start, and keeps the kernel manager (the sandbox's tells why a kernel stopped);
    never raises: the error goes to the state.

    Both through nbclient's own hooks: ``on_notebook_start`` runs once the kernel has
    started and answered its first request (so both count as kernel start-up), and
    ``on_cell_executed`` after each cell's reply.
    """

    def __init__(self, *args, **kwargs):
        # nbgrader's Execute passes kernel_manager_class=AsyncKernelManager as a keyword,
        # which beats the config: give the configured class back its say.
        configured = self.config_value("kernel_manager_class", kwargs.get("config"))
        if configured is not None:
            kwargs["kernel_manager_class"] = configured
        super().__init__(*args, **kwargs)
        self.on_notebook_start = self._kernel_ready
        self.on_cell_executed = self._cell_executed

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
        if hasattr(self.last_km, "record_cells"):
            # the test cells: the audit hook looks closer when they run (which library
            # modules and classes hold student code)
            from coursegrader.integrity.kernel_record import cell_file

            self.last_km.record_cells = [cell_file(s) for s in self._test_sources]
            self.last_km.record_canaries = [cell_file(s) for s in self._canary_sources]
        return self.last_km

    def _kernel_ready(self, notebook=None, **kwargs) -> None:
        timings = self._state["timings"]
        timings["kernel_start"] = (timings.get("kernel_start", 0.0)
                                   + time.perf_counter() - self._attempt_start)

    def _cell_executed(self, cell=None, cell_index=None, execute_reply=None, **kwargs) -> None:
        shown = has_error_output(cell)
        if execute_reply is not None:
            # nbgrader's own hook, which the instance attribute set above hides: it adds the
            # reply's error to a cell that has no error output of that name
            Execute.on_cell_executed(self, cell=cell, cell_index=cell_index,
                                     execute_reply=execute_reply)
        self._state["done"].add(cell_index)
        note = judge_reply(cell, execute_reply, shown)
        if note and CANARY_KEY not in cell.metadata:  # a canary speaks for itself
            self._state["notes"].append(note)

    # The kernel's record (sandbox/audit.py): the part of it written while each cell ran,
    # from the moment the cell is sent to the moment its reply is back. Every record of a
    # cell is in the pipe before that reply: the audit hook writes before the event.
    async def async_execute_cell(self, cell, cell_index, execution_count=None,
                                 store_history=True):
        mark = getattr(self.km, "record_mark", None)
        start = mark() if callable(mark) else None
        try:
            return await super().async_execute_cell(cell, cell_index, execution_count,
                                                    store_history)
        finally:
            if start is not None:
                self._state["windows"][cell_index] = (start, mark())

    # nbclient binds its synchronous execute_cell to its own async_execute_cell
    execute_cell = run_sync(async_execute_cell)

    def preprocess(self, nb, resources=None, km=None):
        self._state = st = state(resources)
        self.last_km = None
        with grading_env():
            self._test_sources = [c.source for c in nb.cells if cells.is_test(c)]
            self._canary_sources = [c.source for c in nb.cells if c.cell_type == "code"
                                    and CANARY_KEY in c.get("metadata", {})]
            for attempt in (1, 2):
                st["error"] = None
                st["windows"] = {}
                self._attempt_start = time.perf_counter()
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


def has_error_output(cell) -> bool:
    return any(out.get("output_type") == "error" for out in cell.get("outputs", []))


def judge_reply(cell, reply, shown: bool) -> str | None:
    """A cell fails when the kernel's reply says so, whatever reached the notebook: student
    code can clear the error output (``clear_output`` in an event callback) or stop it from
    being published (a replaced ``showtraceback``), and a kernel can answer "aborted"
    without running the cell. ``shown``: the cell had an error output before nbgrader's hook
    looked at the reply. A reply that is not "ok" gets the cell an error output if it has
    none (nbgrader then scores it 0). Returns a note for the instructor, or None."""
    content = (reply or {}).get("content") or {}
    status = content.get("status", "ok")
    if status == "ok" or shown:
        return None
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            # what nbgrader took from the reply: its traceback is the shell's last one,
            # which may be an earlier cell's
            out["traceback"] = [f"{out.get('ename')}: {out.get('evalue')}"]
    if not has_error_output(cell):
        ename = str(content.get("ename") or "CellNotRun")
        evalue = str(content.get("evalue") or f"the kernel replied {status!r} to this cell")
        cell.outputs.append(nbformat.v4.new_output(
            "error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"]))
    name = cells.grade_id(cell) or f"a cell (execution count {cell.get('execution_count')})"
    return (f"{name}: the kernel replied {status!r} but no error output reached the notebook "
            "(cleared or never published); the cell counts as failed")
