"""Where the course lives, and how nbgrader is pointed at its configuration."""

from __future__ import annotations

import os
import re
from pathlib import Path

GRADER_DIR = Path(__file__).resolve().parent.parent
COURSE_ROOT = GRADER_DIR.parent
CONFIG_FILE = GRADER_DIR / "nbgrader_config.py"
SOLUTIONS_DIR = COURSE_ROOT / "solutions"
NOTEBOOKS_DIR = COURSE_ROOT / "notebooks"

LESSON_RE = re.compile(r"^\d\d-[a-z0-9]+(?:-[a-z0-9]+)*$")


def lessons(root: Path = SOLUTIONS_DIR) -> list[str]:
    """The lesson (assignment) ids, in order: the NN-slug folders of ``solutions/``."""
    return sorted(p.name for p in root.iterdir() if p.is_dir() and LESSON_RE.match(p.name))


def lesson_notebook(lesson: str, root: Path = SOLUTIONS_DIR) -> Path:
    """The one notebook of a lesson: ``<root>/NN-slug/NN-slug.ipynb``."""
    return root / lesson / f"{lesson}.ipynb"


def grading_dir() -> Path:
    """The instructor's working folder (COURSE_GRADING_DIR, default ``grading/``)."""
    return Path(os.environ.get("COURSE_GRADING_DIR") or COURSE_ROOT / "grading").resolve()


def db_url() -> str:
    """The gradebook (COURSE_DB_URL, default SQLite in the grading folder)."""
    return os.environ.get("COURSE_DB_URL") or f"sqlite:///{grading_dir() / 'gradebook.db'}"


def jupyter_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """A copy of ``base`` (default os.environ) where Jupyter and nbgrader find our config."""
    env = dict(os.environ if base is None else base)
    paths = [str(GRADER_DIR)]
    if env.get("JUPYTER_CONFIG_PATH"):
        paths += [p for p in env["JUPYTER_CONFIG_PATH"].split(os.pathsep) if p != str(GRADER_DIR)]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(paths)
    return env
