"""The class report's statistics, computed from the plain data that
``nbg.gradebook.class_records`` returns (and the failure messages gather.py reads).

Item analysis as it is usually done for tests: a test cell is one item; a student "passed" it
with full points; its discrimination is the corrected item-total correlation, the Pearson
correlation of the cell's score with the rest of the student's score (the total without this
cell), so that a cell does not correlate with itself.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from coursegrader.nbg.gradebook import WITHHELD

# Marks on a test cell. The thresholds are the usual rules of thumb of item analysis:
# an item nearly everyone passes (or fails) says little about who understood, and one whose
# discrimination is near zero or negative does not separate strong from weak students: the
# test may check the wrong thing, or the reference answer may be wrong.
TOO_EASY = 0.95  # share passed at or above
TOO_HARD = 0.25  # share passed at or below
LOW_DISCRIMINATION = 0.15  # below: "near zero"
MIN_STUDENTS = 5  # fewer graded submissions: no discrimination (too noisy to mean anything)
TOP_FAILURES = 3

DISCRIMINATION_MEANS = (
    "discrimination: the correlation of this cell's score with the rest of the score; near 1 "
    "the students who pass it are those who do well elsewhere, near 0 or below it does not "
    "separate them (the test may be wrong)")

# nbgrader's own automatic comment on an answer left as released (SaveAutoGrades)
NO_RESPONSE = "No response."


@dataclass
class CellStats:
    notebook: str
    name: str
    max_score: float
    students: int  # graded submissions counted
    share_passed: float
    mean_points: float
    discrimination: float | None  # None: not enough students, or no spread in the scores
    failures: list[tuple[str, int]] = field(default_factory=list)  # (message, count)
    marks: list[str] = field(default_factory=list)


@dataclass
class Flag:
    student: str
    reasons: list[str]


@dataclass
class ClassStats:
    lesson: str
    duedate: datetime | None
    submitted: int
    on_time: int
    late: list[tuple[str, float, float]]  # (student, seconds late, late penalty)
    extensions: list[tuple[str, timedelta, datetime | None]]  # (student, extension, due)
    graded: list[str]  # the students the statistics count (not flagged as broken/withheld)
    totals: list[float]  # their total scores, in the order of ``graded``
    max_score: float
    median: float | None
    quartiles: tuple[float, float] | None
    cells: list[CellStats]
    flags: list[Flag]

    def hardest(self) -> list[CellStats]:
        """The cells from the hardest (fewest passed, then fewest points) to the easiest."""
        return sorted(self.cells, key=lambda c: (c.share_passed,
                                                 c.mean_points / c.max_score, c.name))


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """The Pearson correlation, or None when either has no spread."""
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return sxy / math.sqrt(sxx * syy)


def quantile(values: list[float], q: float) -> float:
    """Linear interpolation between order statistics (numpy's default "linear" method)."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def flags_of(submission: dict) -> list[str]:
    """Why a submission needs a person's review, from what the grader recorded: a grade
    withheld for integrity (nbg.gradebook.withhold), a note of the grader such as a kernel
    limit (nbg.gradebook.add_comment), a notebook that was never graded (a zero row:
    nbg.gradebook.record_zero)."""
    reasons: list[str] = []
    grades = submission["grades"].values()
    if grades and all(g["auto"] is None and g["manual"] is None for g in grades):
        reasons.append("broken: the notebook could not be read or run, a score of 0 is "
                       "recorded")
    seen = set()
    for _notebook, _cell, text in submission["comments"]:
        for line in text.splitlines():
            line = line.strip()
            if not line or line == NO_RESPONSE or line in seen:
                continue
            seen.add(line)
            if line.startswith(WITHHELD):
                reasons.append("integrity: " + line[len(WITHHELD):])
            else:
                reasons.append("grader's note: " + line)
    return reasons


def cell_marks(share: float, discrimination: float | None) -> list[str]:
    marks = []
    if share >= TOO_EASY:
        marks.append("too easy")
    if share <= TOO_HARD:
        marks.append("too hard")
    if discrimination is not None:
        if discrimination < 0:
            marks.append("negative discrimination: test may be wrong")
        elif discrimination < LOW_DISCRIMINATION:
            marks.append("discrimination near zero: test may be wrong")
    return marks


def class_stats(records: dict, failures: dict | None = None,
                order: list[str] | None = None) -> ClassStats:
    """The report's numbers. ``records``: nbg.gradebook.class_records; ``failures``:
    (student, notebook, cell) -> failure message (gather.failure_messages); ``order``: the
    lesson's grade ids in notebook order (cells not in it come last, by name)."""
    failures = failures or {}
    subs = records["submissions"]
    flags = [Flag(s["student"], why) for s in subs if (why := flags_of(s))]
    flagged = {f.student for f in flags if any(not r.startswith("grader's note")
                                               for r in f.reasons)}
    counted = [s for s in subs if s["student"] not in flagged]
    late = [(s["student"], s["seconds_late"], s["late_penalty"])
            for s in subs if s["seconds_late"] > 0]
    extensions = [(s["student"], s["extension"], s["duedate"])
                  for s in subs if s["extension"]]
    totals = [s["score"] for s in counted]
    rank = {name: i for i, name in enumerate(order or [])}
    keys = sorted(((nb, name) for nb, name, _ in records["cells"]),
                  key=lambda k: (k[0], rank.get(k[1], len(rank)), k[1]))
    max_of = {(nb, name): m for nb, name, m in records["cells"]}
    cells = []
    for key in keys:
        top = max_of[key]
        scores = [s["grades"].get(key, {}).get("score", 0.0) for s in counted]
        n = len(scores)
        passed = sum(1 for x in scores if x >= top - 1e-9)
        share = passed / n if n else 0.0
        rest = [t - x for t, x in zip(totals, scores, strict=True)]
        disc = pearson(scores, rest) if n >= MIN_STUDENTS else None
        messages = Counter(failures.get((s["student"], *key), "(no error message saved)")
                           for s, x in zip(counted, scores, strict=True) if x < top - 1e-9)
        cells.append(CellStats(
            notebook=key[0], name=key[1], max_score=top, students=n, share_passed=share,
            mean_points=sum(scores) / n if n else 0.0, discrimination=disc,
            failures=sorted(messages.items(), key=lambda m: (-m[1], m[0]))[:TOP_FAILURES],
            marks=cell_marks(share, disc) if n else []))
    return ClassStats(
        lesson=records["lesson"], duedate=records["duedate"], submitted=len(subs),
        on_time=len(subs) - len(late), late=late, extensions=extensions,
        graded=[s["student"] for s in counted], totals=totals,
        max_score=max((s["max_score"] for s in subs), default=0.0),
        median=quantile(totals, 0.5) if totals else None,
        quartiles=(quantile(totals, 0.25), quantile(totals, 0.75)) if totals else None,
        cells=cells, flags=flags)
