"""nbgrader's API, configured from grader/nbgrader_config.py, in this very process.

Importing nbgrader costs seconds, so the tools run every step in one process instead of
starting the ``nbgrader`` command once per lesson or per student.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from coursegrader.course.config import load_config


def ensure_tools_on_path() -> None:
    """Put this interpreter's scripts folder on PATH.

    nbgrader's gradebook runs the ``alembic`` command to check the database schema; when the
    course environment is used without being activated, that command is not on PATH.
    """
    scripts = os.path.dirname(sys.executable)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if scripts not in parts:
        os.environ["PATH"] = os.pathsep.join([scripts, *parts])


def make_api(quiet: bool = True, **overrides):
    """An ``nbgrader.apps.NbGraderAPI`` for the course (see course.config.load_config)."""
    from nbgrader.apps import NbGraderAPI

    ensure_tools_on_path()
    config = load_config(**overrides)
    db_url = config.CourseDirectory.db_url
    if db_url.startswith("sqlite:///"):
        # SQLite creates the database file but not its folder.
        Path(db_url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    exchange = config.Exchange.get("root")
    if exchange:
        # The exchange is a folder of the course; nbgrader expects it to exist.
        Path(exchange).mkdir(parents=True, exist_ok=True)
    api = NbGraderAPI(config=config)
    if quiet:
        api.log.setLevel(logging.WARNING)
    return api
