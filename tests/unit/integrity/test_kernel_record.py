"""The kernel's record of what it ran, part by part: the audit hook's records (a real Python
process started through the launcher, with a real pipe), the check of a test cell against
records, the parse of a stream a kernel tampered with, and the scan of code compiled at run
time. The whole chain, in the sandbox and against attacks, is tests/security/test_hostile.py's."""

from __future__ import annotations

import hashlib
import hmac
import marshal
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from coursegrader.integrity.kernel_record import (
    SHELL_FILE,
    Cell,
    check_cell,
    event_reason,
    expected_cell,
    judge,
    parse,
    transformed,
)
from coursegrader.integrity.scan import scan_code
from coursegrader.sandbox.audit import code_measures
from coursegrader.sandbox.bwrap import AUDIT_FILE
from coursegrader.sandbox.channel import RecordChannel

PREFIX = "/tmp/ipykernel_7/"
SHELL = "/env/lib/python3.11/site-packages" + SHELL_FILE
COMPILER = "/env/lib/python3.11/site-packages/IPython/core/compilerop.py"
KEY = b"k" * 32


def signed(records, key=KEY) -> bytes:
    """A record stream as the audit hook writes it: (kind, *fields) per record."""
    out = b""
    for seq, (kind, *fields) in enumerate(records):
        body = marshal.dumps((seq, 42, kind, *fields))
        out += (36 + len(body)).to_bytes(4, "big") + hmac.digest(key, body, "sha256") + body
    return out


def as_ipython_runs(source, text=None, code=None, actor=SHELL, under="", marks=()):
    """The records of IPython running ``source``: its text parsed once, then each top-level
    statement compiled and executed (``text``/``code``: what a tampered kernel ran)."""
    want = expected_cell(source)
    text = transformed(source) if text is None else text
    name = PREFIX + want.file
    records = [("compile", hashlib.sha256(text.encode()).hexdigest(), len(text),
                text.encode()[:3000], name, COMPILER, False)]
    for digest, asserts in want.code if code is None else code:
        records += [("compile-ast", "", "/usr/lib/python3.11/codeop.py", False),
                    ("exec", name, actor, False, digest, asserts, 0, under, tuple(marks))]
    return records


def records_of(kind_fields):
    return parse(signed([("start", ("/env/",), PREFIX), *kind_fields]), KEY).records


TEST = textwrap.dedent('''\
    clip = Clip(-1.0, 1.0)
    assert clip.forward(0.5) == 0.5, "forward should leave values inside [low, high] unchanged."
    assert clip.forward(3.0) == 1.0, "forward must clip to [low, high]."
    %time x = 1
    clip''')


# ------------------------------------------------------------------ the hook, in a process

STUDENT = textwrap.dedent('''\
    import collections, gc, os, sys
    record_fd, config_fd = int(sys.argv[1]), int(sys.argv[2])
    exec(bytes.fromhex("783d3120"+"2b2031").decode())  # x=1 + 1, decoded at run time
    collections.namedtuple("Point", "x y")  # a library's own compile and frame access
    sys._getframe()
    sys.settrace(None)
    open("/proc/self/mem", "rb").close()
    gc.get_objects()
    try:
        os.fstat(config_fd)
        print("CONFIG STILL OPEN")
    except OSError:
        pass
    print("SECRET SEEN" if any("key" in v for v in os.environ.values()) else "no secret")
    os.write(record_fd, b"\\x00\\x00\\x00\\x40" + b"\\x00" * 60)  # a forged record
    exec("y = 2")  # the hook goes on after it
    ''')


def launch(tmp_path: Path, code: str, trusted=(), tests=(), launcher=AUDIT_FILE):
    (tmp_path / "student_code.py").write_text(code)
    channel = RecordChannel({
        "trusted": sorted({sys.prefix, sys.base_prefix, os.path.realpath(sys.base_prefix),
                           str(AUDIT_FILE.parent), *trusted}),
        "tests": list(tests), "cell_prefix": PREFIX})
    record_fd, config_fd = channel.child_fds()
    proc = subprocess.Popen(
        [sys.executable, str(launcher), str(record_fd), str(config_fd), "-m",
         "student_code", str(record_fd), str(config_fd)],
        pass_fds=channel.child_fds(), cwd=tmp_path, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(tmp_path)})
    channel.started()
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out
    return parse(channel.close(), channel.key), out, channel


