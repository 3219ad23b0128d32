"""Notebooks built in memory for the unit tests (nbgrader's own tests/preprocessors/ do the
same): a test cell, an answer cell, a notebook of them, one preprocessor run, and a kernel run
replaced by a function."""

from __future__ import annotations

from nbformat.v4 import new_code_cell, new_notebook


def make_test_cell(grade_id="t1", points=2, source="assert f() == 1"):
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                 "grade_id": grade_id, "points": points}
    return cell


def answer_cell(grade_id="a1", source="def f():\n    return 1"):
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": False, "solution": True, "grade_id": grade_id}
    return cell


def notebook(*cells_):
    nb = new_notebook()
    nb.cells = list(cells_)
    return nb


def run(pp, nb, resources=None, **config):
    """``pp`` (a preprocessor class) configured with ``config``, run on ``nb``."""
    from traitlets.config import Config

    resources = resources if resources is not None else {}
    return pp(config=Config(config))(nb, resources)


def fake_kernel_runs(monkeypatch, behaviour):
    """Replace the kernel run under TrackedExecute by ``behaviour(self, nb, attempt)``."""
    from nbconvert.preprocessors import ExecutePreprocessor

    calls = []

    def fake(self, nb, resources=None, km=None):
        calls.append(1)
        behaviour(self, nb, len(calls))
        return nb, resources

    monkeypatch.setattr(ExecutePreprocessor, "preprocess", fake)
    return calls
