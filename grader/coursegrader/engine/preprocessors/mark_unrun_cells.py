"""MarkUnrunCells: after the kernel stopped early, every code cell that did not run gets an
error output: a test that never ran scores 0, and a canary that never ran counts as failed."""

from __future__ import annotations

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor

from coursegrader.engine.preprocessors.state import state
from coursegrader.integrity.canaries import CANARY_KEY

KERNEL_DIED = ("this cell did not run: the kernel stopped at or before it "
               "(a crash, os._exit or exit())")


class MarkUnrunCells(NbGraderPreprocessor):
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