def test_the_hook_records_what_student_code_does(tmp_path):
    parsed, out, channel = launch(tmp_path, STUDENT)
    assert "no secret" in out and "CONFIG STILL OPEN" not in out, out
    kinds = [r.kind for r in parsed.records]
    assert kinds[0] == "start" and parsed.kernel_pid is not None
    # numbered from 0, every one signed with the run's secret
    assert [r.seq for r in parsed.records] == list(range(len(parsed.records)))
    student = str(tmp_path / "student_code.py")
    compiled = [bytes(r.fields[2]) for r in parsed.records
                if r.kind == "compile" and r.fields[5]]
    assert b"x=1 + 1" in compiled and b"y = 2" in compiled  # the decoded source itself
    events = {(r.fields[0], r.fields[1]) for r in parsed.records if r.kind == "event"}
    for name in ("sys._getframe", "sys.settrace", "open", "gc.get_objects"):
        assert (name, student) in events, (name, events)
    # the library's own frame access and compile (namedtuple) are not the student's
    assert not [e for e in events if e[1] != student], events
    assert not [r for r in parsed.records if r.kind == "compile" and "namedtuple" in r.fields[3]]
    # the record written by the student's code is found out; the hook's go on after it
    assert parsed.problems == [parsed.problems[0]] and "forged" in parsed.problems[0]
    verdict = judge(channel.close(), channel.key, {}, [])
    said = " ".join(verdict.review)
    for words in ("wrote into the grader's record", "inspects the interpreter's frames",
                  "installs a tracing hook", "opens /proc/self/mem", "walks the interpreter"):
        assert words in said, said


def test_a_library_importing_is_not_recorded_as_the_student(tmp_path):
    parsed, out, _ = launch(tmp_path, "import json, dataclasses, typing, inspect\n"
                                      "@dataclasses.dataclass\nclass P:\n    x: int = 0\n"
                                      "print(P())\n")
    assert not parsed.problems, parsed.problems
    assert [r for r in parsed.records if r.kind == "event"] == []
    # the student's own class body and the dataclass's generated code are not scanned
    assert not [r for r in parsed.records if r.kind == "compile" and r.fields[5]]


def test_ctypes_is_the_students_only_when_the_student_calls_it(tmp_path):
    """A library loading its own shared library while the student's call runs it (torch
    does, lazily) is not the student's; the student's own ctypes call is, and so is any
    library loaded from a folder the kernel can write to, whoever loads it."""
    library = tmp_path / "site"  # a read-only folder of code, in the sandbox
    library.mkdir()
    (library / "libloader.py").write_text(
        "import ctypes\ndef load(name):\n    return ctypes.CDLL(name)\n")
    writable = tmp_path / "mine.so"
    writable.write_bytes(Path(system_libc()).read_bytes())
    code = (f"import ctypes, sys\nsys.path.insert(0, {str(library)!r})\n"
            "import libloader\n"
            "libloader.load('libc.so.6')\n"            # the library's own load
            "ctypes.CDLL('libc.so.6')\n"               # the student's own
            f"libloader.load({str(writable)!r})\n")    # from a writable folder
    parsed, out, channel = launch(tmp_path, code, trusted=[str(library)])
    dlopens = [r.fields[1:] for r in parsed.records
               if r.kind == "event" and r.fields[0] == "ctypes.dlopen"]
    # the student's own load and the writable folder's, not the library's own load of libc
    assert [name for _, name in dlopens] == ["libc.so.6", str(writable)], dlopens
    verdict = judge(channel.close(), channel.key, {}, [])
    assert "uses ctypes (ctypes.dlopen" in " ".join(verdict.review), verdict.review


def system_libc() -> str:
    import ctypes.util

    for folder in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64"):
        path = Path(folder) / "libc.so.6"
        if path.exists():
            return str(path)
    return ctypes.util.find_library("c")


def test_the_shell_is_read_only_around_the_checked_cells(tmp_path):
    """Reading the shell's state costs time at every statement: the hook does it for the
    cells the record is checked against (tests, canaries), and for no other cell."""
    code = (f"exec(compile('x = 1', {PREFIX + 'test.py'!r}, 'exec'))\n"
            f"exec(compile('y = 2', {PREFIX + 'other.py'!r}, 'exec'))\n")
    parsed, _, _ = launch(tmp_path, code, tests=["test.py"])
    marks = {r.fields[0].rsplit("/", 1)[1]: r.fields[7] for r in parsed.records
             if r.kind == "exec" and r.fields[0].startswith(PREFIX)}
    # (run outside IPython, the shell read finds no run_code: that is its mark here)
    assert marks == {"test.py": ("the cell did not run through IPython's run_code",),
                     "other.py": ()}, marks


