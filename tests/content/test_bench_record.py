"""benchmarks/bench_record.py: what the kernel's record costs, run for real on lesson 01 (in
CPU seconds, the quick way: under valgrind the same runs take minutes)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from coursegrader.course.paths import COURSE_ROOT

pytestmark = pytest.mark.slow


def run_bench(*args: str) -> str:
    run = subprocess.run(
        [sys.executable, str(COURSE_ROOT / "benchmarks" / "bench_record.py"),
         "01-python-classes", "--cpu-seconds", *args],
        capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    assert "compare only runs made side by side" in out  # the noise is said out loud
    # (in seconds, on a busy machine, the record can even come out cheaper: said so)
    assert re.search(r"the walks' part of the record's cost: -?\d+%|the record cost nothing "
                     r"measurable here", out), out
    return out


def figures_of(out: str) -> dict[str, float]:
    found = re.findall(r"^  (no record|record|record, no walks) +(-?[\d.]+) s", out,
                       re.MULTILINE)
    return {label: float(value) for label, value in found}


def test_the_record_benchmark_runs_the_lesson_three_ways_and_reports():
    out = run_bench("--new-process")
    assert "started as a new process" in out, out
    figures = figures_of(out)
    assert set(figures) == {"no record", "record", "record, no walks"}, out
    assert all(v > 0.1 for v in figures.values()), out  # a whole kernel's work


def test_the_record_benchmark_counts_a_forked_kernel_after_the_fork():
    """By default the kernels are forked, as grading forks them: each figure is the run
    less what the fork server does once (its imports, its snapshot), printed apart."""
    out = run_bench()
    assert "forked from the fork server" in out, out
    assert set(figures_of(out)) == {"no record", "record", "record, no walks"}, out
    server = re.search(r"once per grading run, in the fork server: its imports ([\d.]+) s, "
                       r"its snapshot (-?[\d.]+) s", out)
    assert server and float(server.group(1)) > 1.0, out  # torch is imported there


def test_a_lesson_without_a_reference_solution_is_refused():
    run = subprocess.run(
        [sys.executable, str(COURSE_ROOT / "benchmarks" / "bench_record.py"), "99-nothing"],
        capture_output=True, text=True, timeout=60)
    assert run.returncode != 0 and "no reference solution" in run.stderr
