"""The course outside the repository, the slow part.

* Every lesson runs alone in an empty folder, with nbval under the ``ci`` budget, in a
  Python environment that holds the course package only as the wheel ``make dist`` builds,
  next to what a hosted runtime (Colab, Kaggle) has: torch, torchvision, numpy, matplotlib,
  tqdm, pillow, scikit-learn (lesson 06), and ipykernel to run the notebook.
* The first cell's install path: in that environment without the package, the cell installs
  the wheel itself (``TORCHCOURSE_PIP`` points the one install setting at it) and the lesson
  carries on in the same kernel.
* A notebook as Colab saves it (its metadata, cell ids in ``metadata.id``, nbformat 4.0),
  with and without nbgrader's cell metadata, is collected by ``course collect --from`` and
  gets the score of the original.

What the environment isolates: a new virtual environment (``python -m venv``, so neither
this checkout's ``src/`` and ``grader/`` nor the course's own environment is on its path),
whose site-packages holds a ``.pth`` file naming one folder of symbolic links to exactly
those packages and their dependencies (read from their metadata) in the course's
environment, so no gigabytes are copied. nbgrader, the course's grading tools, Jupyter
server extensions and everything else the course's environment has are absent there. Two
things are the same as in the course's environment, not a hosted runtime's: the versions
(newer than Colab's) and the interpreter.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
import zipfile
from importlib import metadata
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import graded_cells
from coursegrader import cli
from coursegrader.authoring import hosted
from coursegrader.course import cells
from coursegrader.course.paths import COURSE_ROOT, NOTEBOOKS_DIR, lesson_notebook, lessons

pytestmark = pytest.mark.slow

# What Colab and Kaggle have, plus the kernel that runs the notebooks.
HOSTED_PACKAGES = ("torch", "torchvision", "numpy", "matplotlib", "tqdm", "pillow",
                   "scikit-learn", "ipykernel", "pip")
KERNEL = "course-outside"
TIMES: dict[str, float] = {}


def _closure(names) -> list[metadata.Distribution]:
    """The installed distributions ``names`` need, themselves included: markers evaluated
    for this machine, with the extras that a requirement asks of a dependency."""
    dists: dict[str, metadata.Distribution] = {}
    done: set[tuple[str, str]] = set()  # (distribution, extra) already followed
    todo = [(name, "") for name in names]
    while todo:
        name, extra = todo.pop()
        name = canonicalize_name(name)
        if (name, extra) in done:
            continue
        done.add((name, extra))
        try:
            dists.setdefault(name, metadata.distribution(name))
        except metadata.PackageNotFoundError:
            continue  # an optional dependency that is not installed
        for text in dists[name].requires or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": extra}):
                todo += [(req.name, "")] + [(req.name, e) for e in req.extras]
    return list(dists.values())


def _link_packages(site: Path) -> list[str]:
    site.mkdir(parents=True)
    linked = []
    for dist in _closure(HOSTED_PACKAGES):
        source_root = Path(dist.locate_file(""))
        tops = {Path(f).parts[0] for f in dist.files or []}
        for top in sorted(tops):
            if top in ("..", "__pycache__") or top.endswith(".pth") or (site / top).exists():
                continue
            if (source_root / top).exists():
                (site / top).symlink_to(source_root / top)
                linked.append(top)
    return linked


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / "python"


def _run_venv(python: Path, code: str) -> str:
    return subprocess.run([str(python), "-c", code], capture_output=True, text=True,
                          env=_clean_env({}), check=False).stdout.strip()


def _clean_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")
           and k not in ("PYTHONPATH", "COURSE_DATA_DIR", "NBGRADER_EXECUTION", "VIRTUAL_ENV")}
    env["PIP_CONFIG_FILE"] = os.devnull  # no package index or wheel folder of this machine
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def outside(tmp_path_factory):
    """A virtual environment as described at the top, a kernel for it, and the wheel."""
    base = tmp_path_factory.mktemp("outside")
    # the wheel, built from a copy so that nothing is written into src/
    src = base / "src"
    shutil.copytree(COURSE_ROOT / "src", src, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "-w", str(base / "dist"), str(src)], check=True)
    wheel = next((base / "dist").glob("torchcourse-*.whl"))

    venv = base / "venv"
    base_python = getattr(sys, "_base_executable", sys.executable)
    # no pip of its own: venv's bundled setuptools would be older than torch requires
    subprocess.run([base_python, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = _venv_python(venv)
    purelib = _run_venv(python, "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    linked = _link_packages(base / "hosted-site")
    (Path(purelib) / "hosted-runtime.pth").write_text(str(base / "hosted-site") + "\n")

    kernels = base / "jupyter" / "kernels" / KERNEL
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "outside the course", "language": "python"}))
    (base / "pytest.ini").write_text("[pytest]\n")
    env = _clean_env({
        "JUPYTER_PATH": str(base / "jupyter"),
        "COURSE_BUDGET": "ci",
        hosted.PACKAGE_ENV: str(wheel),
        "PIP_NO_INDEX": "1",  # the wheel's dependencies must all be there already
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "XDG_CACHE_HOME": str(base / "cache"),  # lesson 07's generated data set
        # the lessons run two at a time (outside_runs): one PyTorch thread each, or their
        # threads spin while they wait for each other on the shared cores
        "OMP_NUM_THREADS": "1",
    })
    return {"base": base, "python": python, "wheel": wheel, "env": env, "linked": linked}


RUNS: dict[str, subprocess.CompletedProcess] = {}


def _nbval(outside, lesson: str, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run the lesson's solution notebook alone in an empty folder, once per test session
    (the install test's run of lesson 01 counts as lesson 01's run)."""
    if lesson in RUNS:
        return RUNS[lesson]
    folder = outside["base"] / "run" / lesson
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copy(lesson_notebook(lesson), folder / f"{lesson}.ipynb")
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", str(outside["base"] / "pytest.ini"),
         "--nbval-lax", f"--nbval-kernel-name={KERNEL}", "--nbval-cell-timeout=600", f"{lesson}.ipynb"],
        cwd=folder, env=outside["env"], capture_output=True, text=True, timeout=timeout)
    TIMES[lesson] = time.perf_counter() - start
    RUNS[lesson] = proc
    return proc


