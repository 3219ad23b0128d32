"""Fixed seeds, so that a lesson gives the same numbers every time it runs."""

from __future__ import annotations

import random


def seed_everything(seed: int = 0) -> int:
    """Seed Python's, NumPy's (if installed) and PyTorch's random generators; return seed."""
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    random.seed(seed)
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is part of the course environment
        pass
    else:
        np.random.seed(seed)
    import torch

    torch.manual_seed(seed)
    return seed