def test_code_measures_ignore_file_names_and_lines():
    digest, asserts = code_measures()
    one = compile("assert x == 1, 'x'\ndef f(y):\n    assert y\n", "/a.py", "exec")
    two = compile("\n\nassert x == 1, 'x'\ndef f(y):\n    assert y\n", "/b.py", "exec")
    other = compile("assert x == 2, 'x'\ndef f(y):\n    assert y\n", "/a.py", "exec")
    assert digest(one) == digest(two) != digest(other)
    assert asserts(one) == 2 and asserts(compile("x = 1", "a", "exec")) == 0


# ------------------------------------------------------------------ a cell against records

def test_a_test_cell_that_ran_as_written_passes():
    assert check_cell(records_of(as_ipython_runs(TEST)), TEST, PREFIX) == ([], [])


def test_a_test_cell_rewritten_or_dropped_is_named():
    want = expected_cell(TEST)
    cases = {
        "its code was replaced before it ran": as_ipython_runs(TEST, text="pass\n",
                                                               code=[]),
        "its asserts were removed before it ran": as_ipython_runs(
            TEST, text="clip = Clip(-1.0, 1.0)\nclip\n"),
        "its asserts were removed": as_ipython_runs(TEST, code=[want.code[0],
                                                                 (want.code[1][0], 0)]),
        "statements were dropped": as_ipython_runs(TEST, code=want.code[:3] + want.code[4:]),
        "its compiled code was rewritten": as_ipython_runs(
            TEST, code=[want.code[0], want.code[2], want.code[1], *want.code[3:]]),
        "it was run by /tmp/x.py, not by IPython": as_ipython_runs(TEST, actor="/tmp/x.py"),
        "it ran inside student code (<string>)": as_ipython_runs(TEST, under="<string>"),
        "its code was never compiled": [],
        "other code ran in its place": as_ipython_runs("pass"),
    }
    for words, records in cases.items():
        why, _ = check_cell(records_of(records), TEST, PREFIX)
        assert words in "; ".join(why), (words, why)


def test_another_cell_parsed_for_a_traceback_is_no_code_run():
    """IPython's traceback parses the cells of the frames it shows (through stack_data):
    that is no code run. Another cell compiled by student code while the test runs is."""
    other = PREFIX + expected_cell("def forward(x):\n    return x\n").file
    parsed_by = {"/env/lib/python3.11/site-packages/stack_data/core.py": False,
                 str(Path(PREFIX) / "student.py"): True}
    for actor, by_student in parsed_by.items():
        records = as_ipython_runs(TEST)
        records.insert(2, ("compile", "0" * 64, 3, b"def", other, actor, by_student))
        why, _ = check_cell(records_of(records), TEST, PREFIX)
        if by_student:
            assert "other cell code ran while it ran" in why, why
        else:
            assert why == [], why


def test_a_failed_test_cell_stops_where_it_failed():
    """IPython compiles and runs one statement after the other and stops at the first that
    fails: what ran is a beginning of the cell, which is no tampering."""
    want = expected_cell(TEST)
    records = records_of(as_ipython_runs(TEST, code=want.code[:2]))
    assert check_cell(records, TEST, PREFIX, failed=True) == ([], [])
    assert check_cell(records, TEST, PREFIX, failed=False)[0]


def test_what_was_changed_around_a_test_cell_is_reported():
    records = records_of(as_ipython_runs(TEST, marks=["shell.showtraceback replaced (x)"]))
    assert check_cell(records, TEST, PREFIX) == ([], ["shell.showtraceback replaced (x)"])


def test_the_check_covers_magics_and_a_last_expression():
    """IPython's own transformation (a magic becomes a call) and its "last_expr" mode (the
    last statement, an expression, compiled as "single") are what the grader expects."""
    want = expected_cell(TEST)
    assert "run_line_magic" in want.text and len(want.code) == 5
    assert want.asserts == 2


# ------------------------------------------------------------------ a tampered stream

