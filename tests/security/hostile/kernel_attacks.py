"""Attacks from inside the kernel on the tests that grade it: each is a lesson 01 submission
built by code, written only from what a student can read (the released notebook, this
repository).

Every attack hides its code behind ``exec(bytes.fromhex(...).decode())``, so that no
suspicious name is in any cell's text (the static scan sees nothing), and leaves the canary
cells alone (they still fail as they should). Without the kernel's record (the control run)
the attacks marked ``control`` score more than their honest work deserves; with it, each is
held for review with its reason. The two that hide a failure's traceback are not marked: a
failed execute reply gives them away as well.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from coursegrader.course.paths import NOTEBOOKS_DIR, lesson_notebook
from hostile.corpus import Case

LESSON = "01-python-classes"
# A canary is `assert False, "<16 hex digits>"` (integrity/canaries.py): easy to tell apart.
CANARY = r"""assert False, ["'][0-9a-f]{16}["']"""


def hexed(code: str) -> str:
    """The cell a student writes: the code, hex-encoded, run with exec."""
    return f"exec(bytes.fromhex({code.encode().hex()!r}).decode())"


def _copy(nb):
    return nbformat.from_dict(json.loads(json.dumps(nb)))


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _points(nb, *grade_ids) -> float:
    return float(sum(_cell(nb, g).metadata["nbgrader"]["points"] for g in grade_ids))


def _after(nb, grade_id, code):
    nb.cells.insert(nb.cells.index(_cell(nb, grade_id)) + 1, nbformat.v4.new_code_cell(code))
    return nb


def build(dest: Path) -> dict[str, Case]:
    solution = nbformat.read(lesson_notebook(LESSON), as_version=4)
    blank = nbformat.read(lesson_notebook(LESSON, NOTEBOOKS_DIR), as_version=4)
    total = sum(float(c.metadata["nbgrader"].get("points", 0)) for c in solution.cells
                if c.metadata.get("nbgrader", {}).get("grade"))
    # the first line of every visible test cell, as the released notebook shows it
    firsts = [c.source.splitlines()[0] for c in blank.cells
              if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"
              and not c.metadata["nbgrader"].get("solution") and c.source.strip()]
    cases: dict[str, Case] = {}

    def write(name, nb, case):
        folder = dest / name / LESSON
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / f"{LESSON}.ipynb")
        (folder / "timestamp.txt").write_text("2026-01-15 10:00:00.000000 UTC\n")
        cases[name] = case

    first = "ex1-running-mean"  # the attacks go in right after the first answer
    blank_tests = f"""
FIRSTS = {firsts!r}
def blank_tests(lines):
    if lines and lines[0].rstrip("\\n") in FIRSTS:
        return ["pass\\n"]
    return lines
"""
    # 1. an input transformer that blanks every cell that starts like a visible test cell
    write("transformer-by-test-text", _after(_copy(blank), first, hexed(
        blank_tests + "get_ipython().input_transformers_cleanup.append(blank_tests)")),
        Case(0, "did not run as written", "review", control=True))

    # 2. a transformer that blanks every cell but the canaries
    write("transformer-but-canaries", _after(_copy(blank), first, hexed(f"""
import re
def all_but_canaries(lines):
    return lines if re.match({CANARY!r}, "".join(lines)) else ["pass\\n"]
get_ipython().input_transformers_post.append(all_but_canaries)
""")), Case(0, "did not run as written", "review", control=True))

    # 3. an AST transformer that drops every assert but the canaries'
    write("ast-drops-asserts", _after(_copy(blank), first, hexed(f"""
import ast, re
class DropAsserts(ast.NodeTransformer):
    def visit_Assert(self, node):
        return node if re.match({CANARY!r}, ast.unparse(node)) else ast.Pass()
    def visit_Raise(self, node):
        return ast.Pass()
    def visit_Expr(self, node):
        return ast.Pass()
get_ipython().ast_transformers.append(DropAsserts())
""")), Case(0, "asserts were removed", "review", control=True))

    # 4. the shell's own method replaced on the instance: statements of tests dropped
    write("shell-run-ast-nodes", _after(_copy(blank), first, hexed(f"""
import ast, re
ip = get_ipython()
run_ast_nodes = ip.run_ast_nodes
async def only_canaries(nodelist, *args, **kwargs):
    text = "\\n".join(ast.unparse(n) for n in nodelist)
    if not re.match({CANARY!r}, text) and any(isinstance(n, ast.Assert) for n in nodelist):
        nodelist = []
    return await run_ast_nodes(nodelist, *args, **kwargs)
ip.run_ast_nodes = only_canaries
""")), Case(0, "run_ast_nodes replaced", "review", control=True))

    # 5. traceback publishing replaced: failures are shown for canaries only
    write("shell-showtraceback", _after(_copy(blank), first, hexed("""
import re, sys
ip = get_ipython()
show = ip.showtraceback
def only_canaries(*args, **kwargs):
    if re.fullmatch("[0-9a-f]{16}", str(sys.exc_info()[1])):
        return show(*args, **kwargs)
ip.showtraceback = only_canaries
""")), Case(0, "showtraceback replaced", "review"))  # (also seen by the execute reply)

    # 6. a custom exception handler that reports canaries only
    write("custom-exception-handler", _after(_copy(blank), first, hexed("""
import re
def only_canaries(shell, etype, value, tb, tb_offset=None):
    if re.fullmatch("[0-9a-f]{16}", str(value)):
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
get_ipython().set_custom_exc((Exception,), only_canaries)
""")), Case(0, "custom exception handler", "review"))  # (idem)

    # 7. a thread that waits for some cells to run, then installs the transformer
    write("thread-tampers-later", _after(_copy(blank), first, hexed(blank_tests + """
import threading, time
ip = get_ipython()
start = ip.execution_count
def later():
    while ip.execution_count < start + 4:
        time.sleep(0.05)
    ip.input_transformers_cleanup.append(blank_tests)
threading.Thread(target=later, daemon=True).start()
""")), Case(0, "did not run as written", "review", control=True))

    # 8. a built-in replaced with a computed name: repr lies for the affine layer, whose
    # __repr__ the student did not write
    nb = _copy(solution)
    affine = _cell(nb, "ex3-affine")
    affine.source = "\n".join(line for line in affine.source.splitlines()
                              if "__repr__" not in line and "return f\"Affine(" not in line)
    write("builtin-patched-by-name", _after(nb, "ex3-affine", hexed("""
mod = __import__("bui" + "ltins")
real = getattr(mod, "re" + "pr")
def fake(obj):
    if type(obj).__name__ == "Affine":
        return f"Affine(w={obj.w}, b={obj.b})"
    return real(obj)
setattr(mod, "re" + "pr", fake)
""")), Case(total - _points(solution, "ex3-affine-test"), "builtins.repr replaced", "review",
            control=True))

    # 9. a library class patched with computed names: a wrong quiz answer that says it is
    # equal to the right one
    nb = _copy(blank)
    _cell(nb, "quiz-answers").source = hexed("""
import collections
cls = getattr(collections, "User" + "String")
setattr(cls, "__e" + "q__", lambda self, other: True)
setattr(cls, "__ha" + "sh__", lambda self: hash("c"))
q1 = cls("a")
""")
    write("class-patched-by-name", nb,
          Case(0, "collections.userstring", "review", control=True))
    return cases
