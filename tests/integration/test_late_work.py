"""Due dates and extensions through the `course` command, on a small lesson of one test cell:
two students hand in the same right answer at the same time, a day and a half after the due
date; one of them was given three more days (`course extend`). nbgrader's late penalty
(grader/nbgrader_config.py: LatePenalty, 10% of the score a day or part of a day) takes its
share from the other only, and the grades for Canvas and Moodle say the same.
"""

from __future__ import annotations

import csv
from pathlib import Path

import nbformat
import pytest
from memory_notebooks import answer_cell, make_test_cell, notebook

from coursegrader import cli

LESSON = "01-tiny"
DUE = "2027-01-22 23:59"
HANDED_IN = "2027-01-24 11:59:00.000000 UTC"  # 1.5 days late: 2 days' penalty, 20%


def _cells(answer: str):
    cells = [answer_cell(source=answer),
             make_test_cell(points=5, source="assert f() == 1, 'f() should return 1'")]
    for cell in cells:
        cell.metadata["nbgrader"].setdefault("locked", False)
        cell.metadata["nbgrader"]["schema_version"] = 3
    return cells


def _course(root: Path) -> None:
    nb = notebook(nbformat.v4.new_markdown_cell("# Tiny"), *_cells(
        "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    (root / "source" / LESSON).mkdir(parents=True)
    nbformat.write(nb, root / "source" / LESSON / f"{LESSON}.ipynb")


def _submit(submitted: Path, student: str) -> None:
    folder = submitted / student / LESSON
    folder.mkdir(parents=True)
    nb = notebook(*_cells("def f():\n    return 1"))
    nbformat.write(nb, folder / f"{LESSON}.ipynb")
    (folder / "timestamp.txt").write_text(HANDED_IN)


def _run(capsys, *argv: str) -> str:
    code = cli.main(list(argv))
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


@pytest.mark.slow
def test_an_extension_spares_a_late_submission_the_penalty(tmp_path, monkeypatch, capsys):
    from coursegrader.nbg.api import make_api
    from coursegrader.nbg.gradebook import open_gradebook

    monkeypatch.setenv("COURSE_GRADING_DIR", str(tmp_path / "grading"))
    monkeypatch.delenv("COURSE_DB_URL", raising=False)
    _course(tmp_path / "course")
    api = make_api(**{"CourseDirectory.root": str(tmp_path / "course"),
                      "CourseDirectory.source_directory": "source",
                      "CourseDirectory.release_directory": str(tmp_path / "release"),
                      "CourseDeadlines.due": {LESSON: DUE}})
    monkeypatch.setattr(cli, "_api", lambda args: api)  # the course above, not this one
    submitted = Path(api.coursedir.submitted_directory)
    for student in ("late", "extended"):
        _submit(submitted, student)

    out = _run(capsys, "extend", LESSON, "extended", "--days", "3")
    assert "until 2027-01-25 23:59 UTC" in out
    out = _run(capsys, "autograde", LESSON, "--no-sandbox", "-j", "2")
    assert "2 graded" in out

    with open_gradebook(api) as gb:
        late = gb.find_submission(LESSON, "late")
        extended = gb.find_submission(LESSON, "extended")
        assert late.score == extended.score == 5  # the same right answer
        assert late.total_seconds_late == 1.5 * 86400 and extended.total_seconds_late == 0
        assert late.late_submission_penalty == pytest.approx(1.0)  # 20% of 5 points
        assert extended.late_submission_penalty == 0

    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,email\nlate,late@example.edu\nextended,ext@example.edu\n")
    out = _run(capsys, "export", str(tmp_path / "grades.csv"), "--roster", str(roster),
               "--match", "email", "--moodle-field", "email")
    assert "grades-canvas.csv" in out and "grades-moodle.csv" in out
    with open(tmp_path / "grades.csv", newline="") as fh:
        nbgrader_csv = {r["student_id"]: float(r["score"]) for r in csv.DictReader(fh)}
    assert nbgrader_csv == {"late": 4.0, "extended": 5.0}
    with open(tmp_path / "grades-moodle.csv", newline="") as fh:
        assert list(csv.reader(fh)) == [["Email address", LESSON], ["ext@example.edu", "5"],
                                        ["late@example.edu", "4"]]
    with open(tmp_path / "grades-canvas.csv", newline="") as fh:
        canvas = list(csv.reader(fh))
    assert canvas[1][0].strip() == "Points Possible" and canvas[1][-1] == "5"
    assert [(r[3], r[-1]) for r in canvas[2:]] == [("ext@example.edu", "5"),
                                                    ("late@example.edu", "4")]
    assert cli.main(["export", str(tmp_path / "again.csv"), "--lesson", "02-missing"]) == 1
    assert "not in the gradebook: 02-missing" in capsys.readouterr().err
