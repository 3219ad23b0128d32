"""The course outside the repository, the fast part: links and cells are what the generator
makes, the first cell's runtime detection, the progress table, the data folder.

The slow part (the lessons run from a wheel in an empty folder, a notebook saved by Colab
is graded) is in tests/test_hosted_outside.py.
"""

from __future__ import annotations

import copy
import json

import nbformat
import pytest
import torch
from IPython.core.interactiveshell import InteractiveShell

import torchcourse
from coursegrader import cells, hosted
from coursegrader.paths import NOTEBOOKS_DIR, SOLUTIONS_DIR, lesson_notebook, lessons
from torchcourse import data, progress
from torchcourse import hosted as runtime_mod

HOSTED_ENV = ("NBGRADER_EXECUTION", "COLAB_RELEASE_TAG", "KAGGLE_KERNEL_RUN_TYPE", "JUPYTERHUB_USER")


@pytest.fixture
def clean_env(monkeypatch):
    for name in HOSTED_ENV + (data.DATA_ENV,):
        monkeypatch.delenv(name, raising=False)
    yield monkeypatch
    shell = InteractiveShell.instance()
    if progress._after_cell in shell.events.callbacks["post_run_cell"]:
        shell.events.unregister("post_run_cell", progress._after_cell)
    progress._state.update(lesson=None, results={})


# ---- the generated links, cells and metadata are the ones committed -----------------------


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
        assert (nb.metadata.get("accelerator") == "GPU") == (lesson == "07-cifar10-cnn")
        assert (nb.metadata.get("kaggle", {}).get("isGpuEnabled") is True) == (lesson == "07-cifar10-cnn")


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


# ---- where the lesson runs ---------------------------------------------------------------


@pytest.mark.parametrize(
    "env, expected",
    [
        ({"NBGRADER_EXECUTION": "autograde", "COLAB_RELEASE_TAG": "x"}, "grading"),
        ({"COLAB_RELEASE_TAG": "release-colab_2026"}, "colab"),
        ({"KAGGLE_KERNEL_RUN_TYPE": "Interactive"}, "kaggle"),
        ({"JUPYTERHUB_USER": "student1"}, "hub"),
        ({}, "repository"),
    ],
)
def test_runtime_is_detected_from_the_environment(clean_env, env, expected):
    for name, value in env.items():
        clean_env.setenv(name, value)
    assert runtime_mod.runtime() == expected


def test_outside_the_course_folder_is_plain_jupyter(clean_env):
    assert runtime_mod.in_repository(), "this test runs in the course checkout"
    clean_env.setattr(runtime_mod, "in_repository", lambda: False)
    assert runtime_mod.runtime() == "jupyter"


def test_start_while_grading_does_nothing(clean_env, capsys):
    clean_env.setenv("NBGRADER_EXECUTION", "autograde")
    shell = InteractiveShell.instance()
    before = list(shell.events.callbacks["post_run_cell"])
    assert torchcourse.start("07-cifar10-cnn") == "grading"
    assert shell.events.callbacks["post_run_cell"] == before
    assert capsys.readouterr().out == ""


def test_start_in_the_repository_prints_nothing(clean_env, capsys):
    assert torchcourse.start("02-nn-module") == "repository"
    assert capsys.readouterr().out == ""


def test_hosted_runtime_without_gpu_says_how_to_select_one(clean_env, capsys):
    clean_env.setenv("COLAB_RELEASE_TAG", "release-colab_2026")
    clean_env.setattr(torchcourse.device, "pick_device", lambda: torch.device("cpu"))
    assert torchcourse.start("07-cifar10-cnn") == "colab"
    out = capsys.readouterr().out
    assert "Google Colab: lesson 07-cifar10-cnn runs on cpu" in out
    assert "Runtime > Change runtime type" in out and "trains on a GPU" in out
    report = runtime_mod.device_report("kaggle", "02-nn-module", torch.device("cpu"), False)
    assert "needs no GPU" in report and "Settings > Accelerator" in report
    gpu = runtime_mod.device_report("colab", "07-cifar10-cnn", torch.device("cpu"), True)
    assert "none is selected" in gpu


# ---- the progress table --------------------------------------------------------------------


def _cell(lesson, grade_id, root):
    nb = nbformat.read(lesson_notebook(lesson, root), as_version=4)
    return next(c.source for c in nb.cells if cells.grade_id(c) == grade_id)


def test_progress_shows_passed_failed_and_not_run_from_a_real_shell(clean_env):
    lesson = "01-python-classes"
    shell = InteractiveShell.instance()
    try:
        assert progress.track(lesson, shell)
        assert progress.track(lesson, shell)  # the first cell run twice
        assert shell.events.callbacks["post_run_cell"].count(progress._after_cell) == 1
        # right: the reference answer, then the student's visible test
        shell.run_cell(_cell(lesson, "ex1-running-mean", SOLUTIONS_DIR))
        shell.run_cell(_cell(lesson, "ex1-running-mean-test", NOTEBOOKS_DIR))
        # wrong: an answer outside the choices
        shell.run_cell('q1 = "z"')
        shell.run_cell(_cell(lesson, "quiz-q1-test", NOTEBOOKS_DIR))
        # a cell that is no test, failing, changes nothing
        shell.run_cell("raise ValueError('not a test')")
        states = {row.grade_id: row for row in progress.rows(lesson)}
        assert states["ex1-running-mean-test"].state == "passed"
        assert states["quiz-q1-test"].state == "failed"
        assert "q1 should be one of" in states["quiz-q1-test"].message
        assert states["quiz-q2-test"].state == "not run"
        assert {row.state for row in states.values()} == {"passed", "failed", "not run"}
        assert sum(row.state != "not run" for row in states.values()) == 2
        # fixing the answer and running the test again: the last run counts
        shell.run_cell('q1 = "a"')
        shell.run_cell(_cell(lesson, "quiz-q1-test", NOTEBOOKS_DIR))
        assert progress.rows(lesson)[[r.grade_id for r in progress.rows(lesson)].index("quiz-q1-test")].state == "passed"
        text = progress.table(lesson)
        assert text.startswith(f"{lesson}: 2 of {len(states)} visible tests pass (3 of ")
        assert "BEGIN HIDDEN" not in text
    finally:
        shell.events.unregister("post_run_cell", progress._after_cell)
        progress._state.update(lesson=None, results={})


