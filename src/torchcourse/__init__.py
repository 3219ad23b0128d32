"""Helpers that the course notebooks import: device choice, seeding and friendly checks.

Nothing in this package solves an exercise; it only removes boilerplate from the lessons.
"""

from torchcourse.device import describe_device, pick_device
from torchcourse.seed import seed_everything

__all__ = ["describe_device", "pick_device", "seed_everything"]
__version__ = "0.1.0"
