"""Choose the compute device once: CUDA, then Apple MPS, then the CPU."""

from __future__ import annotations

import os

DEVICE_ENV = "COURSE_DEVICE"


def pick_device(prefer: str | None = None):
    """Return the best available ``torch.device``.

    The order is CUDA, then Apple's MPS, then the CPU. ``prefer`` (or the environment
    variable ``COURSE_DEVICE``) forces a choice, for example ``"cpu"`` to compare speeds;
    asking for a device that is not there raises a ``RuntimeError`` that says so.
    """
    import torch

    wanted = (prefer or os.environ.get(DEVICE_ENV) or "").strip().lower()
    if wanted:
        available = {
            "cpu": True,
            "cuda": torch.cuda.is_available(),
            "mps": _mps_available(torch),
        }
        kind = wanted.split(":")[0]
        if kind not in available:
            raise RuntimeError(
                f"Unknown device {wanted!r}: use 'cuda', 'mps' or 'cpu' "
                f"(set through {DEVICE_ENV} or the prefer argument)."
            )
        if not available[kind]:
            raise RuntimeError(f"Device {wanted!r} was asked for but is not available here.")
        return torch.device(wanted)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available(torch):
        return torch.device("mps")
    return torch.device("cpu")


def _mps_available(torch) -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def describe_device(device) -> str:
    """A one-line human description of ``device`` (its GPU name where there is one)."""
    import torch

    device = torch.device(device)
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"cuda:{index} ({torch.cuda.get_device_name(index)})"
    if device.type == "mps":
        return "mps (Apple GPU)"
    return f"cpu ({torch.get_num_threads()} threads)"
