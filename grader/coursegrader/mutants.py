"""Mutation testing of the course's own tests: do the tests notice a wrong answer?

For every answer cell (an nbgrader ``solution: true`` code cell) of a lesson's reference
solution, small deliberate mistakes (*mutants*) are made in the code between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` with Python's ``ast``: an operator swapped,
a constant changed, a statement deleted, a ``.detach()`` dropped, a ``torch.no_grad()``
block unwrapped... Each mutant is graded the way a submission is: the solution notebook
(hidden tests included) runs in a fresh kernel with ``NBGRADER_EXECUTION=autograde`` up to
the exercise's last test cell, with the mutated cell in place. The mutant is *killed* when a
test cell of its exercise fails, and *survives* when every one of them passes: a wrong
answer that would get full marks. See docs/mutation-testing.md.

``run_mutants`` returns data (``LessonReport``); ``format_table`` and ``write_report`` turn
it into text. The CLI (``course mutants``) only calls them.
"""

from __future__ import annotations

import ast
import copy
import os
import random
import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from coursegrader.paths import lesson_notebook
from coursegrader.paths import lessons as all_lessons

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

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


@dataclass(frozen=True)
class Mutant:
    id: str  # "<grade_id>:<kind>:<n>", n counts the mutants of that kind in that cell
    lesson: str
    grade_id: str
    kind: str
    description: str
    source: str  # the whole mutated answer cell


@dataclass
class MutantResult:
    mutant: Mutant
    status: str  # "killed", "survived", "equivalent" (reviewed, not run) or "error"
    failed_tests: list[str] = field(default_factory=list)
    seconds: float = 0.0
    note: str = ""


@dataclass
class LessonReport:
    lesson: str
    results: list[MutantResult]
    skipped_cells: list[str] = field(default_factory=list)  # "grade_id: why"
    baseline_failures: list[str] = field(default_factory=list)  # tests the solution fails
    stale_equivalents: list[str] = field(default_factory=list)  # listed ids that no longer exist
    seconds: float = 0.0
    total: int | None = None  # mutants of the lesson before sampling (None: not sampled)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def generated(self) -> int:
        return len(self.results)

    @property
    def killed(self) -> int:
        return self.count("killed")

    @property
    def equivalent(self) -> int:
        return self.count("equivalent")

    @property
    def survived(self) -> int:
        return self.count("survived")

    @property
    def errors(self) -> int:
        return self.count("error")

    @property
    def score(self) -> float | None:
        """killed / (generated - equivalent); None when nothing was measured."""
        judged = self.generated - self.equivalent
        return self.killed / judged if judged else None

    @property
    def survivors(self) -> list[MutantResult]:
        return [r for r in self.results if r.status == "survived"]


# ---------------------------------------------------------------- generating mutants


def solution_lines(source: str) -> list[tuple[int, int]]:
    """1-based line ranges between BEGIN/END SOLUTION markers (the whole cell without them)."""
    lines = source.splitlines()
    ranges, start = [], None
    for number, line in enumerate(lines, start=1):
        if line.strip() == BEGIN:
            start = number + 1
        elif line.strip() == END and start is not None:
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


@dataclass(frozen=True)
class Exercise:
    grade_id: str  # the answer cell
    answer_index: int
    tests: tuple[str, ...]  # grade_ids of its graded test cells
    last_index: int  # index of its last test cell: the notebook is cut after it


def exercises(nb) -> list[Exercise]:
    """Answer cells and their tests: the graded cells after an answer cell and before the
    next answer cell (the course keeps each exercise's tests right below its answer)."""
    answers = [i for i, c in enumerate(nb.cells)
               if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")]
    found = []
    for k, start in enumerate(answers):
        stop = answers[k + 1] if k + 1 < len(answers) else len(nb.cells)
        tests = [(i, nb.cells[i].metadata["nbgrader"]["grade_id"]) for i in range(start + 1, stop)
                 if nb.cells[i].cell_type == "code" and nb.cells[i].metadata.get("nbgrader", {}).get("grade")]
        grade_id = nb.cells[start].metadata["nbgrader"]["grade_id"]
        found.append(Exercise(grade_id, start, tuple(g for _, g in tests),
                              tests[-1][0] if tests else -1))
    return found


def lesson_mutants(lesson: str) -> tuple[list[Mutant], list[str]]:
    """All mutants of a lesson, and the answer cells that gave none (with why)."""
    nb = nbformat.read(lesson_notebook(lesson), as_version=4)
    mutants, skipped = [], []
    for ex in exercises(nb):
        if not ex.tests:
            skipped.append(f"{ex.grade_id}: no graded test cell follows it")
            continue
        try:
            mutants += mutate_source(nb.cells[ex.answer_index].source, ex.grade_id, lesson)
        except SyntaxError as err:
            skipped.append(f"{ex.grade_id}: not plain Python ({err.msg}, line {err.lineno})")
    return mutants, skipped


def load_equivalent() -> dict[str, str]:
    """The reviewed equivalent mutants: ``"<lesson>/<mutant id>" -> reason``."""
    from coursegrader.mutants_equivalent import EQUIVALENT

    return dict(EQUIVALENT)


# ---------------------------------------------------------------- running mutants


def _init_worker(threads: int) -> None:
    # Lessons switch to their small grading budget when nbgrader runs them; the kernels
    # inherit this environment. Two kernels share the cores, so each gets one thread.
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))


