"""The Colab and Kaggle links, the first and last cells, lesson 07's GPU request and the
progress manifest are what grader/coursegrader/authoring/hosted.py makes from its settings
(docs/hosted.md)."""

from __future__ import annotations

import copy
import json

import nbformat
import pytest

import torchcourse
from coursegrader.authoring import hosted
from coursegrader.course import cells
from coursegrader.course.paths import NOTEBOOKS_DIR, SOLUTIONS_DIR, lesson_notebook, lessons
from torchcourse import progress


def test_readme_lesson_table_has_the_generated_links():
    text = hosted.README.read_text(encoding="utf-8")
    assert hosted.readme_text(text) == text, "README.md is out of date: run `make notebooks`"
    for lesson in lessons():
        assert hosted.colab_url(lesson) in text and hosted.kaggle_url(lesson) in text


@pytest.mark.parametrize("lesson", lessons())
def test_notebooks_carry_the_generated_cells_and_metadata(lesson):
    solution = nbformat.read(lesson_notebook(lesson), as_version=4)
    expected = hosted.apply_to_notebook(copy.deepcopy(solution), lesson)
    assert [(c.id, c.source) for c in solution.cells] == [(c.id, c.source) for c in expected.cells], (
        f"{lesson}: the Colab/Kaggle cells are out of date: run `make notebooks`"
    )
    student = nbformat.read(lesson_notebook(lesson, NOTEBOOKS_DIR), as_version=4)
    for nb in (solution, student):
        assert nb.cells[0].id == hosted.LINKS_ID
        assert hosted.colab_url(lesson) in nb.cells[0].source
        assert hosted.kaggle_url(lesson) in nb.cells[0].source
        first_code = next(c for c in nb.cells if c.cell_type == "code")
        assert first_code.id == hosted.SETUP_ID and first_code.source == hosted.setup_source(lesson)
        assert nb.cells[-1].id == hosted.PROGRESS_ID
        wants_gpu = lesson in ("07-cifar10-cnn", "08-reusing-a-trained-network")
        assert (nb.metadata.get("accelerator") == "GPU") == wants_gpu
        assert (nb.metadata.get("kaggle", {}).get("isGpuEnabled") is True) == wants_gpu


def test_gpu_lesson_asks_colab_for_a_gpu():
    nb = nbformat.read(lesson_notebook("07-cifar10-cnn", NOTEBOOKS_DIR), as_version=4)
    assert nb.metadata["accelerator"] == "GPU" and nb.metadata["colab"]["gpuType"] == "T4"


def test_generating_twice_changes_nothing():
    nb = nbformat.read(lesson_notebook("02-nn-module"), as_version=4)
    once = hosted.apply_to_notebook(copy.deepcopy(nb), "02-nn-module")
    twice = hosted.apply_to_notebook(copy.deepcopy(once), "02-nn-module")
    assert nbformat.writes(once) == nbformat.writes(twice)
    assert sum(c.id == hosted.SETUP_ID for c in twice.cells) == 1


def test_first_cell_installs_this_version_from_the_one_setting():
    source = hosted.setup_source("01-python-classes")
    assert f"@v{torchcourse.__version__}#subdirectory=src" in hosted.package_source()
    assert hosted.package_source() in source and hosted.PACKAGE_ENV in source
    assert hosted.package_source().startswith(f"git+{hosted.REPOSITORY}")
    assert " " not in hosted.package_source(), "the %pip line passes it as one argument"


def test_progress_manifest_is_the_student_notebooks_visible_tests():
    committed = json.loads(hosted.LESSONS_JSON.read_text(encoding="utf-8"))
    assert committed == hosted.lessons_manifest(), "lessons.json is out of date: run `make notebooks`"
    assert committed == progress.lessons()
    nb = nbformat.read(lesson_notebook("01-python-classes", NOTEBOOKS_DIR), as_version=4)
    tests = [c for c in nb.cells if cells.is_test(c)]
    assert [t["grade_id"] for t in committed["01-python-classes"]["tests"]] == [cells.grade_id(c) for c in tests]
    # the instructor's test cells (with hidden tests) are not what a student runs
    solution = nbformat.read(lesson_notebook("01-python-classes", SOLUTIONS_DIR), as_version=4)
    hidden = [c for c in solution.cells if cells.is_test(c) and "BEGIN HIDDEN TESTS" in c.source]
    prints = {t["fingerprint"] for t in committed["01-python-classes"]["tests"]}
    assert hidden and not prints & {progress.fingerprint(c.source) for c in hidden}


def test_first_cell_shows_the_due_date_of_the_one_setting():
    from coursegrader.course.config import load_config

    config = load_config(**{"CourseDeadlines.due": {"02-nn-module": "2027-02-05 18:00"},
                            "CourseDeadlines.timezone": "America/New_York"})
    nb = nbformat.read(lesson_notebook("02-nn-module"), as_version=4)
    first = hosted.apply_to_notebook(copy.deepcopy(nb), "02-nn-module", config).cells[0]
    assert first.id == hosted.LINKS_ID
    assert "**Due:** Friday 5 February 2027, 18:00 (America/New_York)" in first.source
    other = hosted.apply_to_notebook(copy.deepcopy(nb), "03-forward-and-call", config).cells[0]
    assert "Due" not in other.source  # no date set for it: no line
    assert hosted.due_line("02-nn-module") == ""  # the repository sets no term's dates
