"""The instructor's workflow beyond nbgrader: importing a learning-management-system download,
and the integrity scan. (Hostile submissions: tests/security/test_hostile.py.)"""

from __future__ import annotations

import zipfile
from pathlib import Path

import nbformat

from conftest import LESSONS
from coursegrader.course.paths import NOTEBOOKS_DIR, lesson_notebook


def test_import_lms_download(tmp_path):
    from coursegrader.course.config import grading_environment
    from coursegrader.lms import import_submissions
    from coursegrader.nbg.api import make_api

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

    from coursegrader.integrity.scan import scan_submission

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
