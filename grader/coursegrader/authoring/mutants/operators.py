"""The mutation operators: small deliberate mistakes made with Python's ``ast`` in the code
between an answer cell's solution markers (the markers configured for nbgrader, see
course/cells.py)."""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Callable, Iterable

from coursegrader.authoring.mutants.model import Mutant
from coursegrader.course import cells

# The kinds of mutation, in the order their mutants are listed.
KINDS = ("arith", "compare", "bool", "const", "delete", "super", "detach", "item", "to",
         "mode", "no_grad", "dim")

# Reductions that take ``keepdim``: adding ``keepdim=True`` to them is a plausible mistake.
REDUCTIONS = {"sum", "mean", "max", "min", "amax", "amin", "argmax", "argmin", "std", "var",
              "prod", "norm", "logsumexp", "all", "any", "median", "count_nonzero"}

_ARITH = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
          ast.FloorDiv: ast.Div, ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult, ast.MatMult: ast.Mult}
_COMPARE = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.LtE, ast.LtE: ast.Lt,
            ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
            ast.In: ast.NotIn, ast.NotIn: ast.In}





def solution_lines(source: str) -> list[tuple[int, int]]:
    """1-based line ranges between BEGIN/END SOLUTION markers (the whole cell without them)."""
    lines = source.splitlines()
    ranges, start = [], None
    markers = cells.delimiters()
    begin, end = f"### {markers['begin_solution']}", f"### {markers['end_solution']}"
    for number, line in enumerate(lines, start=1):
        if line.strip() == begin:
            start = number + 1
        elif line.strip() == end and start is not None:
            ranges.append((start, number - 1))
            start = None
    return ranges or [(1, max(len(lines), 1))]


def _inside(node: ast.AST, ranges: list[tuple[int, int]]) -> bool:
    if not hasattr(node, "lineno"):
        return False
    end = getattr(node, "end_lineno", node.lineno) or node.lineno
    return any(lo <= node.lineno and end <= hi for lo, hi in ranges)


def _walk(node: ast.AST, path: tuple = ()):
    """(path, node) for every node, parents first, fields in their declared order."""
    yield path, node
    for name, value in ast.iter_fields(node):
        if isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, ast.AST):
                    yield from _walk(item, path + ((name, i),))
        elif isinstance(value, ast.AST):
            yield from _walk(value, path + ((name, None),))


def _parent_slot(tree: ast.AST, path: tuple):
    parent = tree
    for name, index in path[:-1]:
        parent = getattr(parent, name) if index is None else getattr(parent, name)[index]
    return parent, path[-1]


def _replace(tree: ast.AST, path: tuple, new) -> None:
    """Put ``new`` (a node, or a list of statements spliced into a body) where ``path`` is."""
    parent, (name, index) = _parent_slot(tree, path)
    if index is None:
        setattr(parent, name, new)
        return
    body = getattr(parent, name)
    if isinstance(new, list):
        body[index:index + 1] = new
        if not body and name == "body":  # a block may not be empty
            body.append(ast.Pass())
    else:
        body[index] = new


def _short(node: ast.AST | str, limit: int = 50) -> str:
    text = node if isinstance(node, str) else ast.unparse(node)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _call_attr(node: ast.AST, *names: str) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in names)


def _is_super_init(stmt: ast.AST) -> bool:
    return (isinstance(stmt, ast.Expr) and _call_attr(stmt.value, "__init__")
            and isinstance(stmt.value.func.value, ast.Call)
            and isinstance(stmt.value.func.value.func, ast.Name)
            and stmt.value.func.value.func.id == "super")


def _is_docstring(stmt: ast.AST) -> bool:
    return (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str))


