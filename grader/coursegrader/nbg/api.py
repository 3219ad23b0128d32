"""nbgrader's API, configured from grader/nbgrader_config.py, in this very process.

Importing nbgrader costs seconds, so the tools run every step in one process instead of
starting the ``nbgrader`` command once per lesson or per student.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from pathlib import Path

from coursegrader.course.config import load_config


def ensure_tools_on_path() -> None:
    """Put this interpreter's scripts folder on PATH.

    nbgrader runs the ``alembic`` command to upgrade a gradebook's schema (``nbgrader db
    upgrade``); when the course environment is used without being activated, that command
    is not on PATH.
    """
    scripts = os.path.dirname(sys.executable)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if scripts not in parts:
        os.environ["PATH"] = os.pathsep.join([scripts, *parts])


def stamp_new_gradebooks_in_process() -> None:
    """A new gradebook gets the newest revision of nbgrader's migrations, which nbgrader
    0.9.6 finds by running ``alembic heads`` in a new process (``get_alembic_version`` in
    nbgrader/api.py): 2.8 to 3.0 s for every new gradebook on the two-core machine. alembic's
    own reading of the same migration folder (``nbgrader.dbutil.ALEMBIC_DIR``) gives the
    same revision in this process, in 0.2 s the first time and nothing after. Idempotent."""
    import nbgrader.api

    if getattr(nbgrader.api.get_alembic_version, "in_process", False):
        return
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    @functools.cache
    def get_alembic_version() -> str:
        return ScriptDirectory(ALEMBIC_DIR).get_current_head()

    get_alembic_version.in_process = True
    nbgrader.api.get_alembic_version = get_alembic_version


def make_api(quiet: bool = True, **overrides):
    """An ``nbgrader.apps.NbGraderAPI`` for the course (see course.config.load_config)."""
    from nbgrader.apps import NbGraderAPI

    ensure_tools_on_path()
    stamp_new_gradebooks_in_process()
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
