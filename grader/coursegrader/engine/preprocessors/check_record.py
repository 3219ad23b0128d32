"""CheckRecord: every test cell and canary checked against what the kernel really ran, and
what student code did to the kernel, from the audit hook's record (integrity/kernel_record.py).

Runs right after TrackedExecute, while the canaries are still in the notebook (they are
checked too) and every cell has the index it had when it ran. With a kernel manager that
keeps no record (the sandbox off, or its ``record_kernel`` off) it does nothing.
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

from coursegrader.course import cells
from coursegrader.engine.preprocessors.state import state
from coursegrader.integrity.canaries import CANARY_KEY
from coursegrader.integrity.kernel_record import Cell, judge
from coursegrader.integrity.scan import code_scanner


def labelled(nb) -> list[Cell]:
    """Every code cell with the name the instructor reads: "test cell ex2-clip-test",
    "the canary after ex2-clip-test", "cell 7 (ex2-clip)" (numbered as the student's
    notebook is, without the canaries)."""
    out, number = [], 0
    for index, cell in enumerate(nb.cells):
        canary = CANARY_KEY in cell.get("metadata", {})
        number += 0 if canary else 1
        if cell.cell_type != "code":
            continue
        grade_id = cells.grade_id(cell)
        if canary:
            label, checked = f"the canary after {cell.metadata[CANARY_KEY]}", True
        elif cells.is_test(cell):
            label, checked = f"test cell {grade_id}", True
        else:
            label = f"cell {number}" + (f" ({grade_id})" if grade_id else "")
            checked = False
        failed = any(out.get("output_type") == "error" for out in cell.get("outputs", []))
        out.append(Cell(index, label, cell.source, checked, failed))
    return out


class CheckRecord(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        st = state(resources)
        take = getattr(st.get("km"), "take_record", None)
        record = take() if callable(take) else None
        if record is None:
            return nb, resources
        data, key, complete = record
        ran = [c for c in labelled(nb) if c.index in st["done"]]
        verdict = judge(data, key, st.get("windows", {}), ran, code_scanner(nb))
        if not complete:
            verdict.review.append("the grader's record of what the kernel ran is incomplete "
                                  "(more than it may write, or a process kept it open)")
        st["record_review"] = verdict.review
        st["notes"] += verdict.notes
        return nb, resources
