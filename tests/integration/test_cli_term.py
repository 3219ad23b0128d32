"""A whole term through the `course` command, as an instructor runs it, in one process
(``cli.main`` with its printed output: nbgrader is imported once) and a temporary grading
folder: the mistakes an instructor makes, release, collect from an LMS zip, autograde,
a resubmission graded again, feedback, export. What is checked is what the instructor
reads: the summaries, the CSV, the feedback pages."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pytest

from conftest import LESSONS, graded_cells
from coursegrader import cli
from coursegrader.course.paths import NOTEBOOKS_DIR, lesson_notebook

LESSON = LESSONS[0]


def course(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def row(summary: str, student: str) -> str:
    """The summary line of one student (and its notes)."""
    lines = summary.splitlines()
    for i, line in enumerate(lines):
        if line.split()[:1] == [student]:
            notes = [n for n in lines[i + 1:] if n.strip().startswith("note:")]
            return " ".join([line, *notes[:3]])
    raise AssertionError(f"{student} is not in the summary:\n{summary}")


@pytest.mark.slow
def test_a_term_through_the_course_command(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_GRADING_DIR", str(tmp_path / "grading"))
    monkeypatch.delenv("COURSE_DB_URL", raising=False)
    # release writes the student notebook elsewhere (conftest.py: checkout_untouched)
    monkeypatch.setenv("COURSE_RELEASE_DIR", str(tmp_path / "release"))
    committed = lesson_notebook(LESSON, NOTEBOOKS_DIR)
    before = committed.stat().st_mtime_ns
    total = sum(graded_cells(LESSON).values())
    submitted = tmp_path / "grading" / "submitted"

    # mistakes first: nothing collected yet; a lesson that does not exist at all
    code, _, err = course(capsys, "autograde", LESSON, "--no-sandbox")
    assert code == 1 and "run collect first" in err
    (submitted / "zed" / "99-no-such-lesson").mkdir(parents=True)
    code, _, err = course(capsys, "autograde", "99-no-such-lesson", "--no-sandbox")
    assert code == 1 and "run `course release 99-no-such-lesson` first" in err

    # students hand in through the LMS; ada's zip entry is her folder, ben's a file
    download = tmp_path / "download.zip"
    with zipfile.ZipFile(download, "w") as zf:
        zf.write(lesson_notebook(LESSON), f"ada/{LESSON}.ipynb")
        zf.write(lesson_notebook(LESSON, NOTEBOOKS_DIR), f"ben_1234_{LESSON}.ipynb")
        zf.write(lesson_notebook(LESSON), f"cho/{LESSON}.ipynb")
        zf.write(lesson_notebook(LESSON), f"dev/{LESSON}.ipynb")
        zf.writestr(f"eve/{LESSON}.ipynb", '{"cells": [')  # truncated while saving
        zf.writestr("readme.pdf", "not a notebook")
    code, out, _ = course(capsys, "collect", LESSON, "--from", str(download))
    assert code == 0 and f"imported 5 submission(s) of {LESSON}" in out
    assert "skipped readme.pdf: not a notebook or a student folder" in out
    (submitted / "cho" / LESSON / "timestamp.txt").write_text("")
    (submitted / "dev" / LESSON / "timestamp.txt").write_text("yesterday, around noon")

    # autograde before release: the lesson is recorded in the gradebook, not released
    code, out, _ = course(capsys, "autograde", LESSON, "--no-sandbox")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "WARNING: the kernel sandbox was off: student code ran with your rights"
    assert f"{LESSON} was not in the gradebook: generated it from its source" in out
    assert "5 submission(s)" in out and "3 graded, 0 need review, 2 failed" in out
    assert f"graded {total:g}/{total:g}" in " ".join(row(out, "ada").split())
    assert f"graded 0/{total:g}" in " ".join(row(out, "ben").split())
    assert "timestamp.txt is empty" in row(out, "cho") and "graded" in row(out, "cho")
    assert "failed" in row(out, "dev") and "timestamp.txt does not hold a time" in row(out, "dev")
    assert "failed" in row(out, "eve") and "not valid JSON" in row(out, "eve")
    assert not (tmp_path / "grading" / "exchange" / "pytorch-course" / "outbound" / LESSON).exists()

    # the lesson is released after all; dev fixes the timestamp, ben resubmits the solution
    code, out, _ = course(capsys, "release", LESSON)
    assert code == 0 and f"released {LESSON}" in out
    (submitted / "dev" / LESSON / "timestamp.txt").write_text("2026-01-15 10:00:00.000000 UTC")
    (submitted / "ben" / LESSON / f"{LESSON}.ipynb").write_bytes(
        lesson_notebook(LESSON).read_bytes())
    code, out, _ = course(capsys, "autograde", LESSON, "ben", "dev", "--no-sandbox")
    assert code == 0 and "2 submission(s)" in out and "2 graded" in out
    assert "not in the gradebook" not in out
    for student in ("ben", "dev"):
        assert f"graded {total:g}/{total:g}" in " ".join(row(out, student).split())

    code, out, _ = course(capsys, "feedback", LESSON)
    assert code == 0 and "4 generated" in out
    assert "4 not submitted through the exchange (LMS import)" in out
    feedback = tmp_path / "grading" / "feedback"
    pages = sorted(p.parent.parent.name for p in feedback.glob(f"*/{LESSON}/*.html"))
    assert pages == ["ada", "ben", "cho", "dev"]
    assert "hidden tests run here" in (feedback / "ada" / LESSON / f"{LESSON}.html").read_text()

    grades_csv = tmp_path / "grades.csv"
    code, out, _ = course(capsys, "export", str(grades_csv))
    assert code == 0 and f"5 grade(s) written to {grades_csv}" in out
    with open(grades_csv, newline="") as fh:
        scores = {r["student_id"]: float(r["raw_score"]) for r in csv.DictReader(fh)}
    assert scores == {"ada": total, "ben": total, "cho": total, "dev": total, "eve": 0}
    assert Path(grades_csv).read_text().count(LESSON) == 5

    # the student version went where COURSE_RELEASE_DIR says, and the checkout's is untouched
    assert (tmp_path / "release" / LESSON / f"{LESSON}.ipynb").is_file()
    assert committed.stat().st_mtime_ns == before, f"{committed} was written during the term"
