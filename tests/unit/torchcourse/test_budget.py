"""torchcourse.budget: the explicit switch between the gpu, cpu and ci budgets; the device."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from torchcourse import budget as budgets
from torchcourse import pick_device


def test_grading_always_uses_the_ci_budget():
    env = {"NBGRADER_EXECUTION": "autograde", "COURSE_BUDGET": "gpu"}
    assert budgets.select_budget(torch.device("cuda"), environ=env).name == "ci"


@pytest.mark.parametrize("name", ["gpu", "cpu", "ci", " CPU "])
def test_course_budget_variable_chooses(name):
    chosen = budgets.select_budget("cuda", environ={"COURSE_BUDGET": name})
    assert chosen.name == name.strip().lower()


def test_unknown_budget_is_a_clear_error():
    with pytest.raises(ValueError, match="gpu, cpu, ci"):
        budgets.select_budget("cpu", environ={"COURSE_BUDGET": "huge"})


@pytest.mark.parametrize(("device", "name"), [("cuda", "gpu"), ("cuda:1", "gpu"),
                                              ("mps", "cpu"), ("cpu", "cpu")])
def test_without_a_switch_the_device_decides(device, name):
    assert budgets.select_budget(torch.device(device), environ={}).name == name


def test_make_test_runs_in_the_ci_budget():
    makefile = (Path(__file__).resolve().parents[3] / "Makefile").read_text()
    assert "COURSE_BUDGET=ci" in makefile.replace(" ", "").replace(":=", "=")


def test_budgets_are_consistent():
    gpu, cpu, ci = (budgets.BUDGETS[n] for n in ("gpu", "cpu", "ci"))
    assert gpu.data == "cifar10" and gpu.train_size is None and gpu.test_size is None
    assert cpu.data == "cifar10" and cpu.train_size < 50_000
    assert ci.data == "fixture"
    assert gpu.widths == (64, 256, 256), "the gpu budget trains the lesson's default network"
    for b in (gpu, cpu, ci):
        assert b.name in b.describe() and b.epochs > 0 and 0 < b.min_accuracy < 1
        assert b.res_epochs > 0 and len(b.res_widths) == 3 and b.max_norm > 0
        assert str(b.res_widths) in b.describe(), "describe() names both networks' widths"
    # wider residual networks where there is more compute; the ci one stays tiny for grading
    assert gpu.res_widths[0] > cpu.res_widths[0] > ci.res_widths[0]


def test_checkpoints_go_next_to_the_notebook_except_in_ci():
    assert budgets.BUDGETS["gpu"].checkpoint_path() == Path("cifar10_cnn.pt")
    assert budgets.BUDGETS["cpu"].checkpoint_path() == Path("cifar10_cnn.pt")
    ci_path = budgets.BUDGETS["ci"].checkpoint_path()
    assert ci_path.is_absolute() and ci_path.parent.is_dir()
    assert ci_path.name != "cifar10_cnn.pt", "grading must not overwrite a submitted checkpoint"
    assert budgets.BUDGETS["ci"].checkpoint_path() == ci_path


def test_with_overrides_keeps_the_rest():
    changed = budgets.with_overrides(budgets.BUDGETS["cpu"], epochs=1)
    assert changed.epochs == 1 and changed.widths == budgets.BUDGETS["cpu"].widths


def test_device_order_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert pick_device().type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert pick_device().type == "mps"
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert pick_device().type == "cpu"
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert pick_device().type == "cpu"


def test_threads_follow_the_budget_or_the_variable():
    assert budgets.select_budget("cpu", environ={}).threads is None
    assert budgets.select_budget("cpu", environ={"COURSE_BUDGET": "ci"}).threads == 1
    assert budgets.select_budget("cuda", environ={}).threads is None
    assert budgets.select_budget("cpu", environ={"COURSE_THREADS": "4"}).threads == 4
    with pytest.raises(ValueError, match="COURSE_THREADS"):
        budgets.select_budget("cpu", environ={"COURSE_THREADS": "many"})
