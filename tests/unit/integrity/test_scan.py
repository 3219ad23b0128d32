"""The integrity scan, on cells built in memory: each form of tampering is caught, and
ordinary code that looks a little like it is not."""

from __future__ import annotations

import nbformat
import pytest

from coursegrader.integrity.scan import scan_submission


def notebook(answer: str, test: str = "assert f(1) == 2, 'f(1) must be 2'"):
    nb = nbformat.v4.new_notebook()
    imports = nbformat.v4.new_code_cell("import torch\nimport numpy as np")
    cell = nbformat.v4.new_code_cell(answer)
    cell.metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "ex1"}
    check = nbformat.v4.new_code_cell(test)
    check.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "t1",
                                  "points": 1}
    nb.cells = [imports, cell, check]
    return nb


TAMPERING = {
    "type-with-lambda-eq": ('S = type("S", (str,), {"__eq__": lambda s, o: True, '
                            '"__hash__": lambda s: 0})\nq1 = S("a")', "__eq__ through type"),
    "setattr-dunder": ("class A(str): pass\nsetattr(A, '__eq__', lambda s, o: True)",
                       "__eq__ with setattr"),
    "dunder-assigned": ("class A(str): pass\nA.__eq__ = lambda s, o: True", "sets __eq__"),
    "lambda-in-class": ("class A(str):\n    __eq__ = lambda self, other: True",
                        "__eq__ to a lambda"),
    "alias-patch": ("import torch as T\nT.allclose = lambda *a, **k: True", "patches T.allclose"),
    "alias-deep-patch": ("import torch as T\nT.testing.assert_close = lambda *a, **k: None",
                         "T.testing.assert_close"),
    "from-import-alias": ("from torch import testing as tt\ntt.assert_close = print",
                          "patches tt.assert_close"),
    "vars-subscript": ("vars(torch)['allclose'] = lambda *a, **k: True", "writes into vars(torch)"),
    "dict-subscript": ("import numpy\nnumpy.__dict__['allclose'] = lambda *a, **k: True",
                       "numpy.__dict__"),
    "dict-update": ("torch.__dict__.update(allclose=lambda *a, **k: True)", "torch.__dict__"),
    "setattr-alias": ("import torch as T\nsetattr(T, 'allclose', lambda *a, **k: True)",
                      "module T with setattr"),
    "globals-write": ("globals()['abs'] = lambda x: 0", "globals()"),
    "sys-modules": ("import sys\nsys.modules['torch'].allclose = lambda *a, **k: True",
                    "sys.modules"),
}


@pytest.mark.parametrize("name", sorted(TAMPERING))
def test_dynamic_tampering_is_caught(name):
    code, expected = TAMPERING[name]
    reasons = scan_submission(notebook(code))
    assert any(expected in reason for reason in reasons), (name, reasons)


HONEST = {
    "own-setattr": ("class Module:\n    def __setattr__(self, name, value):\n"
                    "        self.__dict__[name] = value\n"
                    "        object.__setattr__(self, name, value)"),
    "kwargs-setattr": ("class Config:\n    def __init__(self, **kw):\n"
                       "        for k, v in kw.items():\n            setattr(self, k, v)"),
    "real-eq": ("class P:\n    def __init__(self, x):\n        self.x = x\n"
                "    def __eq__(self, other):\n        return self.x == other.x"),
    "local-names": "def f(x):\n    sum = 0\n    for max in range(x):\n        sum += max\n    return sum",
    "tensor-attributes": "w = torch.zeros(3)\nw.requires_grad = True\nw.grad = None",
}


@pytest.mark.parametrize("name", sorted(HONEST))
def test_ordinary_code_is_not_flagged(name):
    assert scan_submission(notebook(HONEST[name])) == []


def test_a_library_setting_is_not_a_patch():
    assert scan_submission(notebook("torch.backends.cudnn.benchmark = True")) == []


def test_the_instructor_is_told_about_code_that_reaches_out():
    from coursegrader.integrity.notices import notice_submission

    nb = notebook("import sqlite3, os\nfrom subprocess import run\npid = os.fork()")
    (note,) = notice_submission(nb)
    assert "cell 2 (ex1) uses sqlite3, subprocess, os.fork" == note
    assert notice_submission(notebook("import math\nx = math.pi")) == []
