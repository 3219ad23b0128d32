"""How much training a lesson does: chosen by an explicit switch, never guessed.

The CIFAR-10 lesson trains on the full data set on a GPU, on a smaller setting on a CPU,
and on a tiny generated data set while it is graded or tested. The rule, in this order:

1. ``NBGRADER_EXECUTION`` is set (nbgrader's validate/autograde)  -> ``ci``
2. ``COURSE_BUDGET`` is set to ``gpu``, ``cpu`` or ``ci`` (``make test`` sets ``ci``) -> that
3. the device is CUDA -> ``gpu``; otherwise (Apple MPS, CPU) -> ``cpu``

The ``ci`` budget trains with one CPU thread: grading and tests run several notebooks at once,
and PyTorch's threads then spin while they wait for each other, which makes training many
times slower. The ``cpu`` budget uses PyTorch's default (every core): on an idle two-core
machine that is 1.6 times faster than one thread. ``COURSE_THREADS=N`` sets it for any budget.

See docs/cifar10.md for what each budget costs and reaches.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

BUDGET_ENV = "COURSE_BUDGET"
THREADS_ENV = "COURSE_THREADS"
GRADING_ENV = "NBGRADER_EXECUTION"
_TMP_DIR: Path | None = None


@dataclass(frozen=True)
class Budget:
    name: str
    data: str  # "cifar10" (the real data) or "fixture" (the small generated set)
    train_size: int | None  # images of the training split used (None: all)
    test_size: int | None  # images of the test split used (None: all)
    widths: tuple[int, int, int]  # channels of the plain CNN's three blocks (the baseline)
    epochs: int  # epochs of the plain CNN
    res_widths: tuple[int, int, int]  # channels of the residual network's stem and blocks
    res_epochs: int  # epochs of the residual network
    batch_size: int
    lr: float  # peak learning rate of the one-cycle schedule (SGD, Nesterov momentum)
    weight_decay: float
    label_smoothing: float
    max_norm: float  # gradient clipping: the largest total gradient norm a step may use
    min_accuracy: float  # test accuracy a correct solution reaches in this budget
    checkpoint: str  # file name of the best model
    threads: int | None  # CPU threads for torch (None: torch's default)
    note: str

    def checkpoint_path(self) -> Path:
        """Where the lesson saves its best model.

        ``gpu`` and ``cpu``: next to the notebook (the current folder), so that it is handed
        in with it. ``ci``: a fresh temporary folder of this process, so that tests and
        grading never overwrite or leave behind a student's checkpoint.
        """
        if self.data != "fixture":
            return Path(self.checkpoint)
        global _TMP_DIR
        if _TMP_DIR is None:
            _TMP_DIR = Path(tempfile.mkdtemp(prefix="torchcourse-"))
        return _TMP_DIR / self.checkpoint

    def describe(self) -> str:
        size = "all" if self.train_size is None else f"{self.train_size}"
        return (
            f"budget {self.name!r}: {self.data}, {size} training images, "
            f"batch {self.batch_size}; plain CNN: widths {self.widths}, {self.epochs} epochs; "
            f"residual network: widths {self.res_widths}, {self.res_epochs} epochs -- {self.note}"
        )


BUDGETS = {
    "gpu": Budget(
        name="gpu",
        data="cifar10",
        train_size=None,
        test_size=None,
        widths=(64, 256, 256),
        epochs=18,
        res_widths=(128, 256, 512),
        res_epochs=30,
        batch_size=512,
        lr=0.2,
        weight_decay=5e-4,
        label_smoothing=0.2,
        max_norm=2.0,
        min_accuracy=0.85,
        checkpoint="cifar10_cnn.pt",
        threads=None,
        note="the full data set; a minute or two on one modern GPU",
    ),
    "cpu": Budget(
        name="cpu",
        data="cifar10",
        train_size=30_000,
        test_size=None,
        widths=(16, 32, 64),
        epochs=4,
        res_widths=(16, 32, 64),
        res_epochs=10,
        batch_size=128,
        lr=0.2,
        weight_decay=5e-4,
        label_smoothing=0.1,
        max_norm=2.0,
        min_accuracy=0.5,
        checkpoint="cifar10_cnn.pt",
        threads=None,
        note="three fifths of the data and small networks; a few minutes on two CPU cores",
    ),
    "ci": Budget(
        name="ci",
        data="fixture",
        train_size=None,
        test_size=None,
        widths=(8, 16, 32),
        epochs=6,
        res_widths=(8, 16, 32),
        res_epochs=6,
        batch_size=64,
        lr=0.05,
        weight_decay=5e-4,
        label_smoothing=0.0,
        max_norm=2.0,
        min_accuracy=0.6,
        checkpoint="cifar10_cnn_ci.pt",
        threads=1,
        note="the small generated data set, for tests and grading; seconds",
    ),
}


def select_budget(device=None, environ=None) -> Budget:
    """The budget for this run (see the module's docstring for the rule).

    ``device`` is the device training will use (a ``torch.device`` or a string).
    An unknown ``COURSE_BUDGET`` raises a ``ValueError`` that lists the valid names.
    """
    env = os.environ if environ is None else environ
    chosen = _choose(device, env)
    threads = env.get(THREADS_ENV, "").strip()
    if threads:
        if not threads.isdigit() or int(threads) < 1:
            raise ValueError(f"{THREADS_ENV}={threads!r} must be a positive whole number")
        chosen = replace(chosen, threads=int(threads))
    return chosen


def _choose(device, env) -> Budget:
    if env.get(GRADING_ENV):
        return BUDGETS["ci"]
    wanted = env.get(BUDGET_ENV, "").strip().lower()
    if wanted:
        if wanted not in BUDGETS:
            raise ValueError(
                f"{BUDGET_ENV}={wanted!r} is not a budget: use one of {', '.join(BUDGETS)}"
            )
        return BUDGETS[wanted]
    kind = getattr(device, "type", str(device or "cpu")).split(":")[0]
    return BUDGETS["gpu" if kind == "cuda" else "cpu"]


def with_overrides(budget: Budget, **changes) -> Budget:
    """A copy of ``budget`` with some fields changed (benchmarks, experiments)."""
    return replace(budget, **changes)
