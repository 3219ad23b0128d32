"""Import submissions downloaded from a learning management system (a zip file or folder).

Per student, either a folder ``<student>/...ipynb`` or a file ``<student>_<anything>.ipynb``
/ ``<student>.ipynb``; each lands where nbgrader expects a submission, with a timestamp.

Why not nbgrader's own ``zip_collect`` (ZipCollectApp with its ExtractorPlugin and
FileNameCollectorPlugin): it wants the archives in its own folder
(``downloaded/<lesson>/archive``), extracts them there, and matches each file name against
one regular expression that must name the student, the file and optionally a time; a
download holding a folder per student, which several platforms make, does not fit one
file-name pattern, and its answer for an unreadable name is to skip it silently. Here both
shapes are read straight from the download, every file skipped is listed with the reason,
and an archive with an absolute path or ``..`` in it is refused.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path

from coursegrader.course.paths import NOTEBOOKS_DIR, lesson_notebook
from coursegrader.course.placement import place_submission
from coursegrader.course.restore import restore_file
from coursegrader.errors import CourseError


def import_submissions(lesson: str, source: Path, api) -> tuple[list[str], list[tuple[str, str]]]:
    """Import an LMS download: a zip file or folder holding, per student, either a folder
    ``<student>/...ipynb`` or a file ``<student>_<anything>.ipynb`` / ``<student>.ipynb``."""
    submitted = Path(api.coursedir.submitted_directory)
    problems: list[tuple[str, str]] = []
    imported: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        if source.is_file() and zipfile.is_zipfile(source):
            with zipfile.ZipFile(source) as archive:
                for member in archive.namelist():  # no absolute paths or .. in the archive
                    if member.startswith("/") or ".." in Path(member).parts:
                        raise CourseError(f"unsafe path in {source}: {member}")
                archive.extractall(tmp)
            root = Path(tmp)
        elif source.is_dir():
            root = source
        else:
            raise CourseError(f"{source} is neither a zip file nor a folder")
        entries = [p for p in sorted(root.iterdir()) if not p.name.startswith((".", "__MACOSX"))]
        if len(entries) == 1 and entries[0].is_dir() and not list(entries[0].glob("*.ipynb")):
            entries = sorted(entries[0].iterdir())  # the zip held one top folder
        for entry in entries:
            if entry.is_dir():
                student, notebooks = entry.name, sorted(entry.rglob("*.ipynb"))
            elif entry.suffix == ".ipynb":
                student, notebooks = entry.stem.split("_", 1)[0], [entry]
            else:
                problems.append((entry.name, "not a notebook or a student folder"))
                continue
            if not student or any(ch in student for ch in "+*/\\"):
                problems.append((entry.name, f"cannot use {student!r} as a student id"))
                continue
            notebooks = [nb for nb in notebooks if ".ipynb_checkpoints" not in nb.parts]
            if not notebooks:
                problems.append((entry.name, "no notebook inside"))
                continue
            dest = submitted / student / lesson
            if dest.exists():
                shutil.rmtree(dest)
            if len(notebooks) > 1 and len({nb.name for nb in notebooks}) == len(notebooks):
                # a lesson of several notebooks: each keeps its name (nbgrader grades the
                # ones the lesson has, scores a missing one 0 and skips the others)
                for nb in notebooks:
                    place_submission(submitted, lesson, student, nb, name=nb.name)
            else:
                best = next((nb for nb in notebooks if nb.name == f"{lesson}.ipynb"),
                            notebooks[0])
                placed = place_submission(submitted, lesson, student, best)
                # a notebook saved by Colab may come back without nbgrader's cell metadata
                restore_file(placed, lesson_notebook(lesson, NOTEBOOKS_DIR))
            imported.append(student)
    return imported, problems
