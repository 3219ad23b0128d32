"""What the kernel's record (grader/coursegrader/sandbox/audit.py) costs a kernel, in
instructions.

    python benchmarks/bench_record.py [LESSON] [--new-process] [--cpu-seconds]

Runs LESSON's reference solution (05-state-dict by default, in the ci budget) in a fresh
Python process for each figure, in an IPython shell that names its cells as ipykernel does:

* "no record": as it is;
* "record": with the audit hook installed before anything else, as the sandbox's launcher
  installs it (the same config: the trusted folders, the test cells' names; no canary
  cells, which the grader adds to a submission);
* "record, no walks": the same with no test cell named, so that the library namespaces
  are never read (the walks at the first and the last test cell).

By default each process is a kernel as the fork server makes it (sandbox/forkserver.py):
it first imports what the server imports (sandbox/forks.py's PRELOAD) and, where the record
is on, takes the server's snapshot of the library modules (audit.py's module_snapshot),
which the hook's walks then start from. What a server does is paid once per grading run,
not once per kernel: two more runs count it ("imports", "imports + snapshot"), and each
kernel's figure is its run less the server's part. ``--new-process``: kernels started as new
processes, as where fork servers do not work (their imports are then part of each kernel).

Counted by valgrind's cachegrind: the instructions a run executes are the same figure run
after run, where the CPU seconds of a shared two-core machine drift by a quarter within the
hour (the grading benchmark, ``make bench-grading``, pairs its runs for that reason). With
--cpu-seconds, or where valgrind is not installed, it prints CPU seconds instead, and says
so. A run under cachegrind takes about fifty times as long as without (about eight minutes
for lesson 05 here); two run at once.

Prints each run's figure, the record's overhead, and the walks' part of it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AUDIT_DIR = ROOT / "grader" / "coursegrader" / "sandbox"
# label: (record or not, test cells named, only what the fork server does)
RUNS = {"no record": ("none", True, False), "record": ("record", True, False),
        "record, no walks": ("record", False, False)}
SERVER_RUNS = {"imports": ("none", True, True), "imports + snapshot": ("record", True, True)}


def run_notebook(mode: str, notebook: Path, name_tests: bool, preload: list[str],
                 server_only: bool) -> None:
    """(In the child process.) What the fork server does (``preload``), then, unless
    ``server_only``, every code cell of ``notebook``, in order, in one shell."""
    for name in preload:
        __import__(name)
    cells = [("".join(c["source"]), c["metadata"].get("nbgrader", {}))
             for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code"]
    if mode == "record":
        from ipykernel.compiler import get_tmp_hash_seed, murmur2_x86

        tests = [f"{murmur2_x86(s, get_tmp_hash_seed())}.py" for s, m in cells
                 if m.get("grade") and not m.get("solution")] if name_tests else []
        sys.path.insert(0, str(AUDIT_DIR))
        import audit

        snapshot = audit.module_snapshot() if preload else None
        if server_only:
            print("cells 0 failed 0", file=sys.stderr)
            return
        trusted = sorted({p for p in sys.path if p and os.path.isdir(p)
                          and not Path(p).resolve().is_relative_to(ROOT / "solutions")})
        # the records go nowhere: what they cost the kernel is writing them
        audit._install(os.open(os.devnull, os.O_WRONLY), {
            "key": "00" * 32, "trusted": trusted, "tests": tests, "canaries": [],
            "cell_prefix": "/tmp/ipykernel_"}, snapshot)
    elif server_only:
        print("cells 0 failed 0", file=sys.stderr)
        return
    from ipykernel.compiler import XCachingCompiler
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.compile = XCachingCompiler()  # cells named as in a kernel (the hook reads names)
    os.chdir(notebook.parent)
    failed = sum(not shell.run_cell(source).success for source, _ in cells)
    print(f"cells {len(cells)} failed {failed}", file=sys.stderr)


def measure(label: str, notebook: Path, valgrind: str | None, preload: list[str]) -> float:
    mode, name_tests, server_only = {**RUNS, **SERVER_RUNS}[label]
    cmd = [sys.executable, __file__, "--run", mode, str(notebook),
           "--preload", ",".join(preload)]
    if not name_tests:
        cmd.append("--no-tests")
    if server_only:
        cmd.append("--server-only")
    if valgrind:
        cmd = [valgrind, "--tool=cachegrind", "--cache-sim=no",
               f"--cachegrind-out-file={os.devnull}", *cmd]
    # one thread: torch's pool spins while it waits, and how long depends on what else runs,
    # which would make even the instruction count change from run to run
    env = {**os.environ, "MPLBACKEND": "agg", "COURSE_BUDGET": "ci", "COURSE_THREADS": "1",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    start = os.times()
    run = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if run.returncode != 0 or "failed 0" not in run.stderr:
        raise SystemExit(f"{label}: the notebook did not run through:\n{run.stderr[-3000:]}")
    if valgrind:
        refs = re.search(r"I\s+refs:\s+([\d,]+)", run.stderr)
        return float(refs.group(1).replace(",", ""))
    t = os.times()  # (the runs are one after the other then: see main)
    return (t.children_user - start.children_user) + (t.children_system
                                                      - start.children_system)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lesson", nargs="?", default="05-state-dict")
    parser.add_argument("--cpu-seconds", action="store_true",
                        help="CPU seconds instead of instructions (noisy: see above)")
    parser.add_argument("--new-process", action="store_true",
                        help="kernels started as new processes, not forked from a server")
    parser.add_argument("--run", help=argparse.SUPPRESS)
    parser.add_argument("--no-tests", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--preload", default="", help=argparse.SUPPRESS)
    parser.add_argument("--server-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run_notebook(args.run, Path(args.lesson), not args.no_tests,
                     [m for m in args.preload.split(",") if m], args.server_only)
        return
    notebook = ROOT / "solutions" / args.lesson / f"{args.lesson}.ipynb"
    if not notebook.is_file():
        raise SystemExit(f"no reference solution {notebook}")
    valgrind = None if args.cpu_seconds else shutil.which("valgrind")
    unit = "instructions" if valgrind else "CPU seconds"
    if not valgrind:
        print("valgrind not found (or --cpu-seconds): CPU seconds, which drift on a shared "
              "machine; compare only runs made side by side")
    # (read here, not in the runs: they import nothing of the grader's)
    sys.path.insert(1, str(ROOT / "grader"))
    from coursegrader.sandbox.forks import PRELOAD  # what a fork server imports

    preload = [] if args.new_process else list(PRELOAD)
    labels = [*RUNS, *(SERVER_RUNS if preload else ())]
    # under valgrind two at once; CPU seconds are counted for this process's children,
    # so one at a time
    with ThreadPoolExecutor(2 if valgrind else 1) as pool:
        figures = dict(zip(labels, pool.map(lambda k: measure(k, notebook, valgrind, preload),
                                            labels), strict=True))
    show = (lambda v: f"{v / 1e9:.3f} G") if valgrind else (lambda v: f"{v:.2f} s")
    if preload:
        # each kernel: its run less what the fork server did before it forked it
        server = {"no record": figures["imports"]}
        server["record"] = server["record, no walks"] = figures["imports + snapshot"]
        for label in RUNS:
            figures[label] -= server[label]
        print(f"{args.lesson}, its reference solution in one IPython shell, as a kernel "
              f"forked from the fork server ({unit} after the fork):")
    else:
        print(f"{args.lesson}, its reference solution in one IPython shell, as a kernel "
              f"started as a new process ({unit}):")
    base = figures["no record"]
    for label in RUNS:
        value = figures[label]
        extra = "" if label == "no record" else f"  {100 * (value / base - 1):+.1f}%"
        print(f"  {label:18s} {show(value)}{extra}")
    walks, cost = figures["record"] - figures["record, no walks"], figures["record"] - base
    if cost > 0:
        print(f"  the walks' part of the record's cost: {100 * walks / cost:.0f}%")
    else:
        print("  the record cost nothing measurable here: compare again side by side")
    if preload:
        print(f"  once per grading run, in the fork server: its imports "
              f"{show(figures['imports'])}, its snapshot "
              f"{show(figures['imports + snapshot'] - figures['imports'])}")


if __name__ == "__main__":
    main()
