"""The instructor's workflow beyond nbgrader: parallel autograding that matches nbgrader's
serial results, and importing a learning-management-system download. (Hostile submissions:
tests/test_hostile.py.)"""

from __future__ import annotations

import zipfile
from pathlib import Path

import nbformat
import pytest

from conftest import LESSONS
from coursegrader.paths import NOTEBOOKS_DIR, lesson_notebook


@pytest.mark.slow
def test_parallel_autograde_matches_nbgrader(grading_round, tmp_path):
    """Same cell scores as nbgrader's own serial autograde of the same submissions, the
    timestamp recorded, and a --force re-grade replaces the old result."""
    from nbgrader.api import Gradebook

    from coursegrader.api import grading_environment, make_api
    from coursegrader.grading import autograde, place_submission
    from coursegrader.parallel import autograde_parallel

    lesson = LESSONS[0]
    students = ["perfect", "blank", *grading_round.variants[lesson]][:6]
    serial_submitted = grading_round.grading_dir / "submitted"
    # nbgrader's own autograde (NbGraderAPI.autograde, one submission after another)
    with grading_environment(tmp_path / "serial"):
        api = make_api(**{"CourseDirectory.release_directory": str(tmp_path / "release-serial")})
        assert api.generate_assignment(lesson, force=True, create=True)["success"]
        for student in students:
            place_submission(Path(api.coursedir.submitted_directory), lesson, student,
                             serial_submitted / student / lesson / f"{lesson}.ipynb")
        nbgrader_results = autograde(lesson, students, api=api)
    with grading_environment(tmp_path / "grading"):
        api = make_api(**{"CourseDirectory.release_directory": str(tmp_path / "release")})
        assert api.generate_assignment(lesson, force=True, create=True)["success"]
        submitted = Path(api.coursedir.submitted_directory)
        for student in students:
            place_submission(submitted, lesson, student,
                             serial_submitted / student / lesson / f"{lesson}.ipynb")
        stamp = "2026-01-15 10:00:00.000000 UTC"
        (submitted / "blank" / lesson / "timestamp.txt").write_text(stamp + "\n")
        results = autograde_parallel(lesson, students, api=api, jobs=2, progress=False)
        for student in students:
            serial = nbgrader_results[student]
            assert serial.success, serial.error
            got = {g: c.score for g, c in results[student].cells.items()}
            want = {g: c.score for g, c in serial.cells.items()}
            assert got == want, f"{student}: parallel {got} != nbgrader {want}"
            assert results[student].score == serial.score
        with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
            assert str(gb.find_submission(lesson, "blank").timestamp).startswith("2026-01-15 10:00")
        # the blank student submits the solution again: a re-grade replaces the old result
        place_submission(submitted, lesson, "blank", lesson_notebook(lesson))
        again = autograde_parallel(lesson, ["blank"], api=api, jobs=1, progress=False)
        assert again["blank"].score == grading_round.results[(lesson, "perfect")].score
        with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
            assert len(gb.assignment_submissions(lesson)) == len(students)


def test_import_lms_download(tmp_path):
    from coursegrader.api import grading_environment, make_api
    from coursegrader.workflow import import_submissions

    lesson = LESSONS[0]
    notebook = lesson_notebook(lesson, NOTEBOOKS_DIR)
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(notebook, f"alice_4711_{lesson}.ipynb")
        zf.write(notebook, "bob/renamed copy.ipynb")
        zf.writestr("carol/notes.txt", "no notebook here")
        zf.writestr("readme.pdf", "not a notebook")
    with grading_environment(tmp_path / "grading"):
        api = make_api()
        imported, problems = import_submissions(lesson, archive, api)
        submitted = Path(api.coursedir.submitted_directory)
    assert sorted(imported) == ["alice", "bob"]
    for student in imported:
        assert (submitted / student / lesson / f"{lesson}.ipynb").exists()
        assert (submitted / student / lesson / "timestamp.txt").exists()
    assert {name for name, _ in problems} == {"carol", "readme.pdf"}


def test_scan_does_not_flag_local_names_that_shadow_builtins():

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


def test_a_kernel_that_fails_to_start_gets_one_more_run(tmp_path, monkeypatch):

    from coursegrader import parallel
    from coursegrader.api import load_config

    path = tmp_path / "lesson.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    nbformat.write(nb, path)
    calls = []

    def flaky(nb, path, student, lesson, config, done):
        calls.append(len(calls))
        if len(calls) == 1:
            return "RuntimeError: Kernel died before replying to kernel_info"
        done.add(0)
        return None

    monkeypatch.setattr(parallel, "_execute", flaky)
    result = parallel.execute_notebook(str(path), "s", "lesson", config=load_config())
    assert len(calls) == 2 and result["ok"]
    assert any("failed to start" in note for note in result["notes"])
    assert not any("kernel stopped" in note for note in result["notes"])

    def crash_after_first_cell(nb, path, student, lesson, config, done):
        calls.append(len(calls))
        done.add(0)
        return "DeadKernelError: Kernel died"

    calls.clear()
    monkeypatch.setattr(parallel, "_execute", crash_after_first_cell)
    result = parallel.execute_notebook(str(path), "s", "lesson", config=load_config())
    assert len(calls) == 1, "a submission that crashes its kernel is not run twice"
    assert any("kernel stopped" in note for note in result["notes"])
