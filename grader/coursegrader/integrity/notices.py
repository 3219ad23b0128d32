"""Notes for the instructor (not reasons to withhold a grade): which cells a student wrote
use the file system's neighbours, the network or other processes."""

from __future__ import annotations

import ast

from coursegrader.course import cells
from coursegrader.integrity.scan import _parse

# Modules and calls that reach outside the notebook. They are not cheating in themselves,
# and the sandbox stops what they could do while grading; the instructor is told, to look.
NOTICE_MODULES = ("sqlite3", "socket", "subprocess", "multiprocessing", "urllib", "http",
                  "requests", "ssl", "pty", "signal")
NOTICE_CALLS = ("fork", "forkpty", "system", "popen", "kill", "killpg", "setsid", "execv",
                "execve", "spawnv")


def notice_submission(nb, released=None) -> list[str]:
    """Notes for the instructor (not reasons to withhold a grade): which cells a student
    wrote use the file system's neighbours, the network or other processes."""
    lesson_sources = {c.source.strip() for c in released.cells} if released is not None else set()
    notes = []
    for index, cell in enumerate(nb.cells):
        meta = cells.meta(cell)
        if cell.cell_type != "code" or meta.get("locked") or cells.is_test(cell) \
                or cell.source.strip() in lesson_sources:
            continue
        tree = _parse(cell.source)
        if tree is None:
            continue
        used = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [
                    node.module or ""]
                used += [n.split(".")[0] for n in names if n.split(".")[0] in NOTICE_MODULES]
            elif isinstance(node, ast.Attribute) and node.attr in NOTICE_CALLS and isinstance(
                    node.value, ast.Name) and node.value.id == "os":
                used.append(f"os.{node.attr}")
        if used:
            where = f"cell {index + 1}" + (f" ({meta['grade_id']})" if meta.get("grade_id") else "")
            notes.append(f"{where} uses {', '.join(dict.fromkeys(used))}")
    return notes
