"""The course outside the repository: Colab and Kaggle links, the first cell, GPU metadata.

Everything here is generated from two settings, :data:`REPOSITORY` (the repository's
address) and :data:`PACKAGE_SOURCE` (where the first cell of a lesson installs the course
package from), and written by ``course generate`` (``make notebooks``) before nbgrader makes
the student notebooks, so that they carry it too. Nothing of it is edited by hand:

* every solution notebook gets three cells with fixed ids: ``course-links`` (on top: "Open
  in Colab" and "Open in Kaggle"), ``course-setup`` (the first code cell: install the
  package where it is missing, then ``torchcourse.start``) and ``course-progress`` (last:
  the table of the lesson's tests, :mod:`torchcourse.progress`);
* the notebooks of :data:`GPU_LESSONS` ask Colab and Kaggle for a GPU in their metadata;
* the README's lesson table gets a link column;
* ``src/torchcourse/lessons.json``: the fingerprints of every visible test cell of the
  student notebooks, which :mod:`torchcourse.progress` recognises.

``tests/content/test_hosted_links.py`` checks that all of it is what these functions make today.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat

from coursegrader.course import cells
from coursegrader.course.paths import (
    COURSE_ROOT,
    NOTEBOOKS_DIR,
    SOLUTIONS_DIR,
    lesson_notebook,
    lessons,
)

# The repository's address: the links open its notebooks/ from BRANCH.
REPOSITORY = "https://github.com/pytorch-course/pytorch-course"
BRANCH = "main"
# Where the first cell installs the course package from ({version}: torchcourse's); a
# release needs the tag v<version>. TORCHCOURSE_PIP (any pip requirement: a wheel file, a
# URL) replaces it at run time, for tests and for a class with its own package index.
PACKAGE_SOURCE = f"git+{REPOSITORY}@v{{version}}#subdirectory=src"
PACKAGE_ENV = "TORCHCOURSE_PIP"
# Lessons that train on a GPU: their notebooks ask the hosted runtime for one.
GPU_LESSONS = ("07-cifar10-cnn", "08-reusing-a-trained-network")

LINKS_ID, SETUP_ID, PROGRESS_ID = "course-links", "course-setup", "course-progress"
MANAGED_IDS = (LINKS_ID, SETUP_ID, PROGRESS_ID)
README = COURSE_ROOT / "README.md"
LESSONS_JSON = COURSE_ROOT / "src" / "torchcourse" / "lessons.json"

COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
KAGGLE_BADGE = "https://kaggle.com/static/images/open-in-kaggle.svg"


def package_version() -> str:
    text = (COURSE_ROOT / "src" / "torchcourse" / "__init__.py").read_text()
    return re.search(r'^__version__ = "([^"]+)"', text, re.M).group(1)


def package_source() -> str:
    return PACKAGE_SOURCE.format(version=package_version())


def _repo_path() -> str:
    """``owner/name`` of a GitHub address."""
    return REPOSITORY.rstrip("/").removeprefix("https://github.com/")


def notebook_url(lesson: str) -> str:
    return f"{REPOSITORY.rstrip('/')}/blob/{BRANCH}/notebooks/{lesson}/{lesson}.ipynb"


def colab_url(lesson: str) -> str:
    return f"https://colab.research.google.com/github/{_repo_path()}/blob/{BRANCH}/notebooks/{lesson}/{lesson}.ipynb"


def kaggle_url(lesson: str) -> str:
    return f"https://kaggle.com/kernels/welcome?src={notebook_url(lesson)}"


def badges(lesson: str) -> str:
    return (
        f"[![Open in Colab]({COLAB_BADGE})]({colab_url(lesson)}) "
        f"[![Open in Kaggle]({KAGGLE_BADGE})]({kaggle_url(lesson)})"
    )


def wants_gpu(lesson: str) -> bool:
    return lesson.startswith(GPU_LESSONS)


def due_line(lesson: str, config=None) -> str:
    """'**Due:** Friday 22 January 2027, 23:59 (UTC)' from the course's due-date setting
    (course/deadlines.py), or "" for a lesson without a due date."""
    from coursegrader.course.config import load_config
    from coursegrader.course.deadlines import due_date, format_due

    when = due_date(lesson, config if config is not None else load_config())
    return f"**Due:** {format_due(when)}\n\n" if when else ""


def links_source(lesson: str, config=None) -> str:
    return (
        f"{badges(lesson)}\n\n"
        f"{due_line(lesson, config)}"
        "Outside the course folder (Colab, Kaggle, any Jupyter) the first code cell installs "
        "the course package. `torchcourse.progress.show()`, the last cell, lists which tests "
        "you passed."
    )


def setup_source(lesson: str) -> str:
    # IPython expands {...} in a magic's line before the shell sees it; the source has no
    # spaces, so it stays one argument. The `import torchcourse` after %pip works without a
    # restart: nothing of the package (or of an upgraded dependency) was imported before.
    return (
        "# The course package: already here in the course folder; on Colab, Kaggle or any\n"
        "# other Jupyter it is installed first (no restart needed).\n"
        "try:\n"
        "    import torchcourse\n"
        "except ImportError:\n"
        "    import os  # noqa: F401 (os is used by %pip below)\n"
        f'    %pip install -q {{os.environ.get("{PACKAGE_ENV}", "{package_source()}")}}\n'
        "    import torchcourse\n"
        f'torchcourse.start("{lesson}")'
    )


def progress_source(lesson: str) -> str:
    return (
        "# Where you stand: the visible tests of this lesson you ran (passed, failed, not run).\n"
        f'torchcourse.progress.show("{lesson}")'
    )


def _cell(cell_id: str, kind: str, source: str):
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    cell = make(source)
    cell.id = cell_id
    return cell


def apply_to_notebook(nb, lesson: str, config=None):
    """``nb`` (a solution notebook) with this module's cells and metadata, made anew; what
    was there before under the managed ids is replaced, the lesson's own cells are kept.
    ``config``: the course's config (default: grader/nbgrader_config.py), for the due date."""
    own = [c for c in nb.cells if c.get("id") not in MANAGED_IDS]
    first_code = next((i for i, c in enumerate(own) if c.cell_type == "code"), len(own))
    # The setup cell goes right after the title cell (before any code of the lesson).
    at = min(1, first_code) if own and own[0].cell_type == "markdown" else 0
    nb.cells = (
        [_cell(LINKS_ID, "markdown", links_source(lesson, config))]
        + own[:at]
        + [_cell(SETUP_ID, "code", setup_source(lesson))]
        + own[at:]
        + [_cell(PROGRESS_ID, "code", progress_source(lesson))]
    )
    meta = nb.metadata
    for key in ("accelerator", "colab", "kaggle"):
        meta.pop(key, None)
    if wants_gpu(lesson):
        # Colab's "Change runtime type" stores these; opening the notebook asks for a T4.
        meta["accelerator"] = "GPU"
        meta["colab"] = {"gpuType": "T4", "provenance": []}
        # What Kaggle writes into a notebook with a GPU and internet switched on.
        meta["kaggle"] = {"accelerator": "nvidiaTeslaT4", "isGpuEnabled": True,
                          "isInternetEnabled": True, "language": "python",
                          "sourceType": "notebook"}
    return nb


