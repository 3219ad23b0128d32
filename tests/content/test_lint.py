"""ruff over the Python code and the instructor notebooks (config in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys

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