def test_forged_missing_repeated_and_cut_records_are_problems():
    good = signed([("start", ("/env/",), PREFIX), ("event", "x", "y", "z")])
    assert parse(good, KEY).problems == []
    assert "forged" in parse(signed([("start", (), PREFIX)], key=b"o" * 32), KEY).problems[0]
    body = marshal.dumps((5, 42, "event", "x", "y", "z"))
    gap = good + (36 + len(body)).to_bytes(4, "big") + hmac.digest(KEY, body, "sha256") + body
    assert "records 2-4 of process 42 are missing" in parse(gap, KEY).problems
    assert parse(good + good, KEY).problems == ["record 0 of process 42 came twice",
                                                "record 1 of process 42 came twice"]
    assert "cut" in parse(good + b"\x00\x00", KEY).problems[0]
    assert judge(b"", KEY, {}, []).review == [
        "the grader's record of what the kernel ran is missing"]


# ------------------------------------------------------------------ code compiled at run time

def test_code_compiled_at_run_time_goes_through_the_scan_with_its_cell():
    hidden = "get_ipython().ast_transformers.append(Drop())"
    data = signed([
        ("start", ("/env/",), PREFIX),
        ("compile", "d", len(hidden), hidden.encode(), "<string>", PREFIX + "1.py", True),
        # a library compiling its own code (a dataclass's __init__): not the student's
        ("compile", "d", 20, b"get_ipython()", "<string>", "/env/lib/dataclasses.py", False),
    ])
    cells = [Cell(2, "cell 3 (ex1-running-mean)", "exec(...)", False)]
    verdict = judge(data, KEY, {2: (0, len(data))}, cells, scan_code_for_tests)
    assert verdict.review == [
        "cell 3 (ex1-running-mean) compiled code at run time that rewrites code before it "
        "runs (ast_transformers)",
        "cell 3 (ex1-running-mean) compiled code at run time that reaches into the IPython "
        "kernel that runs the tests (get_ipython)"]
    assert verdict.runtime_code == [("cell 3 (ex1-running-mean)", hidden)]


def scan_code_for_tests(source):
    return scan_code(source, {"abs"}, {"torch"})


def test_the_scan_of_one_piece_of_code():
    assert scan_code_for_tests("abs = lambda x: 0") == [
        "redefines abs, which the tests use"]
    assert "patches the module torch with setattr" in scan_code_for_tests(
        "setattr(torch, 'allclose', f)")
    assert scan_code_for_tests("y = abs(-1) + 2") == []


def test_library_code_patched_between_the_edge_test_cells_is_found(tmp_path):
    """The library namespaces are read at the first and the last test cell: a function and
    a class's method replaced in between, by computed names, are named with the student's
    file; so is a function built from a code object dressed up as the library's file."""
    library = tmp_path / "site"
    library.mkdir()
    (library / "libmod.py").write_text(
        "def check(x):\n    return x > 0\n\n"
        "class Checker:\n    def ok(self):\n        return False\n\n"
        "def spare():\n    return 0\n")
    code = textwrap.dedent(f'''\
        import sys, types
        sys.path.insert(0, {str(library)!r})
        import libmod
        compile("x = 1", {PREFIX + "first.py"!r}, "exec")
        setattr(libmod, "che" + "ck", lambda x: True)
        setattr(getattr(libmod, "Check" + "er"), "ok", lambda self: True)
        fake = (lambda: 1).__code__.replace(co_filename=libmod.__file__)
        libmod.spare = types.FunctionType(fake, {{}})
        compile("y = 2", {PREFIX + "last.py"!r}, "exec")
        ''')
    parsed, out, _ = launch(tmp_path, code, trusted=[str(library)],
                            tests=["first.py", "last.py"])
    walks = {r.fields[0].rsplit("/", 1)[1]: r.fields[1] for r in parsed.records
             if r.kind == "libraries"}
    student = str(tmp_path / "student_code.py")
    assert walks["first.py"] == (), walks
    assert sorted(walks["last.py"]) == sorted([
        f"libmod.check holds code from {student}",
        f"libmod.Checker.ok holds code from {student}",
        f"libmod.spare holds code from {library / 'libmod.py'}"]), walks


