"""Student notebooks without the test tooling's comments.

Some demonstration cells of the instructor notebooks start with ``# NBVAL_CHECK_OUTPUT``:
nbval compares their printed output with the stored one when CI runs the notebooks. A
student has nothing to do with that line, so ``StripToolingComments`` runs first in
nbgrader's GenerateAssignment (see grader/nbgrader_config.py) and removes it from the student
version. It touches only cells nbgrader does not track (no ``nbgrader`` metadata), so the
checksums and the gradebook's copies of answer and test cells stay as they were.
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import List, Unicode

from coursegrader.course import cells


def strip_lines(source: str, comments: list[str]) -> str:
    """``source`` without the lines that are exactly one of ``comments`` (spaces aside)."""
    kept = [line for line in source.splitlines() if line.strip() not in comments]
    return "\n".join(kept)


class StripToolingComments(NbGraderPreprocessor):
    """nbgrader preprocessor: no nbval markers in the notebooks students get."""

    comments = List(
        Unicode(),
        default_value=["# NBVAL_CHECK_OUTPUT"],
        help="Whole-line comments, meant for the test tools, removed from untracked code cells.",
    ).tag(config=True)

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if cell.get("cell_type") == "code" and not cells.meta(cell):
                cell["source"] = strip_lines(cell.get("source", ""), list(self.comments))
        return nb, resources
