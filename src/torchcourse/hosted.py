"""Where a lesson runs, and what the first code cell of every lesson does there.

The first code cell installs this package where it is missing (Colab, Kaggle, any Jupyter
outside the course folder), then calls :func:`start`. Where the lesson runs decides what
``start`` does:

============  ==========================================================================
grading       ``NBGRADER_EXECUTION`` is set (nbgrader's validate and autograde): nothing
repository    this package is the course checkout's ``src/torchcourse``: track tests only
hub           the class JupyterHub (``JUPYTERHUB_USER``): track tests only
colab         Google Colab: name the device, say how to get a GPU where there is none
kaggle        a Kaggle notebook: the same
jupyter       any other Jupyter with the package installed: name the device
============  ==========================================================================

"Track tests" registers :mod:`torchcourse.progress`'s cell hook, so that
``torchcourse.progress.show()`` can say which exercises pass. It is never registered while
a notebook is graded.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

GRADING_ENV = "NBGRADER_EXECUTION"
HOSTED = ("colab", "kaggle")

# How to switch a GPU on, in the words of each service's menus.
GPU_HOWTO = {
    "colab": "Runtime > Change runtime type > a GPU (T4 is free), then run the notebook "
    "again from the top",
    "kaggle": "Settings > Accelerator > GPU T4 x2 in the panel on the right (a "
    "phone-verified account is needed), then run the notebook again from the top",
}
LABELS = {"colab": "Google Colab", "kaggle": "Kaggle", "jupyter": "Jupyter"}


def in_repository() -> bool:
    """Whether this package is the one in a checkout of the course (``src/torchcourse``
    next to ``solutions/``), rather than an installed copy."""
    root = Path(__file__).resolve().parent.parent.parent
    return (root / "solutions").is_dir() and (root / "src" / "torchcourse").is_dir()


def hosted_service() -> str | None:
    """"colab", "kaggle", or None elsewhere."""
    # Colab's kernel imports google.colab at start and sets COLAB_RELEASE_TAG; Kaggle's
    # sets KAGGLE_KERNEL_RUN_TYPE ("Interactive" while editing, "Batch" when committing).
    if "google.colab" in sys.modules or os.environ.get("COLAB_RELEASE_TAG"):
        return "colab"
    if os.environ.get("KAGGLE_KERNEL_RUN_TYPE"):
        return "kaggle"
    return None


def runtime() -> str:
    """One of "grading", "colab", "kaggle", "hub", "repository", "jupyter" (see above)."""
    if os.environ.get(GRADING_ENV):
        return "grading"
    service = hosted_service()
    if service:
        return service
    if os.environ.get("JUPYTERHUB_USER"):
        return "hub"
    if in_repository():
        return "repository"
    return "jupyter"


def device_report(where: str, lesson: str, device, gpu_lesson: bool) -> str:
    """The lines :func:`start` prints outside the repository: the device, and on a hosted
    runtime without a GPU how to select one (firmly for a lesson that trains on one)."""
    from torchcourse import __version__
    from torchcourse.device import describe_device

    # %pip's own note after an install says a restart may be needed; none is for this one.
    lines = [
        f"{LABELS.get(where, where)}: the course package {__version__} is ready (no restart "
        f"needed); lesson {lesson} runs on {describe_device(device)}."
    ]
    if where in HOSTED and device.type != "cuda":
        if gpu_lesson:
            lines.append(f"This lesson trains on a GPU, and none is selected: {GPU_HOWTO[where]}.")
        else:
            lines.append(f"This lesson needs no GPU. Lesson 07 does: {GPU_HOWTO[where]}.")
    return "\n".join(lines)


def start(lesson: str) -> None:
    """Called by the first code cell of ``lesson``: where it runs (:func:`runtime`) decides
    what it does. Returns nothing, so that the cell shows no value under it.

    Never installs anything itself: the cell does, before it can import this package."""
    where = runtime()
    if where == "grading":
        return
    from torchcourse import progress

    progress.track(lesson)
    if where in ("repository", "hub"):
        return
    from torchcourse.device import pick_device

    print(device_report(where, lesson, pick_device(), progress.wants_gpu(lesson)))
