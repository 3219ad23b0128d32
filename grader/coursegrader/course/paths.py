"""Where the course lives, and how nbgrader is pointed at its configuration.

The course root is the folder that holds ``grader/nbgrader_config.py``: ``COURSE_ROOT`` if it
is set, else the working folder or the first folder above it that is a course, else the
checkout this package was loaded from. The working folder comes before this file's own
location, so that an installed (non-editable) copy of the tooling finds the course it is
run in.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

CONFIG_NAME = Path("grader") / "nbgrader_config.py"


def _is_course(folder: Path) -> bool:
    return (folder / CONFIG_NAME).is_file()


def find_course_root(start: Path | None = None) -> Path:
    """The course root (see the module docstring)."""
    env = os.environ.get("COURSE_ROOT", "").strip()
    if env:
        return Path(env).expanduser().resolve()
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if _is_course(folder):
            return folder
    checkout = Path(__file__).resolve().parents[3]  # grader/coursegrader/course/paths.py
    return checkout if _is_course(checkout) else here


COURSE_ROOT = find_course_root()
GRADER_DIR = COURSE_ROOT / "grader"
CONFIG_FILE = COURSE_ROOT / CONFIG_NAME
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


def release_directory() -> str:
    """nbgrader's release folder, where `course release` writes the student notebooks:
    COURSE_RELEASE_DIR, else ``notebooks`` (the committed ones; nbgrader joins it onto the
    course root). Moved, the checkout is left as it is: a read-only course folder on a hub,
    or tests that must not rewrite what other tests are reading."""
    return os.environ.get("COURSE_RELEASE_DIR") or NOTEBOOKS_DIR.name


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
