"""Checks that nbgrader does not make: did a submission tamper with the tests that grade it?

Tests run in the same Python kernel as the student's code, so that code can change what
the tests rely on. Two independent checks:

* a static scan of the cells the student wrote (answer cells and added cells) for code that
  changes the test machinery: shadowing a built-in the tests use (``abs = ...``), patching a
  module (``torch.allclose = ...``, also through an alias, ``setattr``, ``vars(module)`` or
  ``module.__dict__``), touching ``builtins``, ``get_ipython()``, ``sys.modules``, tracing
  hooks, an ``__eq__`` that says "equal" to everything, or comparison special methods set
  dynamically (``type("S", (str,), {"__eq__": ...})``, ``setattr``, a lambda); reading the
  kernel's input history or registering its event callbacks (history.py);
* canary cells, run by the grader right after every test cell, that must fail
  (canaries.py). If one of them "passes", the kernel no longer reports failures honestly,
  whatever the student's code did to it.

A flagged submission keeps its executed notebook, gets 0 automatic points on every test and
is marked for manual grading, with the reason, in the gradebook.
"""

from __future__ import annotations

import ast
import builtins
import re

from coursegrader.course import cells
from coursegrader.integrity import history

# Names whose mere use in a student's cell means tampering with the grader's kernel.
SUSPICIOUS_NAMES = {
    "builtins": "touches the builtins module",
    "__builtins__": "touches __builtins__",
    "get_ipython": "reaches into the IPython kernel that runs the tests",
    "settrace": "installs a tracing hook",
    "setprofile": "installs a profiling hook",
    "ast_transformers": "rewrites code before it runs",
    "input_transformers_cleanup": "rewrites code before it runs",
    "input_transformers_post": "rewrites code before it runs",
    "excepthook": "replaces the exception hook",
    "_getframe": "inspects the caller's frame",
    "currentframe": "inspects the caller's frame",
    "ctypes": "uses ctypes",
}
SUSPICIOUS_RE = re.compile(r"\b(" + "|".join(map(re.escape, SUSPICIOUS_NAMES)) + r")\b")
MAGIC_RE = re.compile(r"^\s*[%!].*$", re.M)
BUILTIN_NAMES = set(dir(builtins))


def _parse(source: str):
    try:
        return ast.parse(MAGIC_RE.sub("", source))
    except SyntaxError:
        return None


def names_used_by_tests(nb) -> set[str]:
    """Names the test cells load: the ones a submission must not rebind."""
    used: set[str] = set()
    for cell in nb.cells:
        if cells.is_test(cell):
            tree = _parse(cell.source)
            if tree is not None:
                used |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return used


