"""What the kernel really ran: the audit hook's record (sandbox/audit.py), read and judged.

The record is a stream of signed, numbered records (see the launcher's docstring). Here:

* :func:`parse` checks every signature and number: a forged, missing, repeated or cut record
  is a *problem* (the kernel's code wrote into the grader's channel or closed it);
* :func:`check_cell` compares what was compiled and run while one test cell (or canary) ran
  with what the grader expects of that cell: IPython's standard transformation of its exact
  source, split and compiled as IPython does. Nothing may be dropped, added or rewritten,
  the code must be run by IPython itself with no student code around it, and the shell
  that runs it must be IPython's own (no student transformer, replaced method, custom
  exception handler, tracing function, signal handler; no library function or built-in
  replaced by student code);
* :func:`judge` adds what student code did that tampers with the kernel (tracing hooks,
  heap walks, frames, ctypes, code objects, /proc/self/mem, ...) and every piece of code a
  student compiled at run time, through the same static scan as the cells.

Events are judged by where they come from: the hook marks each with the file of the code
that raised it, and code under the read-only Python environment is a library's; a cell,
a file the submission wrote, or code a student compiled is the student's.
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import marshal
import re
from dataclasses import dataclass, field

HEADER = 4 + 32
MAX_RECORD = 4096
DONT_IMPLY_DEDENT = 0x200  # codeop.PyCF_DONT_IMPLY_DEDENT, as IPython's compiler sets it


@dataclass
class Record:
    offset: int  # where it starts in the byte stream
    seq: int
    pid: int
    kind: str
    fields: tuple


@dataclass
class Parsed:
    records: list[Record] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    kernel_pid: int | None = None


def parse(data: bytes, key: bytes) -> Parsed:
    """Every record whose signature holds, in order; problems for the rest."""
    out, pos, expected = Parsed(), 0, {}
    while pos < len(data):
        if len(data) - pos < 4:
            out.problems.append(f"a cut record at byte {pos}")
            break
        size = int.from_bytes(data[pos:pos + 4], "big")
        if size < HEADER or size > MAX_RECORD or pos + size > len(data):
            out.problems.append(f"an unreadable record at byte {pos}")
            break
        mac, body = data[pos + 4:pos + HEADER], data[pos + HEADER:pos + size]
        if not hmac.compare_digest(mac, hmac.digest(key, body, "sha256")):
            out.problems.append(f"a forged record at byte {pos}")
            pos += size
            continue
        try:  # signed by the hook: marshal of a tuple of plain values
            seq, pid, kind, *fields = marshal.loads(body)
        except (ValueError, EOFError, TypeError):
            out.problems.append(f"an unreadable record at byte {pos}")
            break
        want = expected.get(pid, 0)
        if seq > want:
            out.problems.append(f"records {want}-{seq - 1} of process {pid} are missing")
        elif seq < want:
            out.problems.append(f"record {seq} of process {pid} came twice")
        expected[pid] = max(want, seq + 1)
        if out.kernel_pid is None and kind == "start":
            out.kernel_pid = pid
        out.records.append(Record(pos, seq, pid, kind, tuple(fields)))
        pos += size
    return out


# ------------------------------------------------------------------ what a cell should be

def _futures() -> int:
    import __future__

    flags = 0
    for name in __future__.all_feature_names:
        flags |= getattr(__future__, name).compiler_flag
    return flags


FUTURE_FLAGS = _futures()


def cell_file(source: str) -> str:
    """The name ipykernel gives a cell's code (its compiler's get_file_name, without the
    folder, which depends on the kernel's process id)."""
    from ipykernel.compiler import get_tmp_hash_seed, murmur2_x86

    return f"{murmur2_x86(source, get_tmp_hash_seed())}.py"


