"""Helpers for the lessons' tests: a checkpoint that looks as if it was saved on a GPU,
library functions switched off where an exercise asks for code written by hand, a check
that a module's output is still connected to its parameters, and notebook variables hidden
from a function that must not lean on them.

A test on a machine without a GPU cannot make a real GPU checkpoint, so a forgotten
``map_location`` would go unnoticed there. ``save_as_if_from("cuda:0", obj, path)`` writes
``obj`` with every tensor recorded as living on ``cuda:0``: on a CPU-only machine,
``torch.load(path)`` then fails exactly as with a real GPU checkpoint, and
``torch.load(path, map_location="cpu")`` works.
"""

from __future__ import annotations

from contextlib import contextmanager

_TAG = {"device": None}


def _tag_storage(storage):
    # None lets PyTorch's own taggers record the real device
    return _TAG["device"]


def _keep_default(storage, location):
    return None  # loading is left to PyTorch's own deserializers


def _register(torch) -> None:
    registered = [getattr(entry[1], "__name__", "") for entry in torch.serialization._package_registry]
    if _tag_storage.__name__ not in registered:
        torch.serialization.register_package(0, _tag_storage, _keep_default)


def save_as_if_from(device: str, obj, path) -> None:
    """``torch.save(obj, path)``, with every tensor recorded as living on ``device``."""
    import torch

    _register(torch)
    _TAG["device"] = str(device)
    try:
        torch.save(obj, path)
    finally:
        _TAG["device"] = None


@contextmanager
def refuse_calls(namespace: dict, module, names, hint: str):
    """Within the block, calling ``module.<name>`` for any of ``names`` raises an
    ``AssertionError`` that says ``hint``: through the module, and through every name in
    ``namespace`` (a notebook's ``globals()``) bound to one of those functions, whatever it
    is called there. Used where an exercise asks for code written by hand that the tests
    compare with a library function."""
    originals = {name: getattr(module, name) for name in names}

    def refuser(name):
        def refuse(*args, **kwargs):
            raise AssertionError(f"{module.__name__}.{name} was called: {hint}")

        return refuse

    by_id = {id(func): name for name, func in originals.items()}
    rebound = {key: value for key, value in namespace.items() if id(value) in by_id}
    try:
        for name in names:
            setattr(module, name, refuser(name))
        for key, value in rebound.items():
            namespace[key] = refuser(by_id[id(value)])
        yield
    finally:
        for name, func in originals.items():
            setattr(module, name, func)
        namespace.update(rebound)


def assert_gradients_flow(output, module=None, inputs=(), name: str = "forward") -> None:
    """Assert that ``output`` is still part of the autograd graph: backward from it reaches
    every trainable parameter of ``module`` and every tensor of ``inputs`` that requires
    grad. An output cut off by ``.detach()``, ``.data``, ``torch.no_grad()`` or a tensor
    rebuilt from the values has the right numbers, so only this check notices it. Nothing
    is added to any ``.grad``: the gradients are computed with ``torch.autograd.grad``."""
    import torch

    if not isinstance(output, torch.Tensor) or not output.requires_grad:
        raise AssertionError(
            f"The output of {name} is cut from the graph: do not call .detach() (nor use .data, "
            "torch.no_grad() or torch.tensor(...) of the values) in forward. Gradients would "
            "never reach the weights of this module and of the layers before it, so the model "
            "could not learn."
        )
    leaves = [(n, p) for n, p in module.named_parameters() if p.requires_grad] if module else []
    leaves += [(f"input {i}", x) for i, x in enumerate(inputs)
               if isinstance(x, torch.Tensor) and x.requires_grad]
    if not leaves:
        return
    grads = torch.autograd.grad(output.sum(), [t for _, t in leaves], allow_unused=True,
                                retain_graph=True)
    missing = [n for (n, _), g in zip(leaves, grads, strict=True) if g is None]
    if missing:
        raise AssertionError(
            f"Backward from the output of {name} does not reach {', '.join(missing)}: the output "
            "no longer depends on them. Use every layer you register, and do not cut part of the "
            "computation off with .detach()."
        )


@contextmanager
def hide_names(namespace: dict, names, hint: str):
    """Within the block, the variables ``names`` of ``namespace`` (a notebook's
    ``globals()``) are unbound. A function written in a notebook can use a variable of an
    earlier cell by mistake and then work only in that notebook; inside the block it raises
    ``NameError``, which becomes an ``AssertionError`` that says ``hint``."""
    saved = {name: namespace.pop(name) for name in names if name in namespace}
    try:
        yield
    except NameError as err:
        raise AssertionError(f"{err}: {hint}") from None
    finally:
        namespace.update(saved)