def test_progress_of_an_untracked_lesson_is_all_not_run(capsys):
    progress.show("04-hooks")
    out = capsys.readouterr().out
    assert "04-hooks: 0 of" in out and "passed " not in out and "Not tracking" in out
    with pytest.raises(ValueError, match="Unknown lesson"):
        progress.rows("99-nothing")


def test_fingerprint_ignores_trailing_spaces_only():
    assert progress.fingerprint("a = 1  \nassert a\n\n") == progress.fingerprint("a = 1\nassert a")
    assert progress.fingerprint("assert a == 1") != progress.fingerprint("assert a == 2")


# ---- where lesson 07 keeps CIFAR-10 ---------------------------------------------------------


@pytest.mark.parametrize(
    "env, expected",
    [
        ({"COLAB_RELEASE_TAG": "release-colab_2026"}, "/content/data"),
        ({"KAGGLE_KERNEL_RUN_TYPE": "Interactive"}, "/kaggle/working/data"),
    ],
)
def test_hosted_runtime_keeps_the_data_where_it_keeps_files(clean_env, env, expected):
    clean_env.setattr(runtime_mod, "in_repository", lambda: False)
    for name, value in env.items():
        clean_env.setenv(name, value)
    assert str(data.default_data_dir()) == expected


def test_data_folder_outside_the_course(clean_env, tmp_path):
    assert data.default_data_dir() == data.course_root() / "data"
    clean_env.setattr(runtime_mod, "in_repository", lambda: False)
    clean_env.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert data.default_data_dir() == tmp_path.resolve() / "torchcourse" / "data"
    clean_env.setenv(data.DATA_ENV, str(tmp_path / "mine"))
    clean_env.setenv("COLAB_RELEASE_TAG", "x")
    assert data.default_data_dir() == (tmp_path / "mine").resolve()


def test_hosted_download_goes_through_torchvision_into_the_cache(clean_env, tmp_path):
    # no network: torchvision's CIFAR10 is replaced, and the cache folder is a temporary one
    import numpy as np
    import torchvision

    calls = []

    class FakeCIFAR10:
        base_folder = "cifar-10-batches-py"
        classes = list(data.CLASSES)

        def __init__(self, root, train, download):
            calls.append((root, train, download))
            self.data = np.zeros((2, 32, 32, 3), dtype=np.uint8)
            self.targets = [0, 1]

    clean_env.setattr(runtime_mod, "in_repository", lambda: False)
    clean_env.setattr(data, "HOSTED_DATA_DIRS", {"colab": str(tmp_path / "content" / "data")})
    clean_env.setenv("COLAB_RELEASE_TAG", "x")
    clean_env.setattr(torchvision.datasets, "CIFAR10", FakeCIFAR10)
    train, test = data.load_cifar10()
    root = str(tmp_path / "content" / "data")
    assert (root, True, True) in calls and (root, False, True) in calls
    assert len(train) == 2 and (tmp_path / "content" / "data").is_dir()


# ---- a notebook saved without nbgrader's cell metadata --------------------------------------


def test_cell_metadata_is_restored_only_where_all_of_it_was_dropped():
    from coursegrader.restore import restore_cell_metadata

    release = nbformat.read(lesson_notebook("02-nn-module", NOTEBOOKS_DIR), as_version=4)
    submission = copy.deepcopy(release)
    answers = [c for c in submission.cells if cells.is_answer(c)]
    answers[0].source = "def my_answer():\n    return 1\n"  # what a student wrote
    for cell in submission.cells:
        cell.metadata.pop("nbgrader", None)
    submission.cells.insert(5, nbformat.v4.new_code_cell("print('a cell the student added')"))
    assert restore_cell_metadata(submission, release) == sum("nbgrader" in c.metadata for c in release.cells)
    graded = [(cells.grade_id(c), c.source) for c in submission.cells if cells.grade_id(c)]
    assert [g for g, _ in graded] == [cells.grade_id(c) for c in release.cells if cells.grade_id(c)]
    first_answer = next(cells.grade_id(c) for c in release.cells if cells.is_answer(c))
    assert dict(graded)[first_answer] == "def my_answer():\n    return 1\n"
    assert "nbgrader" not in submission.cells[5].metadata
    # a submission with nbgrader metadata is nbgrader's to judge, even with cells missing
    partial = copy.deepcopy(release)
    del partial.cells[3]
    partial.cells[-2].metadata.pop("nbgrader", None)
    assert restore_cell_metadata(partial, release) == 0
