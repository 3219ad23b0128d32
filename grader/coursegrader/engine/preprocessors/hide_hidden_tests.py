"""Feedback for students that keeps hidden tests hidden.

nbgrader's feedback is the autograded notebook as HTML, and the autograded notebook holds the
full test cells, hidden tests included (nbgrader issues #917, #1363): a student could read
them in the feedback and pass them next time without doing the work. ``HideHiddenTests``
runs first in nbgrader's GenerateFeedback (see grader/nbgrader_config.py): in every test cell it
replaces the hidden block by a one-line note and cuts tracebacks down to their last line, so
the student still sees which test failed and its assertion message, never the hidden code.
Then it removes the text of every hidden test from every output of every cell
(integrity/hidden_text.py): code in the kernel can print what the kernel ran (``print(In)``).
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

from coursegrader.course import cells
from coursegrader.integrity.hidden_text import HiddenText

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
        # the hidden lines are read before the hidden blocks are cut out of the sources
        hidden = HiddenText.of(nb, gradebook_sources(resources, self.log))
        for cell in nb.cells:
            hide_hidden_tests(cell)
        removed = hidden.clean_notebook(nb)
        if removed:
            self.log.warning("Removed hidden-test text from %d output(s) of the feedback",
                             removed)
        return nb, resources


def gradebook_sources(resources, log=None) -> list[str]:
    """The gradebook's copy of every cell of this notebook (hidden tests included): a test
    cell missing from the autograded notebook still has its hidden lines looked for."""
    info = (resources or {}).get("nbgrader") or {}
    if not info.get("db_url"):
        return []
    try:
        from nbgrader.api import Gradebook

        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            return [cell.source or "" for cell in notebook.source_cells]
    except Exception as err:  # the notebook's own test cells are still searched
        if log is not None:
            log.warning("Could not read the hidden tests from the gradebook: %s", err)
        return []
