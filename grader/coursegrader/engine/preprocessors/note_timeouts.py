"""NoteTimeouts: the instructor is told which runs hit the per-cell time limit."""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

from coursegrader.engine.preprocessors.state import state


class NoteTimeouts(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error" and out.get("ename") == "CellTimeoutError":
                    state(resources)["notes"].append(
                        "a cell ran past the time limit and was interrupted")
                    return nb, resources
        return nb, resources