def _execute(notebook: str, cut: int, replace: dict[int, str], tests: dict[int, str],
             timeout: int) -> tuple[list[str], str, float]:
    """Run cells[:cut + 1] of ``notebook`` with some sources replaced, in a fresh kernel in
    a fresh folder; return the test cells (grade_ids) that raised, a note, and seconds."""
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    start = time.perf_counter()
    nb = nbformat.read(notebook, as_version=4)
    nb.cells = nb.cells[: cut + 1]
    for index, source in replace.items():
        nb.cells[index].source = source
    note = ""
    with tempfile.TemporaryDirectory(prefix="course-mutant-") as folder:
        client = NotebookClient(nb, timeout=timeout, allow_errors=True, interrupt_on_timeout=True,
                                kernel_name="python3", resources={"metadata": {"path": folder}})
        try:
            # The kernel's own log (its start-up warnings) says nothing about the mutant;
            # what the cells print still reaches the notebook.
            client.execute(stderr=subprocess.DEVNULL)
        except DeadKernelError:
            note = "the kernel died"
        except Exception as err:  # noqa: BLE001 - a mutant may break the run in any way
            note = f"{type(err).__name__}: {str(err)[:200]}"
    failed = []
    for index, grade_id in tests.items():
        outputs = nb.cells[index].get("outputs", [])
        ran = nb.cells[index].get("execution_count") is not None
        if not ran or any(o.get("output_type") == "error" for o in outputs):
            failed.append(grade_id)
    return failed, note, time.perf_counter() - start


def _job(args):
    return args[0], _execute(*args[1:])


def select_sample(mutants: list[Mutant], sample: int | None, seed: int = 0) -> list[Mutant]:
    """A fixed random sample (same seed, same mutants), kept in the listing order."""
    if sample is None or sample >= len(mutants):
        return list(mutants)
    chosen = set(random.Random(seed).sample(range(len(mutants)), sample))
    return [m for i, m in enumerate(mutants) if i in chosen]


def run_mutants(lessons: list[str] | None = None, jobs: int = 2, timeout: int = 120,
                sample: int | None = None, seed: int = 0, baseline: bool = True,
                equivalent: dict[str, str] | None = None,
                progress: Callable[[str], None] | None = None) -> list[LessonReport]:
    """Generate and grade the mutants of ``lessons`` (default: all); one report per lesson.

    ``sample``: grade only that many mutants of each lesson, chosen with ``seed``.
    ``baseline``: first run each lesson's unmutated solution, and report the tests it
    fails (their mutants would be "killed" for nothing: they are marked "error").
    ``equivalent``: reviewed equivalent mutants (default: mutants_equivalent.py); they
    are not run.
    """
    lessons = list(lessons) if lessons else all_lessons()
    equivalent = load_equivalent() if equivalent is None else equivalent
    say = progress or (lambda line: None)
    per_lesson, skipped, layout, cells = {}, {}, {}, {}
    for lesson in lessons:
        per_lesson[lesson], skipped[lesson] = lesson_mutants(lesson)
        cells[lesson] = nbformat.read(lesson_notebook(lesson), as_version=4).cells
        layout[lesson] = {ex.grade_id: ex for ex in exercises(nbformat.v4.new_notebook(cells=cells[lesson]))}
    chosen = [m for lesson in lessons for m in select_sample(per_lesson[lesson], sample, seed)]
    results: dict[str, MutantResult] = {}
    jobs_list = []
    if baseline:
        for lesson in lessons:
            exs = [ex for ex in layout[lesson].values() if ex.tests]
            if not exs:
                continue
            cut = max(ex.last_index for ex in exs)
            tests = {i: c.metadata["nbgrader"]["grade_id"] for i, c in enumerate(cells[lesson])
                     if i <= cut and c.metadata.get("nbgrader", {}).get("grade")}
            jobs_list.append((("baseline", lesson), str(lesson_notebook(lesson)), cut, {}, tests,
                              timeout))
    for m in chosen:
        key = f"{m.lesson}/{m.id}"
        if key in equivalent:
            results[key] = MutantResult(m, "equivalent", note=equivalent[key])
            continue
        ex = layout[m.lesson][m.grade_id]
        nb_cells = cells[m.lesson]
        tests = {i: nb_cells[i].metadata["nbgrader"]["grade_id"]
                 for i in range(ex.answer_index + 1, ex.last_index + 1)
                 if nb_cells[i].metadata.get("nbgrader", {}).get("grade")}
        jobs_list.append((("mutant", key), str(lesson_notebook(m.lesson)), ex.last_index,
                          {ex.answer_index: m.source}, tests, timeout))
    by_key = {f"{m.lesson}/{m.id}": m for m in chosen}
    baseline_failures: dict[str, list[str]] = {lesson: [] for lesson in lessons}
    lesson_seconds = dict.fromkeys(lessons, 0.0)
    done = 0
    threads = max(1, (os.cpu_count() or 1) // max(jobs, 1))
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker,
                             initargs=(threads,)) as pool:
        futures = [pool.submit(_job, job) for job in jobs_list]
        for future in as_completed(futures):
            (what, key), (failed, note, seconds) = future.result()
            done += 1
            if what == "baseline":
                baseline_failures[key] = failed
                lesson_seconds[key] += seconds
                say(f"[{done}/{len(jobs_list)}] {key}: reference solution "
                    + (f"FAILS {failed}" if failed else "passes") + f" ({seconds:.0f} s)")
                continue
            m = by_key[key]
            lesson_seconds[m.lesson] += seconds
            status = "killed" if failed else "survived"
            results[key] = MutantResult(m, status, failed, seconds, note)
            say(f"[{done}/{len(jobs_list)}] {key} {status} ({seconds:.0f} s): {m.description}")
    reports = []
    for lesson in lessons:
        rows = []
        for m in chosen:
            if m.lesson != lesson:
                continue
            r = results[f"{lesson}/{m.id}"]
            broken = set(baseline_failures[lesson]) & set(layout[lesson][m.grade_id].tests)
            if r.status == "killed" and broken:
                r = MutantResult(m, "error", r.failed_tests, r.seconds,
                                 f"the reference solution fails {sorted(broken)} too")
            rows.append(r)
        ids = {f"{lesson}/{m.id}" for m in per_lesson[lesson]}
        stale = sorted(k for k in equivalent if k.startswith(lesson + "/") and k not in ids)
        total = len(per_lesson[lesson]) if len(rows) < len(per_lesson[lesson]) else None
        reports.append(LessonReport(lesson, rows, skipped[lesson], baseline_failures[lesson],
                                    stale, lesson_seconds[lesson], total))
    return reports


