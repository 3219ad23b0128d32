"""ruff over the Python code and the instructor notebooks, and the grader's import rules
(config of both in pyproject.toml)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from coursegrader.course.paths import COURSE_ROOT


def test_ruff_is_clean():
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=COURSE_ROOT, capture_output=True, text=True,
    )
    assert proc.returncode == 0, f"ruff found problems:\n{proc.stdout}{proc.stderr}"


def test_ruff_covers_the_solution_notebooks():
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--show-files", "."],
        cwd=COURSE_ROOT, capture_output=True, text=True,
    )
    files = proc.stdout
    assert ".ipynb" in files and "solutions" in files, "ruff does not look at the notebooks"
    assert "notebooks/" not in files.replace(str(COURSE_ROOT), ""), (
        "generated student notebooks are excluded from ruff (their answers are missing)"
    )


def test_the_graders_import_rules_hold():
    """The boundaries of grader/coursegrader (pyproject.toml, [tool.importlinter]): only nbg/
    and the engine's preprocessors import nbgrader; the engine needs no authoring or developer
    tool; the layers from the commands down to the course."""
    lint = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(lint), "--no-cache"], cwd=COURSE_ROOT, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(COURSE_ROOT / "grader")})
    assert proc.returncode == 0, f"import rules broken:\n{proc.stdout[-3000:]}{proc.stderr}"
    assert "0 broken" in proc.stdout and "3 kept" in proc.stdout, proc.stdout[-1000:]
