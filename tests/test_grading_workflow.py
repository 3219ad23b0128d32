"""The instructor's workflow beyond nbgrader: parallel autograding that matches nbgrader's
serial results, a corpus of hostile submissions graded in one run, feedback without hidden
tests, and importing a learning-management-system download."""

from __future__ import annotations

import csv
import html
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from conftest import LESSONS, graded_cells, load_variants, make_variant
from coursegrader.checks import HIDDEN_RE, _meaningful_lines
from coursegrader.paths import NOTEBOOKS_DIR, lesson_notebook

HOSTILE_LESSON = "01-python-classes"  # the corpus is written against this lesson's cells
needs_lesson01 = pytest.mark.skipif(HOSTILE_LESSON not in LESSONS, reason="lesson 01 missing")


def hidden_lines(lesson: str) -> list[str]:
    """Every line of the lesson's hidden tests that a student cannot read anywhere else
    (lines such as ``def __init__(self):`` are also in the student notebook)."""
    nb = nbformat.read(lesson_notebook(lesson), as_version=4)
    student = nbformat.read(lesson_notebook(lesson, NOTEBOOKS_DIR), as_version=4)
    public = {line.strip() for cell in student.cells for line in cell.source.splitlines()}
    lines = []
    for cell in nb.cells:
        for block in HIDDEN_RE.findall(cell.source):
            lines += _meaningful_lines(block, public)
    return lines


