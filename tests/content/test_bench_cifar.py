"""benchmarks/bench_cifar.py trains the lesson's own network; its checkpoints load safely."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_cifar.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_cifar", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_uses_the_lessons_network(bench):
    CifarCNN = bench.load_lesson_model()
    model = CifarCNN(widths=(16, 32, 64))
    assert sum(p.numel() for p in model.parameters()) == 72954
    assert CifarCNN()(torch.randn(2, 3, 32, 32)).shape == (2, 10)


def test_benchmark_uses_the_lessons_residual_network_and_optimizer(bench):
    code = bench.load_lesson_code()
    res = code["CifarResNet"](widths=(16, 32, 64))
    assert sum(p.numel() for p in res.parameters()) == 78042
    assert sum(isinstance(m, code["ResidualBlock"]) for m in res.modules()) == 3
    groups = code["make_optimizer"](res, 0.1, 5e-4).param_groups
    assert sorted(g["weight_decay"] for g in groups) == [0.0, 5e-4]


def _accuracies(out: str, column: int = -1) -> dict[str, float]:
    """network name -> test accuracy (column -2: with mirror images), from the benchmark's
    table."""
    return {name: float(line.split()[column]) for line in out.splitlines()
            for name in ("plain CNN", "residual network") if line.startswith(name)}


def test_lesson_checkpoint_loads_with_weights_only(bench, tmp_path):
    CifarCNN = bench.load_lesson_model()
    model = CifarCNN(widths=(8, 16, 32)).to(memory_format=torch.channels_last)
    path = tmp_path / "cifar10_cnn.pt"
    # the format the lesson saves: state_dict plus what rebuilds the model
    torch.save({"state_dict": model.state_dict(), "widths": [8, 16, 32], "epoch": 3,
                "val_acc": 0.5}, path)
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    fresh = CifarCNN(widths=tuple(ckpt["widths"]))
    fresh.load_state_dict(ckpt["state_dict"])
    x = torch.randn(2, 3, 32, 32)
    assert torch.allclose(fresh.eval()(x), model.eval()(x), atol=1e-5)


def test_benchmark_runs_headless_and_reports(bench, capsys):
    threads = torch.get_num_threads()
    try:
        assert bench.main(["--budget", "ci", "--epochs", "2"]) == 0
    finally:
        torch.set_num_threads(threads)
    out = capsys.readouterr().out
    for field in ("device:", "data set:", "budget:", "training seconds", "test accuracy"):
        assert field in out
    assert set(_accuracies(out)) == {"plain CNN", "residual network"}, out
    assert "with mirror images" in out
    for name, accuracy in _accuracies(out, column=-2).items():
        assert 0.0 <= accuracy <= 1.0, f"{name}: {accuracy} is no accuracy"
    # the lesson's rule on a CPU: channels_last (faster there too), float32 (no autocast)
    assert "(channels_last)" in out and "bfloat16" not in out, out


def test_gpu_recipe_code_path_runs_and_learns_on_the_cpu(bench, capsys):
    """The CUDA recipe (channels_last, bfloat16 autocast) cannot run on a GPU in CI; run the
    same code path on the CPU, where autocast supports bfloat16 too."""
    threads = torch.get_num_threads()
    try:
        assert bench.main(["--budget", "ci", "--epochs", "3", "--fast-path", "on",
                           "--network", "resnet"]) == 0
    finally:
        torch.set_num_threads(threads)
    out = capsys.readouterr().out
    assert "channels_last, bfloat16 autocast" in out
    accuracy = _accuracies(out)["residual network"]
    assert accuracy > 0.3, f"the GPU recipe's code path does not learn: {accuracy:.3f} (chance: 0.1)"
    mirrored = _accuracies(out, column=-2)["residual network"]
    assert mirrored > 0.3, f"with mirror images the network scores {mirrored:.3f} (chance: 0.1)"


def test_benchmark_without_data_says_how_to_get_it(bench, tmp_path, capsys):
    code = bench.main(["--budget", "cpu", "--data", str(tmp_path), "--no-download"])
    assert code == 2
    assert "python -m torchcourse.data download" in capsys.readouterr().err
