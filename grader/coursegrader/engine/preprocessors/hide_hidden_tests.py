"""Feedback for students that keeps hidden tests hidden.

nbgrader's feedback is the autograded notebook as HTML, and the autograded notebook holds the
full test cells, hidden tests included (nbgrader issues #917, #1363): a student could read
them in the feedback and pass them next time without doing the work. ``HideHiddenTests``
runs first in nbgrader's GenerateFeedback (see grader/nbgrader_config.py): in every test cell it
replaces the hidden block by a one-line note and cuts tracebacks down to their last line, so
the student still sees which test failed and its assertion message, never the hidden code.
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

from coursegrader.course import cells

HIDDEN_NOTE = "# ... hidden tests run here: they are not shown in the feedback ..."


def hide_hidden_tests(cell) -> None:
    """Remove hidden tests from one cell (source and error output) in place."""
    if cell.get("cell_type") != "code":
        return
    cell["source"] = cells.hidden_re().sub(HIDDEN_NOTE, cell.get("source", ""))
    if not cells.is_test(cell):
        return
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            message = str(out.get("evalue") or "").strip()
            if not message:
                message = "(this test failed; it gives no message)"
            out["traceback"] = [f"{out.get('ename', 'Error')}: {message}"]


class HideHiddenTests(NbGraderPreprocessor):
    """nbgrader preprocessor: no hidden test code in the feedback HTML."""

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            hide_hidden_tests(cell)
        return nb, resources
