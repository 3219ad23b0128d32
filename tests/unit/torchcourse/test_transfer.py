"""torchcourse.transfer: the network lesson 08 reuses, its data split and its cache."""

from __future__ import annotations

import pytest
import torch

from torchcourse import transfer
from torchcourse.budget import BUDGETS


def test_the_two_halves_are_disjoint_and_cover_cifar10():
    assert not set(transfer.PRETRAIN_CLASSES) & set(transfer.FINETUNE_CLASSES)
    assert sorted(transfer.PRETRAIN_CLASSES + transfer.FINETUNE_CLASSES) == list(range(10))
    assert set(transfer.FINETUNE) == set(BUDGETS), "every budget needs a fine-tuning recipe"


def test_select_classes_renumbers_by_position_in_keep():
    images = torch.arange(6.0).view(6, 1)
    labels = torch.tensor([3, 1, 4, 1, 5, 9])
    X, y = transfer.select_classes(images, labels, (5, 1))
    assert y.tolist() == [1, 1, 0] and X.flatten().tolist() == [1.0, 3.0, 4.0]
    assert labels.tolist() == [3, 1, 4, 1, 5, 9], "the labels given must not change"


def test_first_per_class_keeps_the_order_and_the_count():
    labels = torch.tensor([0, 1, 0, 1, 0, 2, 1])
    X, y = transfer.first_per_class(torch.arange(7), labels, 2)
    assert X.tolist() == [0, 1, 2, 3, 5] and y.tolist() == [0, 1, 0, 1, 2]


def test_small_cnn_names_its_body_and_head_as_torchvision_does():
    net = transfer.SmallCNN(3, (4, 6, 8))
    assert net(torch.randn(2, 3, 32, 32)).shape == (2, 3)
    names = {name.split(".")[0] for name, _ in net.named_parameters()}
    assert names == {"features", "fc"}
    assert net.fc.in_features == 8


def test_pretrain_on_the_fixture_learns_and_loads_back(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    budget = BUDGETS["ci"]  # what grading pretrains: about 10 s on one busy core
    checkpoint = transfer.pretrain(budget, verbose=False)
    assert sorted(checkpoint) == ["classes", "state_dict", "test_acc", "widths"]
    assert checkpoint["classes"] == ["airplane", "bird", "deer", "frog", "ship"]
    # 0.86 measured; 5 classes, chance is 0.2
    assert checkpoint["test_acc"] > 0.6, f"pretraining should learn, got {checkpoint['test_acc']}"
    net = transfer.SmallCNN(5, checkpoint["widths"])
    net.load_state_dict(checkpoint["state_dict"])  # strict: every key and shape fits
    assert transfer._cache_file(budget) is None, "the fixture's seconds of training are not cached"


def test_real_data_pretraining_is_cached_in_the_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    cache = transfer._cache_file(BUDGETS["cpu"])
    assert cache.parent == tmp_path and "cpu" in cache.name
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "absent"))
    assert transfer._cache_file(BUDGETS["cpu"]) is None, "no folder, no cache (and no error)"


def test_a_cached_checkpoint_is_read_back_without_training(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    budget = BUDGETS["cpu"]
    stored = {"state_dict": {}, "classes": ["a"], "widths": [1, 2, 3], "test_acc": 0.5}
    torch.save(stored, transfer._cache_file(budget))
    monkeypatch.setattr(transfer, "prepare", lambda *a, **k: pytest.fail("trained again"))
    assert transfer.pretrain(budget, verbose=False) == stored


def test_the_lesson_keeps_its_own_recipe_where_lesson_07s_budget_moved(monkeypatch):
    """Lesson 08's real-data figures were measured with the cpu budget's first recipe (25,000
    images, peak rate 0.1); tuning lesson 07's budget must not change what lesson 08 loads."""
    loaded = []

    class Loaded(Exception):
        pass

    def load_for_budget(budget):
        loaded.append(budget)
        raise Loaded

    monkeypatch.setattr("torchcourse.data.load_for_budget", load_for_budget)
    monkeypatch.setattr(transfer, "_cache_file", lambda budget: None)
    for name in ("cpu", "ci"):
        with pytest.raises(Loaded):
            transfer.pretrain(BUDGETS[name], verbose=False)
        with pytest.raises(Loaded):
            transfer.prepare(BUDGETS[name], "cpu", transfer.FINETUNE_CLASSES, per_class=10)
    cpu, cpu_again, ci, ci_again = loaded
    assert cpu == cpu_again and ci == ci_again, "pretraining and fine-tuning see the same data"
    assert (cpu.train_size, cpu.lr) == (25_000, 0.1)
    assert (cpu.widths, cpu.epochs, cpu.batch_size) == (
        BUDGETS["cpu"].widths, BUDGETS["cpu"].epochs, BUDGETS["cpu"].batch_size)
    assert ci == transfer.lesson_budget(BUDGETS["ci"]) and ci.epochs == 10
