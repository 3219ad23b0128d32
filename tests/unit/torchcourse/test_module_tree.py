"""The module-tree drawing that lesson 02 shows."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from torch import nn

from torchcourse.module_tree import draw_module_tree, module_tree


def test_module_tree_counts_own_parameters_per_node():
    model = nn.Sequential(nn.Linear(4, 3), nn.Sequential(nn.ReLU(), nn.Linear(3, 2)))
    tree = module_tree(model, "net")
    assert (tree["name"], tree["type"], tree["params"]) == ("net", "Sequential", 0)
    assert [c["name"] for c in tree["children"]] == ["0", "1"]
    assert tree["children"][0]["params"] == 15
    assert [c["params"] for c in tree["children"][1]["children"]] == [0, 8]


def test_draw_module_tree_draws_one_box_per_module():
    model = nn.Sequential(nn.Linear(4, 3), nn.Sequential(nn.ReLU(), nn.Linear(3, 2)))
    ax = draw_module_tree(model)
    assert len(ax.texts) == len(list(model.modules()))
    plt.close(ax.figure)


def test_draw_module_tree_rejects_what_is_not_a_module():
    with pytest.raises(TypeError, match="nn.Module"):
        draw_module_tree([nn.Linear(2, 2)])
