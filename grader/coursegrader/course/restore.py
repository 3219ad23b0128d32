"""Give back nbgrader's cell metadata to a notebook that an editor saved without it.

nbgrader finds answer and test cells by the ``nbgrader`` entry of each cell's metadata.
Some editors drop it: a notebook opened in Google Colab and downloaded again can come back
with Colab's own metadata only. Without it nbgrader cannot grade the notebook at all (its
OverwriteCells preprocessor fails on the first answer cell it looks for).

When *no* cell of a submission has nbgrader metadata, the cells are lined up with the
student notebook of the lesson (the release version) with :class:`difflib.SequenceMatcher`
over the cells' type and source: cells that are unchanged (text, the test cells) match
exactly, and a changed cell between two matches takes the place of the one release cell
there (an answer the student wrote). Each matched cell gets the release cell's nbgrader
metadata. A submission that has any nbgrader metadata is left as it is: deleted or edited
cells there are nbgrader's and the integrity checks' business.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import nbformat


def _key(cell) -> tuple[str, str]:
    lines = [line.rstrip() for line in cell.source.strip().splitlines()]
    return cell.cell_type, "\n".join(lines)


def restore_cell_metadata(submission, release) -> int:
    """Copy the nbgrader metadata of ``release``'s cells onto the matching cells of
    ``submission`` (both notebook nodes), if ``submission`` has none; return how many."""
    if any("nbgrader" in cell.metadata for cell in submission.cells):
        return 0
    old = [_key(c) for c in release.cells]
    new = [_key(c) for c in submission.cells]
    restored = 0
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                source, target = release.cells[i], submission.cells[j]
                if "nbgrader" in source.metadata and source.cell_type == target.cell_type:
                    target.metadata["nbgrader"] = dict(source.metadata["nbgrader"])
                    restored += 1
    return restored


def restore_file(path: Path, release_path: Path) -> int:
    """:func:`restore_cell_metadata` on a notebook file, rewritten only when something was
    restored. A notebook that cannot be read is left for the sanitize stage to report."""
    if not Path(release_path).is_file():
        return 0
    try:
        submission = nbformat.read(path, as_version=4)
    except Exception:
        return 0
    restored = restore_cell_metadata(submission, nbformat.read(release_path, as_version=4))
    if restored:
        nbformat.write(submission, path)
    return restored
