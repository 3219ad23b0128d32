"""Draw a model's tree of sub-modules with matplotlib (used in lesson 02)."""

from __future__ import annotations


def module_tree(model, name: str = "model") -> dict:
    """The tree of ``model`` as nested dicts: {"name", "type", "params", "children"}.

    ``params`` counts the parameters a module owns itself (not those of its children).
    """
    own = sum(p.numel() for p in model.parameters(recurse=False))
    children = [module_tree(child, child_name) for child_name, child in model.named_children()]
    return {"name": name, "type": type(model).__name__, "params": own, "children": children}


def _layout(node, depth, next_x, positions):
    """Leaves get x = 0, 1, 2, ...; a parent sits above the middle of its children."""
    if not node["children"]:
        x = next_x[0]
        next_x[0] += 1
    else:
        xs = [_layout(child, depth + 1, next_x, positions) for child in node["children"]]
        x = (xs[0] + xs[-1]) / 2
    positions.append((node, x, depth))
    return x


def draw_module_tree(model, name: str = "model", ax=None):
    """Draw the module tree of ``model``: one box per module, "name / Type / own params".

    Returns the matplotlib Axes. Raises TypeError when ``model`` is not an ``nn.Module``.
    """
    import matplotlib.pyplot as plt
    from torch import nn

    if not isinstance(model, nn.Module):
        raise TypeError(f"draw_module_tree needs an nn.Module, got {type(model).__name__}")
    tree = module_tree(model, name)
    positions: list = []
    _layout(tree, 0, [0], positions)
    where = {id(node): (x, -depth) for node, x, depth in positions}
    width = max(x for _, x, _ in positions) + 1
    depth = max(d for _, _, d in positions) + 1
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 1.9 * width), 1.3 * depth + 0.4))
    for node, x, d in positions:
        for child in node["children"]:
            cx, cy = where[id(child)]
            ax.plot([x, cx], [-d, cy], color="0.6", zorder=1)
        colour = "#cfe3f7" if node["params"] else "#eeeeee"
        label = f"{node['name']}\n{node['type']}\n{node['params']:,} params"
        ax.text(x, -d, label, ha="center", va="center", fontsize=8, zorder=2,
                bbox={"boxstyle": "round", "facecolor": colour, "edgecolor": "0.4"})
    ax.set_xlim(-0.7, width - 0.3)
    ax.set_ylim(-depth + 0.5, 0.5)
    ax.axis("off")
    return ax
