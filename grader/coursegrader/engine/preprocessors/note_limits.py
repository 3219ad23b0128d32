"""NoteLimits: why the sandbox stopped the submission's code, and in which cell: "memory
limit of 4 GiB reached in cell 14" (sandbox/limits.py). Runs after the canaries are removed,
so the cell numbers are the student's."""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

from coursegrader.engine.preprocessors.state import state
from coursegrader.sandbox.limits import limit_notes


class NoteLimits(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        st = state(resources)
        km = st.pop("km", None)
        finish = getattr(km, "finish", None)
        report = finish() if callable(finish) else None
        if report is None:
            reason = getattr(km, "limit_reason", None)  # another kernel manager's own
            notes = [reason()] if callable(reason) and reason() else []
        else:
            unfinished = st.pop("unfinished", None)
            index = next((i for i, c in enumerate(nb.cells) if c is unfinished), None)
            notes = limit_notes(nb, report, index)
        if notes:
            st["limit"] = "Stopped by the grader: " + "; ".join(notes)
            st["notes"][:0] = notes
        if report is not None and report.cpu_seconds is not None:
            timings = st["timings"]
            timings["kernel_cpu"] = timings.get("kernel_cpu", 0.0) + report.cpu_seconds
        if report is not None and st["error"] is not None and not st["done"]:
            st["kernel_log"] = report.log
        return nb, resources