def write_solutions(root: Path = SOLUTIONS_DIR) -> list[str]:
    """Apply :func:`apply_to_notebook` to every solution notebook; return the changed ones."""
    from coursegrader.course.config import load_config

    changed = []
    config = load_config()
    for lesson in lessons(root):
        path = lesson_notebook(lesson, root)
        before = path.read_text(encoding="utf-8")
        nb = apply_to_notebook(nbformat.reads(before, as_version=4), lesson, config)
        after = nbformat.writes(nb) + "\n"
        if after != before:
            path.write_text(after, encoding="utf-8")
            changed.append(lesson)
    return changed


# ---- README ----------------------------------------------------------------------------

ROW_RE = re.compile(r"^\| `(?P<lesson>\d\d-[a-z0-9-]+)` \| (?P<what>.*?) \|(?: .* \|)?$")
HEADER = "| lesson | what you learn | open in |"
RULE = "|---|---|---|"


def _title(lesson: str) -> str:
    nb = nbformat.read(lesson_notebook(lesson), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("# "):
            return cell.source.splitlines()[0][2:].split("·", 1)[-1].strip()
    return lesson


def readme_text(text: str, all_lessons: list[str] | None = None) -> str:
    """The README with its lesson table (the first table whose rows start with a lesson
    id) given one row per lesson, in order, each with its links."""
    all_lessons = all_lessons or lessons()
    lines = text.splitlines()
    rows = [i for i, line in enumerate(lines) if ROW_RE.match(line)]
    if not rows:
        raise ValueError("README.md has no lesson table (rows like | `01-python-classes` | ... |)")
    first = last = rows[0]
    while last + 1 < len(lines) and ROW_RE.match(lines[last + 1]):
        last += 1
    what = {m["lesson"]: m["what"] for m in map(ROW_RE.match, lines[first:last + 1])}
    table = [HEADER, RULE] + [
        f"| `{lesson}` | {what.get(lesson) or _title(lesson)} | {badges(lesson)} |"
        for lesson in all_lessons
    ]
    return "\n".join(lines[: first - 2] + table + lines[last + 1:]) + "\n"


def write_readme(path: Path = README) -> bool:
    before = path.read_text(encoding="utf-8")
    after = readme_text(before)
    if after != before:
        path.write_text(after, encoding="utf-8")
    return after != before


# ---- what torchcourse.progress recognises ---------------------------------------------

def lessons_manifest(root: Path = NOTEBOOKS_DIR) -> dict:
    """For every student notebook: whether it wants a GPU, and each visible test cell's
    grade_id, points and source fingerprint, in notebook order."""
    from torchcourse.progress import fingerprint

    out = {}
    for lesson in lessons(root):
        nb = nbformat.read(lesson_notebook(lesson, root), as_version=4)
        tests = [
            {"grade_id": cells.grade_id(c), "points": cells.points(c),
             "fingerprint": fingerprint(c.source)}
            for c in nb.cells if cells.is_test(c)
        ]
        prints = [t["fingerprint"] for t in tests]
        if len(set(prints)) != len(prints):
            raise ValueError(f"{lesson}: two test cells have the same source; "
                             "torchcourse.progress could not tell them apart.")
        out[lesson] = {"gpu": wants_gpu(lesson), "tests": tests}
    return out


def manifest_text(root: Path = NOTEBOOKS_DIR) -> str:
    return json.dumps(lessons_manifest(root), indent=1) + "\n"


def write_manifest(path: Path = LESSONS_JSON) -> bool:
    after = manifest_text()
    changed = not path.exists() or path.read_text(encoding="utf-8") != after
    if changed:
        path.write_text(after, encoding="utf-8")
    return changed