def transformed(source: str) -> str:
    """IPython's standard transformation of a cell (InteractiveShell.transform_cell with no
    transformer added: magics, shell escapes, prompts; a one-line cell also goes through the
    prefilter, which adds its newline)."""
    from IPython.core.inputtransformer2 import TransformerManager

    text = TransformerManager().transform_cell(source)
    if len(text.splitlines()) == 1:
        text = text.rstrip("\n") + "\n"
    return text


@dataclass
class Expected:
    text: str
    file: str
    code: list[tuple[str, int]]  # (digest, asserts) of each top-level statement, in order
    asserts: int


def expected_cell(source: str, futures: int = 0) -> Expected:
    """What IPython compiles for ``source``: its transformed text, and the code of each
    top-level statement as run_ast_nodes compiles it (the last one in "single" mode when
    it is an expression, IPython's default "last_expr")."""
    from coursegrader.sandbox.audit import code_measures

    digest, asserts = code_measures()
    text = transformed(source)
    name = cell_file(source)
    try:
        tree = compile(text, name, "exec", DONT_IMPLY_DEDENT | ast.PyCF_ONLY_AST | futures, 1)
    except SyntaxError:
        return Expected(text, name, [], 0)
    nodes, code = tree.body, []
    for index, node in enumerate(nodes):
        single = index == len(nodes) - 1 and isinstance(node, ast.Expr)
        mod = ast.Interactive([node]) if single else ast.Module([node], [])
        compiled = compile(mod, name, "single" if single else "exec",
                           DONT_IMPLY_DEDENT | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT | futures, 1)
        code.append((digest(compiled), asserts(compiled)))
    return Expected(text, name, code, sum(n for _, n in code))


def _count_asserts(text: str) -> int:
    return len(re.findall(r"^\s*assert\b", text, re.M))


def _basename(path: str) -> str:
    return path.rsplit("/", 1)[-1]


SHELL_FILE = "/IPython/core/interactiveshell.py"
# where IPython compiles the cells it runs
CELL_COMPILERS = ("/IPython/core/compilerop.py", "/codeop.py", SHELL_FILE)


def check_cell(records: list[Record], source: str, cell_prefix: str,
               failed: bool = False) -> tuple[list[str], list[str]]:
    """(why the cell did not run as written, what was changed in the kernel around it).

    ``records``: the kernel's records written while the cell ran (between the moment the
    grader sent it and its reply)."""
    compiles = [r for r in records if r.kind == "compile"]
    execs = [r for r in records if r.kind == "exec"]
    cell_compiles = [r for r in compiles if r.fields[3].startswith(cell_prefix)]
    futures = next((r.fields[5] & FUTURE_FLAGS for r in execs), 0)
    want = expected_cell(source, futures)
    mine = [r for r in cell_compiles if _basename(r.fields[3]) == want.file]
    # Another cell's text parsed by a library is no code run: IPython's traceback (through
    # stack_data) parses the cells of the frames it shows. Only the shell's compiler and
    # student code compile what then runs.
    others = [r for r in cell_compiles if _basename(r.fields[3]) != want.file
              and (r.fields[5] or r.fields[4].endswith(CELL_COMPILERS))]
    ran = [r for r in execs if _basename(r.fields[0]) == want.file
           and r.fields[0].startswith(cell_prefix)]
    why: list[str] = []
    if not mine and not ran:
        if others:
            return ["other code ran in its place"], []
        return ["its code was never compiled"], []
    text_digest = hashlib.sha256(want.text.encode("utf-8", "surrogatepass")).hexdigest()
    texts = [r for r in mine]  # IPython parses a cell's text once
    if len(texts) != 1:
        why.append(f"it was compiled {len(texts)} times")
    for r in texts:
        if r.fields[0] != text_digest:
            got = r.fields[2].decode("utf-8", "replace") if isinstance(r.fields[2], bytes) else ""
            if not got.strip() or got.strip() == "pass":
                why.append("its code was replaced before it ran")
            elif _count_asserts(got) < _count_asserts(want.text):
                why.append("its asserts were removed before it ran")
            else:
                why.append("its text was rewritten before it ran")
    got_code = [(r.fields[3], r.fields[4]) for r in ran]
    if failed and got_code and got_code == want.code[:len(got_code)]:
        got_code = want.code  # it stopped at the statement that failed, as IPython does
    if got_code != want.code and not why:
        if sum(n for _, n in got_code) < want.asserts:
            why.append("its asserts were removed")
        elif len(got_code) < len(want.code):
            why.append("statements were dropped")
        elif len(got_code) > len(want.code):
            why.append("statements were added")
        else:
            why.append("its compiled code was rewritten")
    if others:
        why.append("other cell code ran while it ran")
    marks: list[str] = []
    for r in records:
        if r.kind == "libraries" and _basename(r.fields[0]) == want.file:
            marks += list(r.fields[1])
    for r in ran:
        actor, under = r.fields[1], r.fields[6]
        if not actor.endswith(SHELL_FILE):
            why.append(f"it was run by {_where(actor)}, not by IPython")
        if under:
            why.append(f"it ran inside student code ({_where(under)})")
        marks += list(r.fields[7])
    return list(dict.fromkeys(why)), list(dict.fromkeys(marks))


