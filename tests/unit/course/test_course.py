"""Unit tests of the instructor tooling (no notebook is executed here)."""

from __future__ import annotations

import os
import shutil

import nbformat
import pytest

from coursegrader import cli
from coursegrader.authoring.leaks import find_leaks
from coursegrader.course.config import load_config
from coursegrader.course.paths import (
    COURSE_ROOT,
    GRADER_DIR,
    NOTEBOOKS_DIR,
    jupyter_env,
    lesson_notebook,
    lessons,
)


def test_lessons_are_numbered_folders_in_order():
    found = lessons()
    assert found == sorted(found)
    assert found[:2] == ["00-tensors-and-autograd", "01-python-classes"]
    for lesson in found:
        assert lesson_notebook(lesson).exists(), f"solutions/{lesson}/{lesson}.ipynb is missing"


def test_jupyter_env_puts_the_course_config_first():
    env = jupyter_env({"JUPYTER_CONFIG_PATH": "/elsewhere"})
    assert env["JUPYTER_CONFIG_PATH"].split(os.pathsep) == [str(GRADER_DIR), "/elsewhere"]
    assert jupyter_env({})["JUPYTER_CONFIG_PATH"] == str(GRADER_DIR)


def test_config_maps_nbgrader_onto_the_repository(monkeypatch):
    monkeypatch.delenv("COURSE_GRADING_DIR", raising=False)
    monkeypatch.delenv("COURSE_DB_URL", raising=False)
    monkeypatch.delenv("COURSE_RELEASE_DIR", raising=False)
    c = load_config()
    assert c.CourseDirectory.root == str(COURSE_ROOT)
    assert c.CourseDirectory.source_directory == "solutions"
    assert c.CourseDirectory.release_directory == "notebooks"
    grading = COURSE_ROOT / "grading"
    assert c.CourseDirectory.submitted_directory == str(grading / "submitted")
    assert c.CourseDirectory.db_url == f"sqlite:///{grading / 'gradebook.db'}"
    assert c.Exchange.root == str(grading / "exchange")
    assert c.Exchange.cache == str(grading / "exchange-cache")
    assert c.Execute.timeout > 30, "the per-cell timeout must be set explicitly"


def test_config_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_GRADING_DIR", str(tmp_path))
    monkeypatch.setenv("COURSE_DB_URL", "postgresql://grader@localhost/course")
    monkeypatch.setenv("COURSE_RELEASE_DIR", str(tmp_path / "release"))
    c = load_config(**{"Execute.timeout": 5})
    assert c.CourseDirectory.release_directory == str(tmp_path / "release")
    assert c.CourseDirectory.autograded_directory == str(tmp_path / "autograded")
    assert c.CourseDirectory.db_url == "postgresql://grader@localhost/course"
    assert c.Exchange.root == str(tmp_path / "exchange")
    assert c.Execute.timeout == 5


def test_git_ignores_the_grading_folder():
    ignored = (COURSE_ROOT / ".gitignore").read_text().split()
    assert "/grading/" in ignored


def _student_copy(tmp_path, lesson="01-python-classes"):
    dest = tmp_path / f"{lesson}.ipynb"
    shutil.copyfile(lesson_notebook(lesson, NOTEBOOKS_DIR), dest)
    return dest


def test_find_leaks_is_clean_on_the_real_student_notebook(tmp_path):
    assert find_leaks(lesson_notebook("01-python-classes"), _student_copy(tmp_path)) == []


def test_find_leaks_finds_a_solution_line_left_in_place(tmp_path):
    student = _student_copy(tmp_path)
    nb = nbformat.read(student, as_version=4)
    cell = next(c for c in nb.cells if c.get("id") == "ex3-affine")
    cell.source += "\n        return self.w * x + self.b\n"
    nbformat.write(nb, student)
    leaks = find_leaks(lesson_notebook("01-python-classes"), student)
    assert [leak.kind for leak in leaks] == ["solution"]
    assert "self.w * x + self.b" in leaks[0].text


def test_find_leaks_finds_hidden_tests_and_markers(tmp_path):
    student = _student_copy(tmp_path)
    nb = nbformat.read(student, as_version=4)
    source = nbformat.read(lesson_notebook("01-python-classes"), as_version=4)
    hidden = next(c for c in source.cells if c.get("id") == "ex3-affine-test").source
    nb.cells.append(nbformat.v4.new_code_cell(hidden))
    nbformat.write(nb, student)
    kinds = {leak.kind for leak in find_leaks(lesson_notebook("01-python-classes"), student)}
    assert kinds == {"hidden test", "marker"}


def test_cli_check_passes_on_the_course(capsys):
    assert cli.main(["check"]) == 0
    assert "no secret text" in capsys.readouterr().out


def test_cli_generate_reports_an_unknown_lesson(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_GRADING_DIR", str(tmp_path))
    assert cli.main(["generate", "99-no-such-lesson"]) == 1
    assert "99-no-such-lesson" in capsys.readouterr().err


def test_cli_needs_a_command():
    with pytest.raises(SystemExit):
        cli.main([])