def html_text(path: Path) -> str:
    """What a student reads in an HTML page: tags removed, entities decoded."""
    raw = path.read_text(encoding="utf-8")
    raw = re.sub(r"<(script|style)\b.*?</\1>", "", raw, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", raw))


@dataclass
class HostileRound:
    cases: dict
    results: dict
    api: object
    root: Path


@pytest.fixture(scope="module")
def hostile_round(tmp_path_factory) -> HostileRound:
    from hostile.corpus import build

    from coursegrader.api import grading_environment, make_api
    from coursegrader.grading import place_submission
    from coursegrader.parallel import autograde_parallel

    root = tmp_path_factory.mktemp("hostile")
    lesson = HOSTILE_LESSON
    with grading_environment(root / "grading"):
        # a short per-cell limit, so that the infinite loop costs seconds
        api = make_api(**{"CourseDirectory.release_directory": str(root / "release"),
                          "Execute.timeout": 10})
        assert api.generate_assignment(lesson, force=True, create=True)["success"]
        submitted = Path(api.coursedir.submitted_directory)
        cases = build(lesson, submitted)
        place_submission(submitted, lesson, "perfect", lesson_notebook(lesson))
        place_submission(submitted, lesson, "blank", lesson_notebook(lesson, NOTEBOOKS_DIR))
        spec = load_variants(lesson)["running-mean-ignores-n"]
        place_submission(submitted, lesson, "wrong-n",
                         make_variant(lesson, spec["replace"], root / "wrong-n.ipynb"))
        students = ["perfect", "blank", "wrong-n", *cases]
        results = autograde_parallel(lesson, students, api=api, jobs=2, progress=False)
        for student in results:
            if (Path(api.coursedir.autograded_directory) / student / lesson).exists():
                api.generate_feedback(lesson, student)
        yield HostileRound(cases, results, api, root)


@pytest.mark.slow
@needs_lesson01
def test_hostile_submissions_are_graded_safely(hostile_round):
    total = sum(graded_cells(HOSTILE_LESSON).values())
    results, problems = hostile_round.results, []
    assert results["perfect"].score == total and results["perfect"].status == "graded"
    assert results["blank"].score == 0 and results["blank"].status == "graded"
    for name, case in hostile_round.cases.items():
        r = results[name]
        said = " ".join([r.error, *r.notes, *r.review]).lower()
        if r.score > case.max_score:
            problems.append(f"{name}: score {r.score} > the {case.max_score} it deserves")
        if r.status != case.status:
            problems.append(f"{name}: status {r.status}, expected {case.status} ({said})")
        if case.reason and case.reason.lower() not in said:
            problems.append(f"{name}: the instructor is not told {case.reason!r}: {said!r}")
        if r.max_score != total:
            problems.append(f"{name}: max score {r.max_score} in the gradebook, not {total}")
    assert not problems, "\n".join(problems)


@pytest.mark.slow
@needs_lesson01
def test_gradebook_stays_consistent_after_hostile_run(hostile_round, tmp_path):
    from nbgrader.api import Gradebook

    from coursegrader.grading import export_csv

    api, lesson = hostile_round.api, HOSTILE_LESSON
    cells = graded_cells(lesson)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        subs = gb.assignment_submissions(lesson)
        assert sorted(s.student.id for s in subs) == sorted(hostile_round.results)
        for sub in subs:
            grades = {g.name: g for nb in sub.notebooks for g in nb.grades}
            assert set(cells) <= set(grades), f"{sub.student.id}: missing grade rows"
            for grade in grades.values():
                assert 0 <= grade.score <= grade.max_score, f"{sub.student.id}/{grade.name}"
            assert sub.score == pytest.approx(sum(g.score for g in grades.values()))
    path = export_csv(tmp_path / "grades.csv", api=api)
    with open(path, newline="") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    for student, result in hostile_round.results.items():
        assert float(rows[student]["raw_score"]) == result.score


@pytest.mark.slow
@needs_lesson01
def test_feedback_never_shows_hidden_tests(hostile_round):
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import GetGrades

    from coursegrader.api import grading_environment, make_api

    lines = hidden_lines(HOSTILE_LESSON)
    assert len(lines) > 10
    feedback = Path(hostile_round.api.coursedir.feedback_directory)
    pages = sorted(feedback.glob(f"*/{HOSTILE_LESSON}/*.html"))
    assert len(pages) >= len(hostile_round.results) - 4  # the unreadable ones have none
    for page in pages:
        text = html_text(page)
        leaked = [line for line in lines if line in text]
        assert not leaked, f"{page}: hidden test text in the feedback: {leaked[:3]}"
    # the student still sees which test failed, with its message
    wrong = html_text(feedback / "wrong-n" / HOSTILE_LESSON / f"{HOSTILE_LESSON}.html")
    assert "update(value, n) must add n to count." in wrong
    # control: nbgrader's own feedback of the same submission shows them (the search works)
    with grading_environment(hostile_round.root / "grading"):
        plain = make_api(**{
            "GenerateFeedback.preprocessors": [GetGrades, CSSHTMLHeaderPreprocessor],
            "CourseDirectory.feedback_directory": str(hostile_round.root / "plain-feedback"),
        })
        assert plain.generate_feedback(HOSTILE_LESSON, "wrong-n")["success"]
    page = hostile_round.root / "plain-feedback" / "wrong-n" / HOSTILE_LESSON
    assert any(line in html_text(next(page.glob("*.html"))) for line in lines)


def test_import_lms_download(tmp_path):
    from coursegrader.api import grading_environment, make_api
    from coursegrader.lms import import_submissions

    lesson = LESSONS[0]
    notebook = lesson_notebook(lesson, NOTEBOOKS_DIR)
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(notebook, f"alice_4711_{lesson}.ipynb")
        zf.write(notebook, "bob/renamed copy.ipynb")
        zf.writestr("carol/notes.txt", "no notebook here")
        zf.writestr("readme.pdf", "not a notebook")
        zf.write(notebook, "dora/problem1.ipynb")  # a lesson of two notebooks: both kept
        zf.write(notebook, "dora/problem2.ipynb")
    with grading_environment(tmp_path / "grading"):
        api = make_api()
        imported, problems = import_submissions(lesson, archive, api)
        submitted = Path(api.coursedir.submitted_directory)
    assert sorted(imported) == ["alice", "bob", "dora"]
    for student in ("alice", "bob"):
        assert (submitted / student / lesson / f"{lesson}.ipynb").exists()
    assert sorted(p.name for p in (submitted / "dora" / lesson).glob("*.ipynb")) == [
        "problem1.ipynb", "problem2.ipynb"]
    for student in imported:
        assert (submitted / student / lesson / "timestamp.txt").exists()
    assert {name for name, _ in problems} == {"carol", "readme.pdf"}


def test_scan_does_not_flag_local_names_that_shadow_builtins():
    import nbformat

    from coursegrader.integrity import scan_submission

    nb = nbformat.v4.new_notebook()
    answer = nbformat.v4.new_code_cell(
        "def total(xs):\n    sum = 0\n    for max in xs:\n        sum += max\n    return sum\n"
    )
    answer.metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "ex1"}
    test = nbformat.v4.new_code_cell("assert total([1, 2]) == sum([1, 2])\nassert max(1, 2) == 2")
    test.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "t1", "points": 1}
    nb.cells = [answer, test]
    assert scan_submission(nb) == []
    answer.source += "\nsum = lambda xs: 3\n"
    assert any("redefines sum" in reason for reason in scan_submission(nb))