def _new_const(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        if value == 0:
            return type(value)(1)
        if value == 1:
            return type(value)(0)
        return value + 1
    return None


# Each operator: (node, path, context) -> list of (description, replacement) where the
# replacement is a function of the copied node giving a node or a list of statements.
Edit = tuple[str, Callable[[ast.AST], object]]


def _op_arith(node, ctx) -> list[Edit]:
    if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in _ARITH:
        new_op = _ARITH[type(node.op)]

        def swap(n, new_op=new_op):
            n.op = new_op()
            return n
        return [("", swap)]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return [("", lambda n: n.operand)]
    return []


def _op_compare(node, ctx) -> list[Edit]:
    if not isinstance(node, ast.Compare):
        return []
    edits = []
    for i, op in enumerate(node.ops):
        new_op = _COMPARE.get(type(op))
        if new_op is not None:
            def swap(n, i=i, new=new_op):
                n.ops[i] = new()
                return n
            edits.append(("", swap))
    return edits


def _op_bool(node, ctx) -> list[Edit]:
    if isinstance(node, ast.BoolOp):
        def swap(n):
            n.op = ast.Or() if isinstance(n.op, ast.And) else ast.And()
            return n
        return [("", swap)]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return [("", lambda n: n.operand)]
    return []


def _op_const(node, ctx) -> list[Edit]:
    if not isinstance(node, ast.Constant) or ctx.get("keyword") in ("dim", "keepdim"):
        return []
    new = _new_const(node.value)
    if new is None:
        return []
    return [("", lambda n, new=new: ast.Constant(new))]


def _op_delete(node, ctx) -> list[Edit]:
    if (not ctx.get("in_body") or not isinstance(node, ast.stmt) or isinstance(node, ast.Pass)
            or _is_docstring(node) or _is_super_init(node)):
        return []
    return [(f"line {ctx['line']}: deleted `{_short(node)}`", lambda n: [])]


def _op_super(node, ctx) -> list[Edit]:
    if ctx.get("in_body") and _is_super_init(node):
        return [(f"line {ctx['line']}: no `{_short(node)}`", lambda n: [])]
    return []


def _remove_call(attr: str):
    def op(node, ctx) -> list[Edit]:
        if isinstance(node, ast.Call) and _call_attr(node, attr):
            if attr != "to" and (node.args or node.keywords):
                return []
            return [("", lambda n: n.func.value)]
        return []
    return op


def _op_detach(node, ctx) -> list[Edit]:
    edits = _remove_call("detach")(node, ctx)
    # Added: on what a function returns, in cells that work with tensors, and not after
    # a call that already leaves the graph (a float or an array has no .detach()).
    if (ctx.get("tensor_cell") and isinstance(node, ast.Return) and node.value is not None
            and isinstance(node.value, (ast.Name, ast.Attribute, ast.Call, ast.BinOp, ast.Subscript))
            and not _call_attr(node.value, "detach", "item", "numpy", "tolist")):
        def add(n):
            n.value = ast.Call(ast.Attribute(n.value, "detach", ast.Load()), [], [])
            return n
        edits.append(("", add))
    return edits


def _op_mode(node, ctx) -> list[Edit]:
    if _call_attr(node, "eval", "train") and not node.args and not node.keywords:
        def swap(n):
            n.func.attr = "train" if n.func.attr == "eval" else "eval"
            return n
        return [("", swap)]
    return []


def _op_no_grad(node, ctx) -> list[Edit]:
    if not isinstance(node, ast.With) or not ctx.get("in_body"):
        return []
    items = [i for i, item in enumerate(node.items)
             if _call_attr(item.context_expr, "no_grad", "inference_mode")]
    if not items:
        return []
    name = _short(node.items[items[0]].context_expr)

    def unwrap(n, i=items[0]):
        if len(n.items) == 1:
            return list(n.body)
        del n.items[i]
        return n
    return [(f"line {ctx['line']}: `with {name}:` removed, body kept", unwrap)]


def _op_dim(node, ctx) -> list[Edit]:
    if not isinstance(node, ast.Call):
        return []
    edits = []
    kws = {kw.arg: i for i, kw in enumerate(node.keywords) if kw.arg}
    if "dim" in kws:
        value = node.keywords[kws["dim"]].value
        if isinstance(value, ast.Constant) and isinstance(value.value, int):
            new = 1 if value.value == 0 else 0

            def set_dim(n, i=kws["dim"], new=new):
                n.keywords[i].value = ast.Constant(new)
                return n
            edits.append(("", set_dim))
    if "keepdim" in kws:
        value = node.keywords[kws["keepdim"]].value
        if isinstance(value, ast.Constant) and isinstance(value.value, bool):
            def flip(n, i=kws["keepdim"]):
                n.keywords[i].value = ast.Constant(not n.keywords[i].value.value)
                return n
            edits.append(("", flip))
    elif "dim" in kws and isinstance(node.func, ast.Attribute) and node.func.attr in REDUCTIONS:
        def add(n):
            n.keywords.append(ast.keyword("keepdim", ast.Constant(True)))
            return n
        edits.append(("", add))
    return edits


OPERATORS: dict[str, Callable] = {
    "arith": _op_arith, "compare": _op_compare, "bool": _op_bool, "const": _op_const,
    "delete": _op_delete, "super": _op_super, "detach": _op_detach,
    "item": _remove_call("item"), "to": _remove_call("to"), "mode": _op_mode,
    "no_grad": _op_no_grad, "dim": _op_dim,
}


TENSOR_HINT = re.compile(r"\btorch\b|\bnn\.|\.grad\b|backward|\btensor\b|\bmodel\b")


def _sites(tree: ast.AST, ranges) -> list[tuple[tuple, ast.AST, dict]]:
    """Every node inside the solution lines, with what the operators need to know."""
    sites = []
    tensor_cell = bool(TENSOR_HINT.search(ast.unparse(tree)))
    for path, node in _walk(tree):
        if not path or not _inside(node, ranges):
            continue
        name, index = path[-1]
        parent, _ = _parent_slot(tree, path)
        ctx = {"line": node.lineno, "tensor_cell": tensor_cell,
               "in_body": index is not None and isinstance(node, ast.stmt),
               "keyword": parent.arg if isinstance(parent, ast.keyword) else None}
        sites.append((path, node, ctx))
    return sites


def mutate_source(source: str, grade_id: str = "cell", lesson: str = "",
                  kinds: Iterable[str] = KINDS) -> list[Mutant]:
    """Every mutant of one answer cell, in a fixed order (kind, then place in the code).

    Only code between the BEGIN/END SOLUTION markers is changed (the rest was given to the
    student). A mutant whose code is the same as the original's, or as an earlier mutant's,
    is left out. Raises SyntaxError when the cell is not plain Python.
    """
    tree = ast.parse(source)
    ranges = solution_lines(source)
    original = ast.unparse(tree)
    seen = {original}
    mutants = []
    sites = _sites(tree, ranges)
    for kind in kinds:
        operator, n = OPERATORS[kind], 0
        for path, node, ctx in sites:
            for description, edit in operator(node, ctx):
                copied = copy.deepcopy(tree)
                _, target = next((p, x) for p, x in _walk(copied) if p == path)
                before = _short(target)
                new = edit(target)
                _replace(copied, path, new)
                ast.fix_missing_locations(copied)
                try:
                    code = ast.unparse(copied)
                    compile(code, "<mutant>", "exec")
                except (SyntaxError, ValueError, TypeError):
                    continue
                if code in seen:
                    continue
                seen.add(code)
                if not description:
                    after = "(nothing)" if isinstance(new, list) else _short(new)
                    description = f"line {ctx['line']}: `{before}` -> `{after}`"
                mutants.append(Mutant(f"{grade_id}:{kind}:{n}", lesson, grade_id, kind,
                                      description, code))
                n += 1
    return mutants
