"""classreport/stats.py: the class report's numbers, from records shaped as
nbg.gradebook.class_records returns them (built here in memory)."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from coursegrader.classreport import stats
from coursegrader.nbg.gradebook import WITHHELD

DUE = datetime(2026, 1, 15, 12, 0)
CELLS = [("nb", "t-easy", 1.0), ("nb", "t-good", 2.0), ("nb", "t-also", 2.0),
         ("nb", "t-wrong", 1.0)]


def submission(student, scores, late_hours=0.0, extension=None, comments=(), graded=True,
               penalty=0.0):
    grades = {("nb", name): {"auto": score if graded else None, "manual": None,
                             "score": score if graded else 0.0, "max": top}
              for (_, name, top), score in zip(CELLS, scores, strict=True)}
    return {"student": student, "timestamp": DUE + timedelta(hours=late_hours - 1),
            "duedate": DUE + (extension or timedelta()), "extension": extension,
            "seconds_late": max(0.0, late_hours - 1) * 3600, "late_penalty": penalty,
            "score": sum(g["score"] for g in grades.values()) - penalty,
            "max_score": sum(c[2] for c in CELLS), "grades": grades,
            "comments": [("nb", "a1", c) for c in comments]}


def records(subs):
    return {"lesson": "01-x", "duedate": DUE, "cells": CELLS, "submissions": subs}


def planted(n=20):
    """Students of rising ability: t-easy everyone passes, t-good and t-also the stronger
    half (and t-good half the weaker), t-wrong the weaker half (a test that rewards the wrong
    answer)."""
    subs = []
    for i in range(n):
        strong = i >= n // 2
        subs.append(submission(f"s{i:02d}", [1.0, 2.0 if strong else float(i % 2),
                                             2.0 if strong else 0.0, 0.0 if strong else 1.0]))
    return records(subs)


def cell(found, name):
    return next(c for c in found.cells if c.name == name)


def test_discrimination_is_the_correlation_with_the_rest_of_the_score():
    found = stats.class_stats(planted())
    good, wrong = cell(found, "t-good"), cell(found, "t-wrong")
    scores = [s["grades"][("nb", "t-good")]["score"] for s in planted()["submissions"]]
    rest = [s["score"] - x for s, x in zip(planted()["submissions"], scores, strict=True)]
    assert good.discrimination == pytest.approx(np.corrcoef(scores, rest)[0, 1])
    assert good.discrimination > 0.5 and not any("discrimination" in m for m in good.marks)
    assert wrong.discrimination < 0
    assert "negative discrimination: test may be wrong" in wrong.marks


def test_a_cell_everyone_passes_is_too_easy_and_has_no_discrimination():
    easy = cell(stats.class_stats(planted()), "t-easy")
    assert easy.share_passed == 1.0 and easy.mean_points == 1.0
    assert easy.discrimination is None  # no spread: no correlation
    assert easy.marks == ["too easy"]


def test_the_hardest_cell_is_the_one_fewest_pass():
    subs = [submission(f"s{i}", [1.0, 2.0, 2.0, 1.0 if i == 0 else 0.0]) for i in range(10)]
    found = stats.class_stats(records(subs))
    hardest = found.hardest()[0]
    assert hardest.name == "t-wrong" and hardest.share_passed == pytest.approx(0.1)
    assert "too hard" in hardest.marks


def test_discrimination_near_zero_is_marked():
    assert stats.cell_marks(0.5, 0.05) == ["discrimination near zero: test may be wrong"]
    assert stats.cell_marks(0.5, 0.6) == []
    assert stats.cell_marks(0.2, None) == ["too hard"]


def test_too_few_students_give_no_discrimination():
    subs = [submission(f"s{i}", [1.0, float(i), 0.0, 0.0]) for i in range(3)]
    assert cell(stats.class_stats(records(subs)), "t-good").discrimination is None


def test_median_and_quartiles_are_numpys():
    found = stats.class_stats(planted(21))
    assert found.median == pytest.approx(np.percentile(found.totals, 50))
    assert found.quartiles == pytest.approx(tuple(np.percentile(found.totals, [25, 75])))


def test_late_on_time_and_extensions_come_from_the_records():
    subs = [submission("ada", [1, 2, 2, 1]),
            submission("ben", [1, 2, 2, 1], late_hours=5, penalty=0.5),
            submission("cho", [1, 2, 2, 1], extension=timedelta(days=3))]
    found = stats.class_stats(records(subs))
    assert (found.submitted, found.on_time) == (3, 2)
    assert found.late == [("ben", 4 * 3600, 0.5)]
    assert found.extensions == [("cho", timedelta(days=3), DUE + timedelta(days=3))]
    assert found.duedate == DUE


def test_flags_say_why_and_keep_broken_and_withheld_out_of_the_numbers():
    subs = [submission("ada", [1, 2, 2, 1]),
            submission("ben", [0, 0, 0, 0], comments=[WITHHELD + "cell 3 patches abs"]),
            submission("cho", [0, 0, 0, 0], graded=False),
            submission("dev", [1, 0, 0, 0], comments=["No response.",
                                                   "memory limit of 4 GiB reached in cell 7"])]
    found = stats.class_stats(records(subs))
    reasons = {f.student: f.reasons for f in found.flags}
    assert reasons["ben"] == ["integrity: cell 3 patches abs"]
    assert reasons["cho"][0].startswith("broken")
    assert reasons["dev"] == ["grader's note: memory limit of 4 GiB reached in cell 7"]
    assert "ada" not in reasons
    # a limit is noted but the work still counts; withheld and broken do not
    assert found.graded == ["ada", "dev"] and found.submitted == 4


def test_failure_messages_are_counted_most_common_first():
    subs = [submission(f"s{i}", [1, 0, 2, 1]) for i in range(5)]
    failures = {(f"s{i}", "nb", "t-good"): "AssertionError: a" if i < 3 else
                "AssertionError: b" for i in range(4)}
    found = cell(stats.class_stats(records(subs), failures), "t-good")
    # ties: in the order of the text
    assert found.failures == [("AssertionError: a", 3), ("(no error message saved)", 1),
                              ("AssertionError: b", 1)]


def test_cells_follow_the_lessons_order():
    found = stats.class_stats(planted(), order=["t-wrong", "t-easy", "t-good"])
    # a cell the lesson does not name comes last
    assert [c.name for c in found.cells] == ["t-wrong", "t-easy", "t-good", "t-also"]