def test_the_environment_has_no_course_tools(outside):
    python = outside["python"]
    found = _run_venv(python, "import importlib.util as u; print([m for m in "
                      "('torch', 'sklearn', 'tqdm', 'ipykernel', 'nbgrader', 'coursegrader', "
                      "'nbval', 'jupyterlab') if u.find_spec(m)])")
    assert found == "['torch', 'sklearn', 'tqdm', 'ipykernel']", found
    names = {p.name for p in zipfile.Path(outside["wheel"]).iterdir()}
    assert names == {"torchcourse", f"torchcourse-{_version()}.dist-info"}, names
    assert zipfile.Path(outside["wheel"], "torchcourse/lessons.json").exists()
    requires = zipfile.Path(outside["wheel"], f"torchcourse-{_version()}.dist-info/METADATA").read_text()
    assert "Requires-Dist: torch>=2.4" in requires and "nbgrader" not in requires


def _version() -> str:
    return re.search(r'__version__ = "(.+)"', (COURSE_ROOT / "src/torchcourse/__init__.py").read_text())[1]


def test_first_cell_installs_the_package_and_the_lesson_carries_on(outside):
    python = outside["python"]
    subprocess.run([str(python), "-m", "pip", "uninstall", "-q", "-y", "torchcourse"],
                   env=outside["env"], capture_output=True, check=False)
    assert _run_venv(python, "import importlib.util as u; print(u.find_spec('torchcourse'))") == "None"
    RUNS.pop("01-python-classes", None)
    proc = _nbval(outside, "01-python-classes")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    installed = _run_venv(python, "import importlib.metadata as m; print(m.version('torchcourse'))")
    assert installed == _version(), "the first cell did not install the wheel"


@pytest.fixture(scope="module")
def outside_runs(outside, request):
    """The lessons the selected tests below ask for, run two or more at a time (one per
    core): one nbval run keeps one kernel busy and leaves a second core idle. Each run is
    the same command, in its own empty folder, as one at a time would be. While the package
    is not installed yet (the install test above did not run), one lesson runs alone first,
    so that its first cell installs it once: two kernels installing it into one
    environment at once could collide. Returns {lesson: the finished run, or why none}."""
    from concurrent.futures import ThreadPoolExecutor

    wanted = [item.callspec.params["lesson"] for item in request.session.items
              if getattr(item, "originalname", None) == "test_lesson_runs_outside_the_repository"]
    todo = [lesson for lesson in wanted if lesson not in RUNS]
    installed = _run_venv(outside["python"], "import importlib.util as u; "
                          "print(u.find_spec('torchcourse') is not None)")
    done = {}
    if todo and installed != "True":
        first = todo.pop(0)
        done[first] = _run_or_error(outside, first)
    # later lessons train for longer: started first, they do not finish last alone
    todo.sort(reverse=True)
    # threads: each only waits for its own nbval process (_nbval fills RUNS and TIMES)
    with ThreadPoolExecutor(max_workers=max(1, min(len(todo), os.cpu_count() or 1))) as pool:
        runs = pool.map(lambda lesson: _run_or_error(outside, lesson), todo)
        done.update(zip(todo, runs, strict=True))
    return {**RUNS, **done}