def _where(path: str) -> str:
    return path if len(path) < 80 else "..." + path[-77:]


# ------------------------------------------------------------------ events of student code

EVENT_WORDS = {
    "sys.settrace": "installs a tracing hook",
    "sys.setprofile": "installs a profiling hook",
    "gc.get_objects": "walks the interpreter's heap (gc.get_objects)",
    "gc.get_referrers": "walks the interpreter's heap (gc.get_referrers)",
    "gc.get_referents": "walks the interpreter's heap (gc.get_referents)",
    "sys._getframe": "inspects the interpreter's frames (sys._getframe)",
    "sys._current_frames": "inspects the interpreter's frames (sys._current_frames)",
    "object.__getattr__": "reaches the interpreter's frames",
    "code.__new__": "builds a code object",
    "marshal.loads": "loads code with marshal",
    "marshal.load": "loads code with marshal",
    "sys.addaudithook": "adds an audit hook",
    "open": "opens the kernel's memory",
}
# modules whose objects a pickle has no business loading in a lesson
PICKLE_CODE = ("builtins.", "__builtin__.", "os.", "posix.", "subprocess.", "types.",
               "marshal.", "sys.", "importlib.", "code.", "runpy.", "ctypes.", "gc.",
               "inspect.", "IPython.", "ipykernel.", "codecs.")


def event_reason(record: Record) -> str | None:
    """What a student's event means, or None when it means nothing for the grade."""
    name, actor, detail = record.fields[:3]
    if name.startswith("ctypes."):
        return f"uses ctypes ({name}{' of ' + detail if detail else ''})"
    if name == "pickle.find_class":
        if detail.startswith(PICKLE_CODE):
            return f"loads {detail} with pickle"
        return None
    if name in ("object.__setattr__", "object.__delattr__"):
        if detail.endswith(".__code__"):
            return f"replaces a function's code ({detail})"
        return None
    if name == "object.__getattr__":
        return f"reaches the interpreter's frames ({detail})"
    if name == "open":
        return f"opens {detail}"
    return EVENT_WORDS.get(name)


# ------------------------------------------------------------------ the whole run

@dataclass
class Cell:
    index: int  # in the executed notebook
    label: str  # "test cell ex2-clip-test", "cell 7 (ex2-clip)", "the canary after ..."
    source: str
    checked: bool  # a test cell or a canary: compared with what ran
    failed: bool = False  # its output holds an error


@dataclass
class Verdict:
    review: list[str] = field(default_factory=list)  # why the grade is withheld
    notes: list[str] = field(default_factory=list)  # what the instructor may want to know
    runtime_code: list[tuple[str, str]] = field(default_factory=list)  # (where, source)


