"""sandbox/fontlist.py: matplotlib's font list is made once, outside the sandbox, and every
kernel starts with its own copy instead of scanning every font file again."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import pytest
from test_sandbox import needs_bwrap, sandboxed

from coursegrader.sandbox import bwrap, fontlist


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    fontlist.font_list.cache_clear()
    yield tmp_path / "cache" / "coursegrader"
    fontlist.font_list.cache_clear()


def fake_python(tmp_path, body: str) -> str:
    """A stand-in for the kernel's Python: a shell script that counts its runs."""
    script = tmp_path / "python"
    script.write_text(f"#!/bin/sh\necho run >> {tmp_path / 'runs'}\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def runs(tmp_path) -> int:
    path = tmp_path / "runs"
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_the_list_is_made_once_and_kept(cache, tmp_path):
    python = fake_python(tmp_path, 'echo "{}" > "$MPLCONFIGDIR/fontlist-v9.json"')
    first = fontlist.font_list(python)
    assert [p.name for p in first] == ["fontlist-v9.json"]
    assert first[0].is_relative_to(cache)
    fontlist.font_list.cache_clear()  # a new grading process: the list is on disk
    assert fontlist.font_list(python) == first
    assert runs(tmp_path) == 1
    binds, copies = fontlist.sandbox_args(python)
    assert binds == ["--ro-bind", str(first[0].parent), fontlist.BOUND_DIR]
    assert copies == [[f"{fontlist.BOUND_DIR}/fontlist-v9.json",
                       f"{fontlist.KERNEL_DIR}/fontlist-v9.json"]]
    assert bwrap.kernel_env()["MPLCONFIGDIR"] == fontlist.KERNEL_DIR
    assert [p.name for p in cache.iterdir()] == [first[0].parent.name], "scratch left behind"


def test_a_python_that_cannot_make_the_list_leaves_the_kernel_as_before(cache, tmp_path):
    python = fake_python(tmp_path, "exit 1")
    assert fontlist.font_list(python) == ()
    assert fontlist.sandbox_args(python) == ([], [])
    assert fontlist.sandbox_args(str(tmp_path / "no-such-python")) == ([], [])
    assert list(cache.iterdir()) == [], "scratch left behind"



def test_no_cache_folder_of_its_own_leaves_the_kernel_as_before(tmp_path, monkeypatch):
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("")  # (a file where the cache folder would be: even root fails)
    monkeypatch.setenv("XDG_CACHE_HOME", str(not_a_folder))
    fontlist.font_list.cache_clear()
    try:
        python = fake_python(tmp_path, 'echo "{}" > "$MPLCONFIGDIR/fontlist-v9.json"')
        assert fontlist.sandbox_args(python) == ([], [])
    finally:
        fontlist.font_list.cache_clear()


@needs_bwrap
def test_a_kernel_reads_the_list_instead_of_making_it(tmp_path):
    submission = tmp_path / "alice" / "02-nn-module"
    submission.mkdir(parents=True)
    code = """
import hashlib, json, os
folder = os.environ.get("MPLCONFIGDIR", "/tmp/matplotlib")
def seen():
    return {n: hashlib.sha256(open(os.path.join(folder, n), "rb").read()).hexdigest()
            for n in sorted(os.listdir(folder))} if os.path.isdir(folder) else {}
before = seen()
import matplotlib.font_manager as fm
print(json.dumps({"before": before, "after": seen(), "fonts": len(fm.fontManager.ttflist)}))
"""
    run = sandboxed(code, submission, python=sys.executable)  # the kernels' Python
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout.splitlines()[-1])
    assert any(name.startswith("fontlist-") for name in seen["before"]), (
        f"the kernel started without matplotlib's font list: {seen['before']}")
    assert seen["after"] == seen["before"], "matplotlib made its font list again"
    assert seen["fonts"] > 0
    assert "building the font cache" not in run.stderr
