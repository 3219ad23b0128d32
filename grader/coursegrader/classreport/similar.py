"""Similar submissions: the code of the answer cells compared across students, with the
released starter code and the reference solution subtracted, by copydetect.

Why copydetect (MIT; needs only numpy, pygments, jinja2, matplotlib and tqdm, all already in
the course's environment): it is a library with a small API for exactly this (token-based
winnowing in the manner of MOSS, names replaced by placeholders so that renamed variables
still match, boilerplate fingerprints removed), and it runs in this process: no code leaves
the machine. compare50 was the other candidate: GPLv3, a command-line tool first, and it
pins attrs<21 (the Jupyter stack here needs attrs 22 or newer) and pulls lib50 and its
network-facing dependencies.

A high score is a hint for a person to look at two submissions, never a verdict: students
who follow the same lecture write alike, and short answers leave little room to differ.
"""

from __future__ import annotations

import io
import itertools
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np
from copydetect import CodeFingerprint, compare_files
from copydetect.utils import get_document_fingerprints, get_token_coverage, highlight_overlap

from coursegrader.course import cells as nbcells
from coursegrader.course.paths import NOTEBOOKS_DIR, lesson_notebook

# copydetect's defaults: a match is at least 25 characters of the normalised code (names
# become V/F/O, strings S, comments and blanks removed), and every such match is found.
NOISE = 25
# A pair is worth a look when, on average, at least half of each one's own code (what is
# left after the starter and the reference are subtracted) is in the other, and that
# shared code is at least MIN_SHARED normalised characters (about five lines of code; ten
# lines of a method are some 110): two short answers that agree on a line or two are not a
# sign of anything.
WORTH_A_LOOK = 0.5
MIN_SHARED = 60
TOP_PAIRS = 10
# Code that many submissions share is how the class was taught (or its most common
# mistake), not a sign that two students copied: a fingerprint found in at least
# max(COMMON_MIN, COMMON_SHARE of the class) submissions is subtracted too, as MOSS's -m
# option does. A ring of up to COMMON_MIN - 1 students who copied still shows.
COMMON_MIN = 4
COMMON_SHARE = 0.1

CAVEAT = ("This is a hint for a person to look at, not a verdict: students taught the same "
          "way write alike, and a short exercise leaves little room to differ. Read the code "
          "side by side, and talk to the students, before concluding anything.")


@dataclass
class Pair:
    a: str
    b: str
    score: float  # the mean of the two shares of own code found in the other
    shares: tuple[float, float]
    shared: int  # normalised characters in common
    code: tuple[str, str]  # each one's code as HTML, the matching parts in <mark>

    @property
    def worth_a_look(self) -> bool:
        return self.score >= WORTH_A_LOOK and self.shared >= MIN_SHARED


@dataclass
class Similarity:
    lesson: str
    students: int  # compared
    unreadable: list[str]
    pairs: list[Pair]  # the most similar, best first


def answer_code(nb, only: set[str] | None = None) -> str:
    """The answer cells of a notebook, one after the other (in the order of the notebook)."""
    parts = []
    for cell in nb.cells:
        grade_id = nbcells.grade_id(cell)
        if nbcells.is_answer(cell) and cell.cell_type == "code" and grade_id and (
                only is None or grade_id in only):
            parts.append(f"# {grade_id}\n{cell.source.rstrip()}\n")
    return "\n".join(parts)


def _fingerprint(name: str, code: str, win: int = 1) -> CodeFingerprint:
    # the name's .py suffix tells copydetect (pygments) the language
    return CodeFingerprint(f"{name}.py", NOISE, win, fp=io.StringIO(code))


def boilerplate(lesson: str) -> np.ndarray:
    """Every fingerprint of the starter code (the released notebook's answer cells) and of
    the reference solution (solutions/): code everyone may share."""
    hashes = []
    for path in (lesson_notebook(lesson, NOTEBOOKS_DIR), lesson_notebook(lesson)):
        if Path(path).is_file():
            code = answer_code(nbformat.read(path, as_version=4))
            hashes.extend(_fingerprint("boilerplate", code).hashes)
    return np.unique(np.array(sorted(hashes), dtype=np.int64))


def submitted_code(submitted: Path, lesson: str) -> tuple[dict[str, str], list[str]]:
    """student -> the code of the answer cells of their submitted notebooks; and the
    students whose notebooks could not be read."""
    code, unreadable = {}, []
    for folder in sorted(Path(submitted).glob(f"*/{lesson}")):
        student = folder.parent.name
        try:
            code[student] = "\n".join(answer_code(nbformat.read(p, as_version=4))
                                      for p in sorted(folder.glob("*.ipynb")))
        except (OSError, ValueError, AttributeError, KeyError):
            unreadable.append(student)
    return code, unreadable


def shared_by_many(prints: dict[str, CodeFingerprint]) -> list[int]:
    """The fingerprints found in at least max(COMMON_MIN, COMMON_SHARE of them) of
    ``prints``."""
    cutoff = max(COMMON_MIN, math.ceil(COMMON_SHARE * len(prints)))
    counts = Counter(h for p in prints.values() for h in p.hashes)
    return sorted(h for h, k in counts.items() if k >= cutoff)


def compare(code: dict[str, str], common: np.ndarray, top: int = TOP_PAIRS) -> list[Pair]:
    """The ``top`` most similar pairs of ``code`` (student -> code), the fingerprints of
    ``common`` (starter and reference) and those most of the class shares subtracted."""
    prints = {s: CodeFingerprint(f"{s}.py", NOISE, 1, boilerplate=common, fp=io.StringIO(text))
              for s, text in sorted(code.items())}
    many = shared_by_many(prints)
    if many:
        # fingerprint the normalised code again without what the class shares; the
        # normalising (pygments' lexer) is most of copydetect's time, and is not redone
        subtract = np.union1d(common, np.array(many, dtype=np.int64))
        for p in prints.values():
            p.hashes, p.hash_idx = get_document_fingerprints(p.filtered_code, NOISE, 1,
                                                             subtract)
            p.token_coverage = get_token_coverage(p.hash_idx, NOISE, len(p.filtered_code))
    found = []
    for a, b in itertools.combinations(sorted(prints), 2):
        fa, fb = prints[a], prints[b]
        if not fa.hashes or fa.hashes.isdisjoint(fb.hashes):
            continue
        shared, shares, slices = compare_files(fa, fb)
        if not shared:
            continue
        found.append((float(np.mean(shares)), int(shared), a, b, shares, slices))
    found.sort(key=lambda f: (-f[0], -f[1], f[2], f[3]))
    pairs = []
    for score, shared, a, b, shares, slices in found[:top]:
        marked = tuple(
            highlight_overlap(prints[s].raw_code, cut, "<mark>", "</mark>",
                              escape_html=True)[0]
            for s, cut in ((a, slices[0]), (b, slices[1])))
        pairs.append(Pair(a, b, score, (float(shares[0]), float(shares[1])), shared, marked))
    return pairs


def similar_submissions(api, lesson: str, top: int = TOP_PAIRS) -> Similarity:
    code, unreadable = submitted_code(Path(api.coursedir.submitted_directory), lesson)
    return Similarity(lesson, len(code), unreadable, compare(code, boilerplate(lesson), top))