def test_library_code_patched_before_the_first_test_cell_is_found_in_order(tmp_path):
    """The walk judges the library's functions all at once (one gc.get_referents call);
    when one of them is a student's, it reads everything again value by value: the same
    findings, in the same order, as a walk that judged each value where it met it. A
    classmethod's function counts, and the library's own functions (the one left alone,
    and one made with exec under a name that is no file, as dataclasses do) do not."""
    library = tmp_path / "site"
    library.mkdir()
    (library / "libmod.py").write_text(
        "def check(x):\n    return x > 0\n\n"
        "exec('def made(x):\\n    return x', globals())\n\n"
        "class Checker:\n    @classmethod\n    def make(cls):\n        return cls()\n\n"
        "    def ok(self):\n        return False\n")
    code = textwrap.dedent(f'''\
        import sys
        sys.path.insert(0, {str(library)!r})
        import libmod
        libmod.check = lambda x: True
        type.__setattr__(libmod.Checker, "make", classmethod(lambda cls: None))
        compile("x = 1", {PREFIX + "first.py"!r}, "exec")
        compile("y = 2", {PREFIX + "last.py"!r}, "exec")
        ''')
    parsed, out, _ = launch(tmp_path, code, trusted=[str(library)],
                            tests=["first.py", "last.py"])
    walks = {r.fields[0].rsplit("/", 1)[1]: r.fields[1] for r in parsed.records
             if r.kind == "libraries"}
    student = str(tmp_path / "student_code.py")
    expected = (f"libmod.check holds code from {student}",
                f"libmod.Checker.make holds code from {student}")
    assert walks["first.py"] == expected, walks
    assert walks["last.py"] == (), walks  # nothing changed since: read once, reported once


def test_a_walk_with_no_student_code_finds_nothing_and_keeps_what_it_read(tmp_path):
    """A library left alone: no finding at either edge; a change made after the first
    edge is still seen at the last (what the first walk read was kept)."""
    library = tmp_path / "site"
    library.mkdir()
    (library / "libmod.py").write_text(
        "def check(x):\n    return x > 0\n\n"
        "class Checker:\n    @staticmethod\n    def ok():\n        return False\n")
    code = textwrap.dedent(f'''\
        import sys
        sys.path.insert(0, {str(library)!r})
        import libmod
        compile("x = 1", {PREFIX + "first.py"!r}, "exec")
        type.__setattr__(libmod.Checker, "ok", staticmethod(lambda: True))
        compile("y = 2", {PREFIX + "last.py"!r}, "exec")
        ''')
    parsed, out, _ = launch(tmp_path, code, trusted=[str(library)],
                            tests=["first.py", "last.py"])
    walks = {r.fields[0].rsplit("/", 1)[1]: r.fields[1] for r in parsed.records
             if r.kind == "libraries"}
    student = str(tmp_path / "student_code.py")
    assert walks["first.py"] == (), walks
    assert walks["last.py"] == (f"libmod.Checker.ok holds code from {student}",), walks


def test_a_library_class_that_another_module_re_exports_is_read_for_both(tmp_path):
    """A student's method in a library class is named where the class is defined and
    where another module re-exports it, in the walk's order (the order of sys.modules)."""
    library = tmp_path / "site"
    library.mkdir()
    (library / "libbase.py").write_text("class Base:\n    def ok(self):\n        return False\n")
    (library / "libmod.py").write_text("from libbase import Base as Alias\n")
    code = textwrap.dedent(f'''\
        import sys
        sys.path.insert(0, {str(library)!r})
        import libmod, libbase
        type.__setattr__(libbase.Base, "ok", lambda self: True)
        compile("x = 1", {PREFIX + "first.py"!r}, "exec")
        compile("y = 2", {PREFIX + "last.py"!r}, "exec")
        ''')
    parsed, out, _ = launch(tmp_path, code, trusted=[str(library)],
                            tests=["first.py", "last.py"])
    walks = {r.fields[0].rsplit("/", 1)[1]: r.fields[1] for r in parsed.records
             if r.kind == "libraries"}
    student = str(tmp_path / "student_code.py")
    assert walks["first.py"] == (f"libbase.Base.ok holds code from {student}",
                                 f"libmod.Alias holds code from {student}"), walks


# ------------------------------------------------------------------ a fork server's snapshot

LIBMOD = textwrap.dedent("""\
    import functools

    def check(x):
        return x > 0

    def spare():
        return 0

    def set_attribute(obj, name, value):  # a library's hand (as unittest.mock's)
        setattr(obj, name, value)

    class Checker:
        @staticmethod
        def ok():
            return False

    class Thing:
        pass

    thing = Thing()
    part = functools.partial(check)
    """)