def _run_or_error(outside, lesson: str):
    """_nbval's run, or the exception it raised (a time-out), for the lesson's own test."""
    try:
        return _nbval(outside, lesson)
    except Exception as err:  # handed to the lesson's test, which fails there
        return err


@pytest.mark.parametrize("lesson", lessons())
def test_lesson_runs_outside_the_repository(outside_runs, lesson):
    proc = outside_runs[lesson]
    if isinstance(proc, Exception):
        raise proc
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert re.search(r"\d+ passed", proc.stdout), proc.stdout[-2000:]
    print(f"{lesson}: {TIMES[lesson]:.0f} s outside the repository")


# ---- a notebook saved by Colab ----------------------------------------------------------


def colab_saved(nb: dict, keep_nbgrader: bool) -> dict:
    """``nb`` as Colab's "Download .ipynb" writes it: nbformat 4.0 (cell ids as
    ``metadata.id``), Colab's notebook metadata, ``outputId`` and ``colab`` in the metadata
    of code cells, and nbgrader's cell metadata kept or dropped."""
    out_cells = []
    for cell in nb["cells"]:
        meta = {"id": cell.get("id") or uuid.uuid4().hex[:12]}
        if keep_nbgrader and "nbgrader" in cell.get("metadata", {}):
            meta["nbgrader"] = cell["metadata"]["nbgrader"]
        new = {"cell_type": cell["cell_type"], "source": cell["source"], "metadata": meta}
        if cell["cell_type"] == "code":
            meta["colab"] = {"base_uri": "https://localhost:8080/"}
            meta["outputId"] = str(uuid.uuid4())
            new.update(execution_count=None, outputs=[])
        out_cells.append(new)
    return {
        "nbformat": 4,
        "nbformat_minor": 0,
        "metadata": {
            "colab": {"provenance": [], "collapsed_sections": [], "toc_visible": True},
            "kernelspec": {"name": "python3", "display_name": "Python 3"},
            "language_info": {"name": "python"},
        },
        "cells": out_cells,
    }


def test_a_notebook_saved_by_colab_is_collected_and_graded_the_same(tmp_path, monkeypatch, capsys):
    lesson = "01-python-classes"
    monkeypatch.setenv("COURSE_GRADING_DIR", str(tmp_path / "grading"))
    monkeypatch.setenv("COURSE_RELEASE_DIR", str(tmp_path / "release"))  # not the checkout's
    monkeypatch.delenv("COURSE_DB_URL", raising=False)
    # a partly right submission: the reference solution, with one exercise left blank
    nb = json.loads(lesson_notebook(lesson).read_text(encoding="utf-8"))
    blank = nbformat.read(lesson_notebook(lesson, NOTEBOOKS_DIR), as_version=4)
    blank_ex2 = next(c.source for c in blank.cells if cells.grade_id(c) == "ex2-clip")
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "ex2-clip":
            cell["source"] = blank_ex2
    kept, dropped = colab_saved(nb, True), colab_saved(nb, False)
    assert nbformat.validate(nbformat.from_dict(kept)) is None
    download = tmp_path / "download"
    for student, content in (("orig", nb), ("colabkept", kept), ("colabdropped", dropped)):
        (download / student).mkdir(parents=True)
        # Colab names a notebook saved to Drive "Copy of ..."
        name = f"Copy of {lesson}.ipynb" if student.startswith("colab") else f"{lesson}.ipynb"
        (download / student / name).write_text(json.dumps(content, indent=2))

    assert cli.main(["collect", lesson, "--from", str(download)]) == 0
    out = capsys.readouterr().out
    assert f"imported 3 submission(s) of {lesson}" in out, out
    assert cli.main(["autograde", lesson, "--no-sandbox"]) == 0
    out = capsys.readouterr().out
    total = sum(graded_cells(lesson).values())
    ex2 = graded_cells(lesson)["ex2-clip-test"]
    for student in ("orig", "colabkept", "colabdropped"):
        line = " ".join(next(line for line in out.splitlines() if line.split()[:1] == [student]).split())
        assert f"graded {total - ex2:g}/{total:g}" in line, out
