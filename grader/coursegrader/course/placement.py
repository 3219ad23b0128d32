"""Where nbgrader expects a student's submission: ``submitted/<student>/<lesson>/`` with the
notebook and a ``timestamp.txt``."""

from __future__ import annotations

import datetime as _dt
import shutil
from pathlib import Path


def place_submission(submitted_dir: Path, lesson: str, student: str, notebook: Path,
                     name: str | None = None) -> Path:
    """Copy ``notebook`` to where nbgrader expects student ``student``'s submission (as
    ``name``, default the lesson's notebook name), with the time of submission."""
    dest = Path(submitted_dir) / student / lesson
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / (name or f"{lesson}.ipynb")
    shutil.copyfile(notebook, target)
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f %Z")
    (dest / "timestamp.txt").write_text(stamp + "\n")
    return target
