"""The part of the integrity scan that looks for code reading what the kernel ran.

IPython keeps the source of every cell it ran, hidden tests included: the input history
(``In``, ``_ih``, ``_i``, ``_ii``, ``_iii``, ``_i<N>``, the history manager, the
``%history`` family of magics) and ``linecache`` (where IPython registers each cell, so that
tracebacks can quote it). An event callback (``pre_run_cell``, ``post_run_cell``, ...) sees
every later cell as it runs. Student code has no use for any of them in this course, and
whatever they print would reach the student's feedback: each is a reason to withhold the
grade.

Not flagged: ``Out``/``_oh``, ``_``, ``__``, ``___`` and ``_<N>`` hold the values of
expressions at the end of cells, never source code. A name of the input history that the
cell itself binds first (``for _i in range(3): print(_i)``) is the student's own variable.
"""

from __future__ import annotations

import ast
import re

HISTORY_NAME_RE = re.compile(r"^(In|_ih|_i{1,3}|_i\d+)$")
# Names and words that mean "the kernel's history or its events", wherever they appear
# (an attribute, an import, a string passed to getattr or events.register).
WORDS = {
    "history_manager": "reads the kernel's input history",
    "HistoryAccessor": "reads the kernel's input history",
    "history.sqlite": "reads the kernel's input history",
    "linecache": "reads the source of cells through linecache",
    "pre_run_cell": "registers an IPython event callback",
    "post_run_cell": "registers an IPython event callback",
    "pre_execute": "registers an IPython event callback",
    "post_execute": "registers an IPython event callback",
    "shell_initialized": "registers an IPython event callback",
}
WORDS_RE = re.compile(r"\b(" + "|".join(map(re.escape, WORDS)) + r")\b")
# `ip.events.register`, `getattr(ip, "events").register`
EVENTS_RE = re.compile(r"\bevents\b['\")\s]*\.\s*(register|callbacks)\b")
# IPython's magics that print or copy the input history, or the last traceback (which
# quotes the test that failed)
MAGIC_RE = re.compile(r"(?:^|=)\s*%{1,2}(history|hist|recall|rerun|save|macro|pastebin|edit|tb)\b",
                      re.M)
STRIP_MAGICS_RE = re.compile(r"^\s*[%!].*$", re.M)


def reasons(source: str) -> list[str]:
    """What one cell of student code does with the kernel's history or events; [] if
    nothing."""
    found = []
    for word in dict.fromkeys(WORDS_RE.findall(source)):
        found.append(f"{WORDS[word]} ({word})")
    if EVENTS_RE.search(source):
        found.append("registers an IPython event callback (events.register)")
    for magic in dict.fromkeys(MAGIC_RE.findall(source)):
        found.append(f"reads the kernel's input history (%{magic})")
    try:
        tree = ast.parse(STRIP_MAGICS_RE.sub("", source))
    except SyntaxError:
        return found
    for name in _history_reads(tree):
        found.append(f"reads the kernel's input history ({name})")
    return found


def _history_reads(tree) -> list[str]:
    """Names of the input history the cell reads: a name it loads before binding it itself,
    an attribute (``__main__.In``), or a string (``globals()["_ih"]``, ``eval("In")``)."""
    bound: dict[str, tuple[int, int]] = {}

    def bind(name, node):
        if HISTORY_NAME_RE.match(name):
            where = (node.lineno, node.col_offset)
            bound[name] = min(bound.get(name, where), where)

    for node in ast.walk(tree):
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            # `[_i for _i in x]`: the target binds the name for the whole comprehension
            for gen in node.generators:
                for target in ast.walk(gen.target):
                    if isinstance(target, ast.Name):
                        bind(target.id, node)
        for name in _binds(node):
            bind(name, node)
    reads = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) \
                and HISTORY_NAME_RE.match(node.id):
            if node.id not in bound or (node.lineno, node.col_offset) < bound[node.id]:
                reads.append(node.id)
        elif isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Store) and (
                node.attr in ("In", "_ih") or HISTORY_NAME_RE.match(node.attr)
                and "main" in ast.unparse(node.value)):
            # `__main__.In`; an object's own `self._i` is ordinary code
            reads.append(f".{node.attr}")
        elif isinstance(node, ast.Subscript) and _is_history_string(node.slice):
            reads.append(repr(node.slice.value))  # globals()["In"], user_ns["_ih"]
        elif isinstance(node, ast.Call) and _call_name(node) in LOOKUPS \
                and any(map(_is_history_string, node.args)):
            # eval("In"), getattr(main, "_ih"), globals().get("_i3")
            reads.append(next(repr(a.value) for a in node.args if _is_history_string(a)))
    return list(dict.fromkeys(reads))


# calls that look a name up by its string
LOOKUPS = {"eval", "exec", "getattr", "hasattr", "get", "pop", "setdefault", "__getitem__"}


def _call_name(node) -> str | None:
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _is_history_string(node) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) \
        and bool(HISTORY_NAME_RE.match(node.value))


def _binds(node) -> list[str]:
    """Names ``node`` binds: assignments, loop and ``with`` targets, arguments, imports,
    functions, classes, ``except ... as``."""
    if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
        return [node.id]
    if isinstance(node, ast.arg):
        return [node.arg]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, ast.ExceptHandler) and node.name:
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in node.names]
    return []
