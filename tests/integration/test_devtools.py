"""The developer tools run end to end: the simulated term (devtools/demo.py) and the grading
benchmark (devtools/bench.py), each in a throw-away folder, sandbox on where it can run."""

from __future__ import annotations

import json

import pytest

from coursegrader.devtools.bench import run_bench
from coursegrader.devtools.demo import STUDENTS, run_demo


@pytest.mark.slow
def test_the_demo_plays_a_whole_term(tmp_path):
    said = []
    report = run_demo(tmp_path, jobs=2, echo=said.append)
    text = "\n".join(said)
    for step in ("1. released", "3. collected", "4. autograded", "5. feedback", "6. "):
        assert step in text, f"the demo did not say {step!r}:\n{text}"
    assert set(report) == set(STUDENTS)
    perfect = report["ada"]
    assert perfect["status"] == "graded" and perfect["score"] == perfect["max_score"] > 0
    assert report["ben"] == {"status": "graded", "score": 0.0, "max_score": perfect["max_score"]}
    assert 0 < report["cho"]["score"] < perfect["max_score"]
    assert report["dev"]["status"] == "failed"
    assert json.loads((tmp_path / "demo-results.json").read_text()) == report


@pytest.mark.slow
def test_the_benchmark_compares_plain_nbgrader_with_ours(tmp_path):
    said = []
    report = run_bench("01-python-classes", n=2, jobs=2, folder=tmp_path, echo=said.append)
    text = "\n".join(said)
    assert report["identical"], text
    assert {"plain", "ours"} <= set(report["seconds"]) and report["ratio"] > 0
    assert "wall time (s)" in text and "scores identical" in text
    assert set(report["stages"]["ours"]) >= {"sanitize", "kernel_start", "execution", "record"}
    if "ours-sandbox" in report["stages"] and cgroups_count_cpu():
        # each sandboxed kernel's CPU time, from its cgroup: the figure the record's
        # overhead is judged by on a busy machine
        for name in ("ours-sandbox", "no-record"):
            assert report["stages"][name]["kernel_cpu"] > 0.5, report["stages"][name]
        assert "the kernels' CPU time" in text, text
        # and student by student (devtools/bench.py: paired_overhead)
        assert "median of each student's two kernels" in text, text
        assert len(report["record_cpu_overhead_paired"]) == 3
        # the same graded with kernels started as new processes: what forking saves
        assert report["stages"]["new-process"]["kernel_cpu"] > 0.5
        assert "forked kernels save" in text and "fork_cpu_saving" in report, text


def cgroups_count_cpu() -> bool:
    from coursegrader.sandbox.cgroups import CgroupLimits
    from coursegrader.sandbox.limits import Limits

    group = CgroupLimits(Limits(2**30, 64, 2**28, 1.0), label="probe")
    try:
        return group.active and group.cpu_seconds() is not None
    finally:
        group.remove(wait=0)
