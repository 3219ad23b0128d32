"""Helpers for the lessons' tests: a checkpoint that looks as if it was saved on a GPU,
and library functions switched off where an exercise asks for code written by hand.

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