def _sources(records: list[Record]):
    """(record, full text) of every compile record, its "more" records joined to it."""
    out, last = [], {}
    for r in records:
        if r.kind == "compile":
            item = [r, bytes(r.fields[2])]
            out.append(item)
            last[r.pid] = item
        elif r.kind == "more" and r.pid in last:
            last[r.pid][1] += bytes(r.fields[0])
        else:
            last.pop(r.pid, None)
    return [(r, text.decode("utf-8", "replace")) for r, text in out]


def judge(data: bytes, key: bytes, windows: dict[int, tuple[int, int]], cells: list[Cell],
          scan_code=None) -> Verdict:
    """Judge one notebook's run from its record. ``windows``: cell index -> (first byte,
    end) of the record written while the grader ran that cell; ``scan_code(source)``: the
    static scan's reasons for a piece of code (integrity.scan)."""
    verdict = Verdict()
    parsed = parse(data, key)
    if parsed.problems:
        more = f" and {len(parsed.problems) - 1} more" if len(parsed.problems) > 1 else ""
        verdict.review.append("the kernel wrote into the grader's record of what it ran "
                              f"({parsed.problems[0]}{more})")
    start = next((r for r in parsed.records if r.kind == "start"), None)
    if start is None:
        verdict.review.append("the grader's record of what the kernel ran is missing")
        return verdict
    cell_prefix = start.fields[1]
    kernel = parsed.kernel_pid
    by_index = {c.index: c for c in cells}
    spans = sorted((s, e, i) for i, (s, e) in windows.items())

    def cell_of(offset: int) -> Cell | None:
        for s, e, i in spans:
            if s <= offset < e:
                return by_index.get(i)
        return None

    def where(offset: int) -> str:
        cell = cell_of(offset)
        return cell.label if cell is not None else "code running between cells (a thread)"

    seen_marks: set[str] = set()
    not_as_written: dict[str, list[str]] = {}  # why -> the cells, one line for all of them
    for cell in cells:
        if not cell.checked:
            continue
        if cell.index not in windows:
            verdict.review.append(f"{cell.label} ran, and the grader has no record of it")
            continue
        s, e = windows[cell.index]
        mine = [r for r in parsed.records if s <= r.offset < e and r.pid == kernel]
        why, marks = check_cell(mine, cell.source, cell_prefix, cell.failed)
        if why:
            not_as_written.setdefault("; ".join(why), []).append(cell.label)
        new = [m for m in marks if m not in seen_marks]
        if new:
            seen_marks.update(new)
            verdict.review.append(f"the kernel was changed before {cell.label} ran: "
                                  + "; ".join(new))
    lines = []
    for why, labels in not_as_written.items():
        shown = ", ".join(labels[:3]) + (f" and {len(labels) - 3} more" if len(labels) > 3
                                         else "")
        lines.append(f"{shown} did not run as written ({why})")
    verdict.review[:0] = lines
    for r in parsed.records:
        if r.kind == "event":
            reason = event_reason(r)
            if reason:
                verdict.review.append(f"{where(r.offset)} {reason}")
        elif r.kind == "error":
            verdict.notes.append(f"the audit hook failed on an event {r.fields[0]} "
                                 f"({r.fields[1]}) in {where(r.offset)}")
    for r, text in _sources(parsed.records):
        filename, by_student = r.fields[3], r.fields[5]
        if not by_student and (filename.startswith(cell_prefix) or "/" not in filename):
            continue  # IPython compiling a cell (the cells are scanned as they are), or a
            # library its own code; a file the student wrote is scanned
        label = where(r.offset) if by_student else f"the file {filename}"
        verdict.runtime_code.append((label, text))
        for what in (scan_code(text) if scan_code is not None else []):
            verdict.review.append(f"{label} compiled code at run time that {what}")
    verdict.review = list(dict.fromkeys(verdict.review))
    verdict.notes = list(dict.fromkeys(verdict.notes))
    return verdict
