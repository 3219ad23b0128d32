"""RepairDuplicates (sanitize stage): duplicated grade_ids (a student copied a cell)."""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

from coursegrader.course import cells


class RepairDuplicates(NbGraderPreprocessor):
    """Keep nbgrader's choice -- the last copy stays the graded cell -- but turn the earlier
    copies into ordinary cells. nbgrader's DeduplicateIds leaves them with empty nbgrader
    metadata, which then fails the whole submission with a misleading "Outdated schema
    version" (#1083, #1941)."""

    def preprocess(self, nb, resources):
        seen = set()
        for cell in reversed(nb.cells):
            meta = cells.meta(cell)
            if not (meta.get("grade") or meta.get("solution") or meta.get("locked")):
                continue
            grade_id = meta.get("grade_id")
            if grade_id in seen:
                self.log.warning("Cell with id '%s' exists multiple times: kept the last", grade_id)
                del cell.metadata["nbgrader"]
            seen.add(grade_id)
        return nb, resources
