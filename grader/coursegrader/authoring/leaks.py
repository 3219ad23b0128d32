"""Checks on the course itself: nothing secret leaks into a student notebook."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

from coursegrader.course import cells

SOLUTION_RE = cells.solution_re()
HIDDEN_RE = cells.hidden_re()
MARKERS = cells.markers()


@dataclass(frozen=True)
class Leak:
    cell_id: str
    kind: str  # "solution", "hidden test" or "marker"
    text: str

    def __str__(self) -> str:
        return f"cell {self.cell_id}: {self.kind} text in the student notebook: {self.text!r}"


# the rule for the lines of a secret block worth looking for lives with the markers: the
# feedback filter (integrity/hidden_text.py) uses it too
_meaningful_lines = cells.meaningful_lines


def secret_blocks(source_nb) -> list[tuple[str, str, str, set[str]]]:
    """(cell id, kind, text, public lines) of every solution and hidden-test block."""
    blocks = []
    for cell in source_nb.cells:
        public_text = HIDDEN_RE.sub("", SOLUTION_RE.sub("", cell.source))
        public = {line.strip() for line in public_text.splitlines()}
        for kind, pattern in (("solution", SOLUTION_RE), ("hidden test", HIDDEN_RE)):
            for match in pattern.finditer(cell.source):
                blocks.append((cell.get("id", "?"), kind, match.group(1), public))
    return blocks


def find_leaks(source_path: Path, student_path: Path) -> list[Leak]:
    """Every solution or hidden-test line of ``source_path`` that ``student_path`` still has.

    A secret line counts as leaked when it appears in the student cell with the same id
    (where the answer used to be), or when a whole secret block appears anywhere. Any of
    nbgrader's markers left in the student notebook is a leak too.
    """
    source = nbformat.read(source_path, as_version=4)
    student = nbformat.read(student_path, as_version=4)
    by_id = {cell.get("id"): cell.source for cell in student.cells}
    everything = "\n".join(cell.source for cell in student.cells)
    leaks: list[Leak] = []
    for cell_id, kind, block, public in secret_blocks(source):
        student_lines = {line.strip() for line in by_id.get(cell_id, "").splitlines()}
        for line in _meaningful_lines(block, public):
            if line in student_lines:
                leaks.append(Leak(cell_id, kind, line))
        stripped = block.strip()
        if stripped and stripped in everything:
            leaks.append(Leak(cell_id, kind, stripped[:80]))
    for cell in student.cells:
        for marker in MARKERS:
            if marker in cell.source:
                leaks.append(Leak(cell.get("id", "?"), "marker", marker))
    return leaks