def _imported_modules(*notebooks) -> set[str]:
    """Names bound by an import anywhere in ``notebooks``: modules and what came from them
    (``import torch as T``, ``from torch import nn``), and the usual ones."""
    names = set()
    for cell in (c for nb in notebooks if nb is not None for c in nb.cells):
        # no `import` keyword, no import statement: most cells are not parsed at all
        tree = _parse(cell.source) if cell.cell_type == "code" and "import" in cell.source \
            else None
        for node in ast.walk(tree) if tree is not None else ():
            if isinstance(node, ast.Import):
                names |= {(a.asname or a.name).split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                names |= {a.asname or a.name for a in node.names}
    return names | {"torch", "np", "numpy", "math", "nn", "sys", "os", "unittest"}


def _module_level_nodes(tree):
    """Every node that runs at module level: function and class bodies are left out, so a
    local variable called ``sum`` or ``max`` inside a student's function is not flagged."""
    stack = list(ast.iter_child_nodes(tree))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(ast.iter_child_nodes(node))


def _bound_names(tree) -> list[str]:
    """Names a cell binds in the notebook's global namespace."""
    names = []
    for node in _module_level_nodes(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.append(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names += [(a.asname or a.name).split(".")[0] for a in node.names]
    return names


# Special methods that decide what a test sees when it compares, hashes or checks a type.
COMPARISON_DUNDERS = {
    "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__bool__", "__hash__",
    "__len__", "__contains__", "__instancecheck__", "__subclasscheck__", "__float__",
    "__int__", "__index__", "__abs__", "__round__",
}


def _root_name(node) -> str | None:
    """``T`` for ``T.testing.assert_close``, ``vars(T)[...]``, ``T.__dict__`` and the like."""
    while True:
        if isinstance(node, ast.Attribute | ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in (
                "vars", "getattr") and node.args:
            node = node.args[0]
        elif isinstance(node, ast.Call):
            node = node.func
        else:
            return node.id if isinstance(node, ast.Name) else None


def _is_namespace(node, modules: set[str]) -> bool:
    """A module's namespace as a dict: ``vars(torch)``, ``torch.__dict__``, ``sys.modules``,
    or the notebook's own ``globals()`` (where a built-in can be shadowed). An object's
    ``self.__dict__`` is ordinary code (lesson 01's ``__setattr__``)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id == "globals" or (node.func.id == "vars" and not node.args):
            return True
        return node.func.id == "vars" and _root_name(node.args[0]) in modules
    if isinstance(node, ast.Attribute):
        if node.attr == "__dict__":
            return _root_name(node.value) in modules
        return node.attr == "modules" and _root_name(node.value) == "sys"
    return False


def _dynamic_tampering(tree, modules: set[str]) -> list[str]:
    """The dynamic forms of patching: special methods through ``type(...)``, ``setattr`` or
    an assignment; a module changed through an alias, ``vars(module)`` or its ``__dict__``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "type" and len(node.args) == 3 and isinstance(
                    node.args[2], ast.Dict):
                keys = {k.value for k in node.args[2].keys if isinstance(k, ast.Constant)}
                for key in sorted(keys & COMPARISON_DUNDERS):
                    found.append(f"sets {key} through type(...)")
            if node.func.id == "setattr" and len(node.args) >= 2:
                name = node.args[1]
                if isinstance(name, ast.Constant) and name.value in COMPARISON_DUNDERS:
                    found.append(f"sets {name.value} with setattr")
                elif _root_name(node.args[0]) in modules:
                    found.append(f"patches the module {_root_name(node.args[0])} with setattr")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and (
                node.func.attr in ("update", "setdefault", "__setitem__", "pop", "clear")
                and _is_namespace(node.func.value, modules)):
            found.append(f"changes a namespace through {ast.unparse(node.func)[:60]}")
        targets = []
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr in COMPARISON_DUNDERS:
                found.append(f"sets {target.attr} on {ast.unparse(target.value)[:40]}")
            elif isinstance(target, ast.Subscript) and _is_namespace(target.value, modules):
                found.append(f"writes into {ast.unparse(target.value)[:60]}")
            elif isinstance(target, ast.Attribute) and not isinstance(target.value, ast.Name) \
                    and _root_name(target) in modules \
                    and not isinstance(getattr(node, "value", None), ast.Constant):
                # a setting (`torch.backends.cudnn.benchmark = True`) is not a patch
                found.append(f"patches {ast.unparse(target)[:60]} (a library function)")
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.Assign) and isinstance(item.value, ast.Lambda):
                    for target in item.targets:
                        if isinstance(target, ast.Name) and target.id in COMPARISON_DUNDERS:
                            found.append(f"sets {target.id} to a lambda in class {node.name}")
    return found


def _always_equal(tree) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "__eq__":
            returns = [n for n in ast.walk(node) if isinstance(n, ast.Return)]
            if returns and all(
                isinstance(r.value, ast.Constant) and r.value.value is True for r in returns
            ):
                return True
    return False


def scan_code(source: str, test_names: set[str], modules: set[str]) -> list[str]:
    """What one piece of student code does to the test machinery ("patches torch.allclose
    (a library function)"); [] if nothing. ``test_names``: the names the tests use;
    ``modules``: the names bound to modules (names_used_by_tests, _imported_modules)."""
    found = [f"{SUSPICIOUS_NAMES[m]} ({m})" for m in sorted(set(SUSPICIOUS_RE.findall(source)))]
    # reading what the kernel ran (the input history) or watching every cell it runs
    found += history.reasons(source)
    tree = _parse(source)
    if tree is None:
        return found
    shadowed = sorted({n for n in _bound_names(tree) if n in BUILTIN_NAMES and n in test_names})
    if shadowed:
        found.append(f"redefines {', '.join(shadowed)}, which the tests use")
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id in modules
            ):
                found.append(f"patches {target.value.id}.{target.attr} (a library function)")
        # setattr(module, ...) is _dynamic_tampering's, with the other dynamic forms
    if _always_equal(tree):
        found.append("defines an __eq__ that is equal to everything")
    found += list(dict.fromkeys(_dynamic_tampering(tree, modules)))
    return found


def code_scanner(nb, released=None):
    """scan_code for ``nb``'s tests and modules: what the kernel's record runs through the
    same scan as the cells (code compiled at run time)."""
    test_names = names_used_by_tests(nb)
    modules = _imported_modules(released, nb)
    return lambda source: scan_code(source, test_names, modules)


def scan_submission(nb, released=None) -> list[str]:
    """Reasons to distrust the test results of a (sanitized) submission; [] if none.

    Only cells a student wrote are scanned: test cells and locked cells were restored from
    the gradebook by nbgrader, and a cell identical to one of the released notebook
    (``released``) is the lesson's own code.
    """
    lesson_sources = {c.source.strip() for c in released.cells} if released is not None else set()
    test_names = names_used_by_tests(nb)
    # the student's own aliases count too: `import torch as T; T.allclose = ...`
    modules = _imported_modules(released, nb)
    reasons: list[str] = []
    for index, cell in enumerate(nb.cells):
        meta = cells.meta(cell)
        if cell.cell_type != "code" or meta.get("locked") or cells.is_test(cell):
            continue
        if cell.source.strip() in lesson_sources:
            continue
        where = f"cell {index + 1}" + (f" ({meta['grade_id']})" if meta.get("grade_id") else "")
        reasons += [f"{where} {what}" for what in scan_code(cell.source, test_names, modules)]
    return list(dict.fromkeys(reasons))