def forked_launcher(library: Path, before: str = "") -> Path:
    """A launcher that does what the fork server does before a kernel's launcher runs: it
    imports the library, runs ``before`` (a library's own doing), takes audit.py's
    module_snapshot, and hands it to the launcher (forkserver.py's kernel())."""
    launcher = library / "forked_launcher.py"
    launcher.write_text(textwrap.dedent(f"""\
        import runpy, sys
        sys.path.insert(0, {str(library)!r})
        import libmod
        {before}
        snapshot = runpy.run_path({str(AUDIT_FILE)!r}, run_name="audit")["module_snapshot"]()
        sys.argv = [{str(AUDIT_FILE)!r}, *sys.argv[1:]]
        runpy.run_path({str(AUDIT_FILE)!r}, run_name="__main__",
                       init_globals={{"FORK_SNAPSHOT": snapshot}})
        """))
    return launcher


def walks_of(tmp_path: Path, code: str, forked: bool, before: str = ""):
    library = tmp_path / "site"
    library.mkdir(exist_ok=True)
    (library / "libmod.py").write_text(LIBMOD)
    code = (f"import sys\nsys.path.insert(0, {str(library)!r})\nimport libmod\n{code}\n"
            f"compile('x = 1', {PREFIX + 'first.py'!r}, 'exec')\n"
            f"compile('y = 2', {PREFIX + 'last.py'!r}, 'exec')\n")
    launcher = forked_launcher(library, before) if forked else AUDIT_FILE
    parsed, out, _ = launch(tmp_path, code, trusted=[str(library)],
                            tests=["first.py", "last.py"], launcher=launcher)
    walks = {r.fields[0].rsplit("/", 1)[1]: r.fields[1] for r in parsed.records
             if r.kind == "libraries"}
    return walks, parsed, str(tmp_path / "student_code.py")


# a library's function given code from outside the trusted folders before the snapshot
ODD_LIBRARY_CODE = ("libmod.odd = eval(compile('lambda: 1', '/elsewhere/odd.py', 'eval'))")


def test_a_namespace_unchanged_since_the_snapshot_is_not_read_again(tmp_path):
    """A kernel forked from the fork server starts its walks from the server's snapshot:
    a module unchanged since then is not read at the first test cell (what the server
    imported ran no student code), while a kernel started as a new process reads it."""
    walks, _, _ = walks_of(tmp_path, "", forked=True, before=ODD_LIBRARY_CODE)
    assert walks == {"first.py": (), "last.py": ()}, walks
    walks, _, _ = walks_of(tmp_path, ODD_LIBRARY_CODE, forked=False)
    assert walks["first.py"] == ("libmod.odd holds code from /elsewhere/odd.py",), walks


def test_a_namespace_changed_since_the_snapshot_is_read_again(tmp_path):
    walks, _, student = walks_of(tmp_path, "libmod.check = lambda x: True\n"
                                 "type.__setattr__(libmod.Checker, 'ok', lambda: True)",
                                 forked=True, before=ODD_LIBRARY_CODE)
    assert walks["first.py"] == (f"libmod.check holds code from {student}",
                                 "libmod.odd holds code from /elsewhere/odd.py",
                                 f"libmod.Checker.ok holds code from {student}"), walks


IN_PLACE = {
    "partial": "libmod.part.__setstate__((lambda x: True, (), {}, None))",
    "staticmethod": "libmod.Checker.__dict__['ok'].__init__(lambda: True)",
    "instance": "class Mine:\n    pass\nlibmod.thing.__class__ = Mine",
}


@pytest.mark.parametrize("change", sorted(IN_PLACE))
def test_a_value_changed_in_place_is_found_from_a_snapshot_as_without_one(tmp_path, change):
    """Values a student can change without giving them a new identity (a partial's function,
    a staticmethod's, an instance's class): the snapshot lists them and the hook checks
    them before each walk, so a forked kernel finds what a new process finds."""
    code = IN_PLACE[change]
    forked, _, student = walks_of(tmp_path, code, forked=True)
    new, _, _ = walks_of(tmp_path, code, forked=False)
    assert forked["first.py"] == new["first.py"] != (), (forked, new)
    assert any(student in finding or "a class of the notebook" in finding
               for finding in forked["first.py"]), forked


@pytest.mark.parametrize("forked", [True, False], ids=["forked", "new-process"])
def test_a_function_given_student_code_by_a_library_is_recorded(tmp_path, forked):
    """A function's ``__code__`` set to a student's code is recorded whoever sets it: a
    walk that trusts an unchanged namespace does not read the function's code."""
    code = "libmod.set_attribute(libmod.spare, '__code__', (lambda: 1).__code__)"
    _, parsed, _ = walks_of(tmp_path, code, forked=forked)
    reasons = [event_reason(r) for r in parsed.records if r.kind == "event"]
    assert "replaces a function's code (function.__code__)" in reasons, parsed.records
