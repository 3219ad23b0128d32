"""The course's nbgrader configuration (grader/nbgrader_config.py), loaded as traitlets
config, and a context that moves the grading folder for tests, demos and benchmarks."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

from coursegrader.course.paths import CONFIG_FILE


def load_config(**overrides):
    """The course's traitlets config, with ``{"Section.option": value}`` overrides on top.

    Keys may also be given as ``Section__option`` so that they fit in keyword arguments.
    """
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    loader = PyFileConfigLoader(CONFIG_FILE.name, path=str(CONFIG_FILE.parent))
    config = loader.load_config()
    extra = Config()
    for key, value in overrides.items():
        section, option = key.replace("__", ".").split(".", 1)
        extra[section][option] = value
    config.merge(extra)
    return config


@contextlib.contextmanager
def grading_environment(grading_dir: Path | None = None) -> Iterator[None]:
    """Temporarily point COURSE_GRADING_DIR somewhere else (tests, demos, benchmarks); the
    environment is put back as it was afterwards."""
    new = {"COURSE_GRADING_DIR": str(grading_dir)} if grading_dir is not None else {}
    with mock.patch.dict(os.environ, new):
        yield
