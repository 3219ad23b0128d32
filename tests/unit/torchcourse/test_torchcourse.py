"""Unit tests of the package the notebooks import."""

from __future__ import annotations

import pytest
import torch

from torchcourse import describe_device, pick_device, seed_everything


def test_pick_device_follows_what_is_available(monkeypatch):
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else (
        "mps" if torch.backends.mps.is_available() else "cpu"
    )
    assert pick_device().type == expected


def test_pick_device_prefers_cuda_when_present(monkeypatch):
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert pick_device().type == "cuda"


def test_pick_device_then_mps_then_cpu(monkeypatch):
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert pick_device().type == "mps"
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert pick_device().type == "cpu"


def test_pick_device_can_be_forced(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert pick_device() == torch.device("cpu")
    assert pick_device("CPU") == torch.device("cpu")


def test_pick_device_rejects_unknown_and_missing_devices(monkeypatch):
    with pytest.raises(RuntimeError, match="Unknown device"):
        pick_device("tpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="not available"):
        pick_device("cuda")


def test_describe_device_cpu():
    assert describe_device("cpu").startswith("cpu (")


def test_seed_everything_repeats_the_same_numbers():
    import random

    import numpy as np

    seed_everything(3)
    first = (random.random(), np.random.rand(), torch.rand(3))
    seed_everything(3)
    second = (random.random(), np.random.rand(), torch.rand(3))
    assert first[:2] == second[:2]
    assert torch.equal(first[2], second[2])
    seed_everything(4)
    assert not torch.equal(torch.rand(3), first[2])


@pytest.mark.parametrize("bad", ["1", 1.5, None, True])
def test_seed_everything_rejects_non_integers(bad):
    with pytest.raises(TypeError):
        seed_everything(bad)


def test_save_as_if_from_a_gpu_needs_map_location_here(tmp_path):
    from torchcourse.testing import save_as_if_from

    path = tmp_path / "gpu.pt"
    save_as_if_from("cuda:0", {"w": torch.arange(3.0)}, path)
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA"):
            torch.load(path, weights_only=True)
    moved = torch.load(path, weights_only=True, map_location="cpu")
    assert moved["w"].device.type == "cpu" and torch.equal(moved["w"], torch.arange(3.0))
    # the tag applies to that one save only
    plain = tmp_path / "plain.pt"
    torch.save({"w": torch.ones(2)}, plain)
    assert torch.load(plain, weights_only=True)["w"].device.type == "cpu"


def test_refuse_calls_blocks_a_library_function_under_any_name():
    import types

    from torchcourse.testing import refuse_calls

    lib = types.ModuleType("lib")
    lib.score = lambda a, b: a + b
    namespace = {"score": lib.score, "renamed": lib.score, "other": len}
    with refuse_calls(namespace, lib, ["score"], "write it yourself"):
        for call in (lib.score, namespace["score"], namespace["renamed"]):
            with pytest.raises(AssertionError, match="lib.score was called: write it yourself"):
                call(1, 2)
        assert namespace["other"] is len
    assert lib.score(1, 2) == 3 and namespace["renamed"](1, 2) == 3


def test_assert_gradients_flow_fails_a_detached_output_and_an_unused_layer():
    from torch import nn

    from torchcourse.testing import assert_gradients_flow

    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x = torch.randn(5, 3, requires_grad=True)
    assert_gradients_flow(net(x), net, inputs=(x,), name="Net.forward")
    assert all(p.grad is None for p in net.parameters()) and x.grad is None  # nothing accumulated
    with pytest.raises(AssertionError, match=r"Net.forward is cut from the graph.*\.detach\(\)"):
        assert_gradients_flow(net(x).detach(), net, name="Net.forward")
    with torch.no_grad():
        cut = net(x)
    with pytest.raises(AssertionError, match="cut from the graph"):
        assert_gradients_flow(cut, net)
    half = net[0](x).detach() @ net[2].weight.T  # the first layer cut off, the last one used
    with pytest.raises(AssertionError, match=r"does not reach 0.weight, 0.bias, 2.bias, input 0"):
        assert_gradients_flow(half, net, inputs=(x,))
    scale = torch.tensor(2.0)  # no parameters: the input must be reached
    assert_gradients_flow(x * scale, inputs=(x,))
    with pytest.raises(AssertionError, match="cut from the graph"):
        assert_gradients_flow((x * scale).detach(), inputs=(x,))


def test_hide_names_unbinds_notebook_variables_for_the_block():
    from torchcourse.testing import hide_names

    namespace = {"handles": [1, 2]}
    exec("def leans():\n    handles.append(3)\n\ndef own():\n    handles = []\n    return handles",
         namespace)
    with hide_names(namespace, ["handles", "absent"], "create the list inside the function"):
        assert "handles" not in namespace
        assert namespace["own"]() == []
    with pytest.raises(AssertionError, match="name 'handles' is not defined: create the list inside"):
        with hide_names(namespace, ["handles"], "create the list inside the function"):
            namespace["leans"]()
    assert namespace["handles"] == [1, 2]  # given back, untouched
