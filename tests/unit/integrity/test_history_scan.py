"""The integrity scan flags code that reads what the kernel ran (its input history, linecache)
or that watches every cell through IPython's events; the course's own solutions, and every
right and wrong submission of tests/submissions/, are not flagged. No kernel is started."""

from __future__ import annotations

import copy

import nbformat
import pytest

from conftest import LESSONS, load_correct, load_variants
from coursegrader.course import cells
from coursegrader.course.paths import NOTEBOOKS_DIR, lesson_notebook
from coursegrader.integrity import history
from coursegrader.integrity.scan import scan_submission

READS_HISTORY = {
    "print-In": ("x = 1\nprint(In)", "input history (In)"),
    "ih": ("leak = _ih[-1]", "input history (_ih)"),
    "last-input": ("print(_i)", "input history (_i)"),
    "older-inputs": ("print(_ii, _iii)", "input history (_ii)"),
    "numbered-input": ("text = _i12", "input history (_i12)"),
    "read-before-bound": ("print(_i)\n_i = 0", "input history (_i)"),
    "main-attribute": ("import __main__\nprint(__main__._i3)", "input history (._i3)"),
    "globals-lookup": ('print(globals()["_ih"])', "input history ('_ih')"),
    "eval-lookup": ('cells = eval("In")', "input history ('In')"),
    "history-manager": ("h = ip.history_manager.get_range()",
                        "input history (history_manager)"),
    "history-file": ("from IPython.core.history import HistoryAccessor",
                     "input history (HistoryAccessor)"),
    "history-magic": ("%history -g", "input history (%history)"),
    "history-magic-assigned": ("h = %hist -n", "input history (%hist)"),
    "last-traceback": ("%tb", "input history (%tb)"),
    "linecache": ("import linecache\nprint(linecache.cache)", "through linecache"),
    "pre-run-cell": ('ip.events.register("pre_run_cell", lambda info: print(info.raw_cell))',
                     "event callback (pre_run_cell)"),
    "events-by-getattr": ("getattr(ip, 'events').register(hook_name, f)",
                              "event callback (events.register)"),
    "post-execute": ("ip.events.callbacks['post_execute'].append(f)",
                     "event callback (post_execute)"),
}


def notebook(answer: str):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(answer)
    cell.metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "ex1"}
    check = nbformat.v4.new_code_cell("assert x == 1, 'x must be 1'")
    check.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "t1",
                                  "points": 1}
    nb.cells = [cell, check]
    return nb


@pytest.mark.parametrize("name", sorted(READS_HISTORY))
def test_reading_the_kernels_history_or_events_is_flagged(name):
    code, expected = READS_HISTORY[name]
    reasons = scan_submission(notebook(code))
    assert any(expected in reason and reason.startswith("cell 1 (ex1)") for reason in reasons), \
        (name, reasons)


HONEST = {
    "loop-variable": "for _i in range(3):\n    print(_i)",
    "comprehension": "squares = [_i * _i for _i in range(3)]",
    "argument": "def f(_i):\n    return _i + 1",
    "object-attribute": ("class Counter:\n    def __init__(self):\n        self._i = 0\n"
                         "    def step(self):\n        self._i += 1\n        return self._i"),
    "outputs": "print(Out, _, __)",
    "words": 'print("In")\nlabel = "In the loop"\nevents = []\nevents.append("pre run")',
    "in-features": "in_features = 3\nInput = 2",
}


@pytest.mark.parametrize("name", sorted(HONEST))
def test_ordinary_code_is_not_taken_for_reading_the_history(name):
    assert history.reasons(HONEST[name]) == []
    assert scan_submission(notebook(HONEST[name])) == []


def _submissions(lesson):
    """The reference solution and every right and wrong submission of tests/submissions/,
    as the notebooks the scan would see."""
    solution = nbformat.read(lesson_notebook(lesson), as_version=4)
    yield "solution", solution
    for name, spec in {**load_variants(lesson), **load_correct(lesson)}.items():
        nb = copy.deepcopy(solution)
        by_id = {cells.grade_id(c): c for c in nb.cells}
        for grade_id, source in spec["replace"].items():
            by_id[grade_id].source = source
        yield name, nb


@pytest.mark.parametrize("lesson", LESSONS)
def test_no_solution_or_submission_of_the_corpus_is_flagged(lesson):
    released = nbformat.read(lesson_notebook(lesson, NOTEBOOKS_DIR), as_version=4)
    flagged = {name: reasons for name, nb in _submissions(lesson)
               if (reasons := scan_submission(nb, released))}
    assert flagged == {}
