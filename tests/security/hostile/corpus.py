"""A corpus of broken and hostile submissions, built by code from a lesson's notebooks.

``build(lesson, dest)`` writes one submission folder per case under ``dest`` and returns
{name: Case}. ``max_score`` is what the honest work in the submission deserves at most;
``reason`` is a word the instructor must see in the grading summary (None: nothing to say).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

from coursegrader.course.paths import NOTEBOOKS_DIR, lesson_notebook


@dataclass
class Case:
    max_score: float  # the most the honest work in it deserves
    reason: str | None  # text the summary must show (lower case), None if graded normally
    status: str  # "graded", "review" (automatic grade withheld) or "failed"
    control: bool = False  # without the kernel's record, it scores more than it deserves


def _cells(nb):
    return {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}


def _points(nb, *grade_ids):
    cells = _cells(nb)
    return float(sum(cells[g].metadata["nbgrader"]["points"] for g in grade_ids))


def build(lesson: str, dest: Path) -> dict[str, Case]:
    solution = nbformat.read(lesson_notebook(lesson), as_version=4)
    blank = nbformat.read(lesson_notebook(lesson, NOTEBOOKS_DIR), as_version=4)
    total = sum(
        float(c.metadata["nbgrader"].get("points", 0))
        for c in solution.cells
        if c.metadata.get("nbgrader", {}).get("grade")
    )
    cases: dict[str, Case] = {}

    def perfect():
        return nbformat.from_dict(json.loads(json.dumps(solution)))

    def empty():
        return nbformat.from_dict(json.loads(json.dumps(blank)))

    def write(name, nb_or_bytes, case, filename=f"{lesson}.ipynb"):
        folder = dest / name / lesson
        folder.mkdir(parents=True, exist_ok=True)
        if nb_or_bytes is not None:
            data = nb_or_bytes if isinstance(nb_or_bytes, bytes) else nbformat.writes(
                nb_or_bytes).encode()
            (folder / filename).write_bytes(data)
        else:
            (folder / "README.txt").write_text("I forgot the notebook\n")
        (folder / "timestamp.txt").write_text("2026-01-15 10:00:00.000000 UTC\n")
        cases[name] = case

    def prepend(nb, grade_id, code):
        cell = _cells(nb)[grade_id]
        cell.source = code + "\n" + cell.source
        return nb

    def add_cell(nb, code, after="ex1-running-mean"):
        index = nb.cells.index(_cells(nb)[after]) + 1
        nb.cells.insert(index, nbformat.v4.new_code_cell(code))
        return nb

    # --- runaway code: the kernel must survive or the damage must stay local
    write("infinite-loop", add_cell(perfect(), "while True:\n    pass"),
          Case(total, "time limit", "graded"))
    write("sys-exit", prepend(perfect(), "ex2-clip", "import sys\nsys.exit(0)"),
          Case(total - _points(solution, "ex2-clip-test"), None, "graded"))
    before_ex3 = _points(solution, "ex1-running-mean-test", "ex2-clip-test")
    write("os-exit", prepend(perfect(), "ex3-affine", "import os\nos._exit(0)"),
          Case(before_ex3, "kernel stopped", "graded"))
    before_ex4 = before_ex3 + _points(solution, "ex3-affine-test")
    write("kernel-kill", prepend(perfect(), "ex4-tracked", "import os\nos.kill(os.getpid(), 9)"),
          Case(before_ex4, "kernel stopped", "graded"))
    write("megabytes", add_cell(perfect(), 'print("x" * 5_000_000)\nprint("y\\n" * 200_000)'),
          Case(total, "cut", "graded"))

    # --- the notebook's structure changed by hand
    nb = perfect()
    nb.cells.remove(_cells(nb)["ex1-running-mean-test"])
    write("deleted-test-cell", nb, Case(total, None, "graded"))
    nb = empty()
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
            cell.source = "pass  # test removed"
    write("edited-test-cells", nb, Case(0, None, "graded"))
    nb = empty()
    test = _cells(nb)["ex1-running-mean-test"]
    copy = nbformat.from_dict(json.loads(json.dumps(test)))
    copy.source, copy["id"] = "pass", "dup-1"
    nb.cells.insert(nb.cells.index(test), copy)
    answer = _cells(nb)["ex2-clip"]
    twin = nbformat.from_dict(json.loads(json.dumps(_cells(solution)["ex2-clip"])))
    twin["id"] = "dup-2"
    nb.cells.insert(nb.cells.index(answer) + 1, twin)  # same grade_id, after the blank one
    write("duplicated-cells", nb,
          Case(_points(solution, "ex2-clip-test"), "exists multiple times", "graded"))
    nb = empty()
    _cells(nb)["ex1-running-mean-test"].cell_type = "markdown"
    _cells(nb)["ex1-running-mean-test"].pop("outputs", None)
    _cells(nb)["ex1-running-mean-test"].pop("execution_count", None)
    write("changed-cell-type", nb, Case(0, None, "graded"))
    nb = empty()
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
        if cell.cell_type == "code" and "assert" in cell.source:
            cell.source = "pass  # my own version of the test"
    write("stripped-metadata", nb, Case(0, None, "graded"))

    # --- files that are not notebooks
    write("invalid-json", b'{"cells": [ this is not json', Case(0, "json", "failed"))
    write("empty-file", b"", Case(0, "empty", "failed"))
    write("missing-notebook", None, Case(0, "no notebook", "failed"))
    write("renamed-notebook", perfect(), Case(total, "was named", "graded"),
          filename=f"{lesson} (1).ipynb")

    # --- code that changes what the tests rely on, to pass without the work
    fake_mean = (
        "class RunningMean:\n"
        "    def __init__(self):\n"
        "        self.total = 0.0\n"
        "        self.count = 0\n"
        "    def update(self, value, n=1):\n"
        "        self.count += n\n"
        "    def mean(self):\n"
        "        return 0.0\n"
        "abs = lambda x: 0  # every difference is 'small'\n"
    )
    nb = empty()
    _cells(nb)["ex1-running-mean"].source = fake_mean
    write("shadow-abs", nb, Case(0, "redefines abs", "review"))
    nb = empty()
    _cells(nb)["quiz-answers"].source = (
        "class Anything(str):\n"
        "    def __eq__(self, other):\n"
        "        return True\n"
        "    def __hash__(self):\n"
        '        return hash("b")\n'
        'q1 = q2 = Anything("b")\n'
    )
    write("always-equal", nb, Case(0, "__eq__", "review"))
    nb = empty()
    add_cell(nb, "get_ipython().input_transformers_cleanup.append(lambda lines: [])")
    write("blank-every-cell", nb, Case(0, "canary", "review"))
    nb = empty()
    add_cell(nb, "import builtins\nbuiltins.AssertionError = Warning\nAssertionError = Warning\n"
             "builtins.isinstance = lambda *args: True\nprint = lambda *a, **k: None")
    write("patch-builtins", nb, Case(0, "builtins", "review"))
    nb = empty()
    add_cell(nb, "import torch\ntorch.allclose = lambda *a, **k: True\n"
             "ip = get_ipython()\nip.showtraceback = lambda *a, **k: None\n"
             "ip.set_custom_exc((BaseException,), lambda *a, **k: None)")
    write("swallow-errors", nb, Case(0, "patches torch.allclose", "review"))
    return cases
