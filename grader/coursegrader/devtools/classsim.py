"""A simulated class of lesson 01 with planted patterns, for the class report's end-to-end
test and its benchmark (benchmarks/bench_class_report.py).

Student ``i`` of ``n`` has an ability ``i / (n - 1)``; an exercise is answered with the
reference solution (with the student's own names and comments) when the ability reaches the
exercise's threshold, else with the class's common mistake (where the exercise has one) or
left as released. Planted on top:

* quiz q3 is answered right by the strongest student only: the hardest test cell;
* quiz q2 is answered right by the weaker half and wrong by the stronger half: a test cell
  with a negative discrimination;
* two students (COPIED) hand in the same own code for three exercises, the second with
  every name changed: the most similar pair;
* one notebook is truncated (BROKEN) and one touches ``builtins`` (TAMPERED): both flagged.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from coursegrader.course import cells
from coursegrader.course.paths import NOTEBOOKS_DIR, lesson_notebook

LESSON = "01-python-classes"

# ability needed to answer each exercise with the reference idea
THRESHOLDS = {"ex1-running-mean": 0.15, "ex2-clip": 0.3, "ex3-affine": 0.1,
              "ex4-tracked": 0.45, "ex5-dotted-names": 0.35, "capstone-module": 0.55}

MISTAKES = {  # the class's common mistakes (the others leave the cell as released)
    "ex1-running-mean": (  # ignores n
        "class RunningMean:\n    def __init__(self):\n        self.total = 0.0\n"
        "        self.count = 0\n\n    def update(self, value, n=1):\n"
        "        self.total += value\n        self.count += 1\n\n    def mean(self):\n"
        "        return self.total / self.count if self.count else 0.0\n"),
    "ex2-clip": (  # forgets super().__init__()
        "class Clip(Layer):\n    def __init__(self, low, high):\n        self.low = low\n"
        "        self.high = high\n\n    def forward(self, x):\n"
        "        return min(max(x, self.low), self.high)\n"),
    "ex3-affine": (  # a repr without the names
        "class Affine:\n    def __init__(self, w, b):\n        self.w = w\n        self.b = b\n\n"
        "    def __call__(self, x):\n        return self.w * x + self.b\n\n"
        "    def __repr__(self):\n        return f\"Affine({self.w}, {self.b})\"\n"),
    "ex5-dotted-names": (  # only one level down
        "def dotted_names(node, prefix=\"\"):\n"
        "    return [child.name for child in node.children]\n"),
}

# The copied pair's own code (correct, and unlike the reference); the second copy renames
# every name that the tests do not fix.
OWN_CODE = {
    "ex1-running-mean": (
        "class RunningMean:\n    def __init__(self):\n        self.seen = []\n"
        "        self.count = 0\n        self.total = 0.0\n\n"
        "    def update(self, value, n=1):\n        self.seen.extend([value] * n)\n"
        "        self.count = len(self.seen)\n        self.total = float(sum(self.seen))\n\n"
        "    def mean(self):\n        if not self.seen:\n            return 0.0\n"
        "        return self.total / len(self.seen)\n"),
    "ex4-tracked": (
        "class Tracked:\n    def __init__(self):\n        self.__dict__[\"_order\"] = []\n\n"
        "    def __setattr__(self, key, val):\n        order = self.__dict__[\"_order\"]\n"
        "        if key[0] != \"_\" and key not in order:\n            order.append(key)\n"
        "        self.__dict__[key] = val\n"),
    "ex5-dotted-names": (
        "def dotted_names(node, prefix=\"\"):\n    result = []\n"
        "    stack = [(child, prefix) for child in reversed(node.children)]\n"
        "    while stack:\n        current, base = stack.pop()\n"
        "        full = base + \".\" + current.name if base else current.name\n"
        "        result.append(full)\n        for sub in reversed(current.children):\n"
        "            stack.append((sub, full))\n    return result\n"),
}
RENAMED = {"seen": "values", "key": "attr", "val": "value", "order": "names",
           "result": "out", "stack": "todo", "current": "item", "base": "parent",
           "full": "path", "sub": "kid"}


def rename(code: str, names: dict[str, str]) -> str:
    return re.sub(r"\b(" + "|".join(map(re.escape, names)) + r")\b",
                  lambda m: names[m.group(1)], code)


def roles(n: int) -> dict[str, str]:
    """The planted students: who copied, whose notebook is broken or tampered with."""
    return {"copy_a": f"student{int(n * 0.65) + 1:03d}",
            "copy_b": f"student{int(n * 0.85) + 1:03d}",
            "broken": f"student{int(n * 0.1) + 1:03d}",
            "tampered": f"student{int(n * 0.45) + 1:03d}"}


def _honest(code: str, student: str) -> str:
    """The reference idea in a student's own words: a comment and a local name of theirs."""
    return f"# {student}\n" + rename(code, {"names": f"found_{student}", "path": "dotted"})


def student_answers(i: int, n: int, reference: dict[str, str]) -> dict[str, str]:
    student = f"student{i + 1:03d}"
    ability = i / max(n - 1, 1)
    role = {v: k for k, v in roles(n).items()}.get(student)
    out = {}
    for grade_id, needed in THRESHOLDS.items():
        if ability >= needed:
            out[grade_id] = _honest(reference[grade_id], student)
        elif grade_id in MISTAKES:
            out[grade_id] = f"# {student}\n" + MISTAKES[grade_id]
    if role in ("copy_a", "copy_b"):
        for grade_id, code in OWN_CODE.items():
            out[grade_id] = code if role == "copy_a" else rename(code, RENAMED)
    q1 = "c" if ability >= 0.2 else "a"
    q2 = "a" if ability < 0.5 else "b"  # the stronger half believes __getattr__ runs always
    q3 = "d" if i == n - 1 else "b"
    out["quiz-answers"] = f'q1 = "{q1}"\nq2 = "{q2}"\nq3 = "{q3}"\n'
    if role == "tampered":
        out["ex3-affine"] = "import builtins\n" + reference["ex3-affine"]
    return out


def planted_class(n: int, work: Path, lesson: str = LESSON) -> dict[str, Path]:
    """student -> notebook of a simulated class of ``n`` (written into ``work``)."""
    work.mkdir(parents=True, exist_ok=True)
    reference = cells.answers(nbformat.read(lesson_notebook(lesson), as_version=4))
    broken = roles(n)["broken"]
    out = {}
    for i in range(n):
        student = f"student{i + 1:03d}"
        nb = nbformat.read(lesson_notebook(lesson, NOTEBOOKS_DIR), as_version=4)
        answers = student_answers(i, n, reference)
        for cell in nb.cells:
            if cells.is_answer(cell) and cells.grade_id(cell) in answers:
                cell.source = answers[cells.grade_id(cell)]
        path = work / f"{student}.ipynb"
        nbformat.write(nb, path)
        if student == broken:  # the file got truncated while saving
            path.write_text(path.read_text()[:500])
        out[student] = path
    return out