# ---------------------------------------------------------------- text


def format_table(reports: list[LessonReport], survivors: bool = True) -> str:
    """A Markdown table (one row per lesson), then every survivor with its description."""
    lines = ["| lesson | mutants | killed | equivalent | survived | score |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in reports:
        score = "n/a" if r.score is None else f"{100 * r.score:.0f}%"
        errors = f" ({r.errors} not measured)" if r.errors else ""
        generated = f"{r.generated} of {r.total} (sample)" if r.total else f"{r.generated}"
        lines.append(f"| {r.lesson} | {generated} | {r.killed} | {r.equivalent} | "
                     f"{r.survived}{errors} | {score} |")
    if survivors:
        for r in reports:
            notes = [f"- `{s.mutant.id}`: {s.mutant.description}" for s in r.survivors]
            notes += [f"- not measured: `{e.mutant.id}` ({e.note})"
                      for e in r.results if e.status == "error"]
            notes += [f"- answer cell without mutants: {s}" for s in r.skipped_cells]
            notes += [f"- reference solution fails: {', '.join(r.baseline_failures)}"
                      for _ in [0] if r.baseline_failures]
            notes += [f"- listed as equivalent but no longer generated: `{s}`"
                      for s in r.stale_equivalents]
            if notes:
                lines += ["", f"**{r.lesson}** survivors and notes:", "", *notes]
    return "\n".join(lines)


MARK_BEGIN = "<!-- mutants:begin (written by `make mutants`) -->"
MARK_END = "<!-- mutants:end -->"


def write_report(path: Path, reports: list[LessonReport], command: str, when: str) -> None:
    """Replace the table between the markers of ``path`` (a Markdown file)."""
    path = Path(path)
    text = path.read_text()
    if MARK_BEGIN not in text or MARK_END not in text:
        raise ValueError(f"{path} has no {MARK_BEGIN} ... {MARK_END} block to replace")
    seconds = sum(r.seconds for r in reports)
    block = (f"{MARK_BEGIN}\nMeasured {when} with `{command}` "
             f"({seconds / 60:.1f} kernel-minutes).\n\n{format_table(reports)}\n{MARK_END}")
    head, rest = text.split(MARK_BEGIN, 1)
    tail = rest.split(MARK_END, 1)[1]
    path.write_text(head + block + tail)


def describe(mutants: list[Mutant]) -> str:
    """One line per mutant: its id and what it changes."""
    return "\n".join(f"{m.lesson}/{m.id}  {m.description}" for m in mutants)


_ID_RE = re.compile(r"^[\w.-]+:[a-z_]+:\d+$")


def valid_id(mutant_id: str) -> bool:
    return bool(_ID_RE.match(mutant_id))
