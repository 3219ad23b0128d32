"""How the grading benchmark judges the kernel record's overhead (devtools/bench.py):
student by student (paired_overhead), against the mean of the runs without the record
before and after the run with it (pooled)."""

from __future__ import annotations

import pytest

from coursegrader.devtools.bench import paired_overhead, pooled
from coursegrader.engine.model import Timings


def _timings(cpu: dict[str, float]) -> Timings:
    timings = Timings()
    for student, seconds in cpu.items():
        timings.add(student, "kernel_cpu", seconds)
    return timings


def test_each_student_is_compared_with_their_own_kernel():
    # perfect notebooks cost four times a blank one: 10% more each, whatever the mix
    with_record = _timings({"s1": 8.8, "s2": 2.2, "s3": 8.8, "s4": 2.2})
    without = _timings({"s1": 8.0, "s2": 2.0, "s3": 8.0, "s4": 2.0})
    low, middle, high = paired_overhead(with_record, without)
    assert low == pytest.approx(0.1) and middle == pytest.approx(0.1) and high == pytest.approx(0.1)


def test_one_slowed_kernel_moves_the_mean_but_not_the_median():
    without = _timings({f"s{i}": 4.0 for i in range(7)})
    with_record = _timings({**{f"s{i}": 4.2 for i in range(6)}, "s6": 12.0})
    mean_ratio = sum(r["kernel_cpu"] for r in with_record.per_submission.values()) / sum(
        r["kernel_cpu"] for r in without.per_submission.values()) - 1
    assert mean_ratio > 0.3
    _, middle, high = paired_overhead(with_record, without)
    assert middle == pytest.approx(0.05) and high == pytest.approx(0.05)


def test_students_without_a_count_on_both_sides_are_left_out():
    # s2's kernel was not counted (no cgroup CPU time); s3 was graded once only
    with_record = _timings({"s1": 5.0, "s2": 0.0, "s3": 9.0, "s4": 6.0})
    without = _timings({"s1": 4.0, "s2": 3.0, "s4": 5.0})
    low, middle, high = paired_overhead(with_record, without)
    assert (low, middle, high) == pytest.approx((0.2125, 0.225, 0.2375))
    assert paired_overhead(_timings({"s1": 5.0}), _timings({"s1": 4.0})) is None


def test_the_runs_before_and_after_count_as_their_mean_student_by_student():
    # the machine slowed down between the two runs without the record
    before = _timings({"s1": 4.0, "s2": 2.0})
    after = _timings({"s1": 6.0, "s2": 3.0, "s3": 1.0})
    both = pooled(before, after)
    assert both.per_submission["s1"]["kernel_cpu"] == pytest.approx(5.0)
    assert both.per_submission["s2"]["kernel_cpu"] == pytest.approx(2.5)
    assert both.per_submission["s3"]["kernel_cpu"] == pytest.approx(1.0)  # graded once
    # with the record in between, at the middle speed: no overhead
    low, middle, high = paired_overhead(_timings({"s1": 5.0, "s2": 2.5}), both)
    assert (low, middle, high) == pytest.approx((0.0, 0.0, 0.0))
