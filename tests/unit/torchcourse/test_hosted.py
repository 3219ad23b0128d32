"""torchcourse outside the repository: where a lesson runs and what its first cell does
there, the progress table, where lesson 07 keeps CIFAR-10 (docs/hosted.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from IPython.core.interactiveshell import InteractiveShell

import torchcourse
from torchcourse import data, progress
from torchcourse import hosted as runtime_mod

COURSE = Path(__file__).resolve().parents[3]
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
    assert runtime_mod.runtime() == "grading"
    assert torchcourse.start("07-cifar10-cnn") is None  # the cell shows no value
    assert shell.events.callbacks["post_run_cell"] == before
    assert capsys.readouterr().out == ""


def test_start_in_the_repository_prints_nothing(clean_env, capsys):
    assert runtime_mod.runtime() == "repository"
    assert torchcourse.start("02-nn-module") is None  # the cell shows no value
    assert capsys.readouterr().out == ""


def test_hosted_runtime_without_gpu_says_how_to_select_one(clean_env, capsys):
    clean_env.setenv("COLAB_RELEASE_TAG", "release-colab_2026")
    clean_env.setattr(torchcourse.device, "pick_device", lambda: torch.device("cpu"))
    assert runtime_mod.runtime() == "colab"
    assert torchcourse.start("07-cifar10-cnn") is None  # the cell shows no value
    out = capsys.readouterr().out
    assert f"Google Colab: the course package {torchcourse.__version__} is ready" in out
    assert "lesson 07-cifar10-cnn runs on cpu" in out
    assert "Runtime > Change runtime type" in out and "trains on a GPU" in out
    report = runtime_mod.device_report("kaggle", "02-nn-module", torch.device("cpu"), False)
    assert "needs no GPU" in report and "Settings > Accelerator" in report
    gpu = runtime_mod.device_report("colab", "07-cifar10-cnn", torch.device("cpu"), True)
    assert "none is selected" in gpu


# ---- the progress table --------------------------------------------------------------------


def _cell(lesson, grade_id, root):
    nb = json.loads((COURSE / root / lesson / f"{lesson}.ipynb").read_text(encoding="utf-8"))
    return next("".join(c["source"]) for c in nb["cells"]
                if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def test_progress_shows_passed_failed_and_not_run_from_a_real_shell(clean_env):
    lesson = "01-python-classes"
    shell = InteractiveShell.instance()
    try:
        assert progress.track(lesson, shell)
        assert progress.track(lesson, shell)  # the first cell run twice
        assert shell.events.callbacks["post_run_cell"].count(progress._after_cell) == 1
        # right: the reference answer, then the student's visible test
        shell.run_cell(_cell(lesson, "ex1-running-mean", "solutions"))
        shell.run_cell(_cell(lesson, "ex1-running-mean-test", "notebooks"))
        # wrong: an answer outside the choices
        shell.run_cell('q1 = "z"')
        shell.run_cell(_cell(lesson, "quiz-q1-test", "notebooks"))
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
        shell.run_cell(_cell(lesson, "quiz-q1-test", "notebooks"))
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
