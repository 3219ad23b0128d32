"""The sanitize stage of one submission (in the single gradebook writer).

Before nbgrader sees a submission: its timestamp.txt is read (a bad one stops only this
submission, see nbg/stages.read_timestamp), its notebooks are checked to be readable, and a
single-notebook lesson's notebook saved under another name is graded under the right one.
Then nbgrader's own sanitize stage (nbg/stages.sanitize) writes the autograded copy, and the
integrity scan reads what the student wrote.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat

from coursegrader.engine.model import Sanitized
from coursegrader.engine.preprocessors.repair_duplicates import RepairDuplicates
from coursegrader.integrity.notices import notice_submission
from coursegrader.integrity.scan import scan_submission
from coursegrader.nbg import gradebook, stages

# nbgrader's warnings that tell the instructor something about a submission
NOTEWORTHY_RE = re.compile(r"multiple times|Missing grade cell|'cell_type'.*has changed|"
                           r"unknown notebook|No submitted file|seconds late")


def reason_from_log(log: str) -> str:
    """The most telling line of an nbgrader log: the last exception or error message."""
    lines = [line.strip() for line in (log or "").splitlines() if line.strip()]
    for line in reversed(lines):
        if re.match(r"^[\w.]*(Error|Exception|Exit)\b.*:", line) and "NbGraderException" not in line:
            return line[:300]
    for line in reversed(lines):
        if "[ERROR]" in line and "There was an error" not in line and "see the" not in line:
            return line.split("]", 1)[-1].strip()[:300]
    return lines[-1][:300] if lines else "unknown error"


def warnings(messages: list[str]) -> list[str]:
    """What nbgrader's sanitize stage noticed and repaired (its warnings, one line each), as
    notes for the instructor."""
    found = (m.strip() for m in messages if NOTEWORTHY_RE.search(m))
    return list(dict.fromkeys(line[:200] for line in found))


def notebook_problem(path: Path) -> str:
    """Why a submitted notebook file cannot be read ("" when it can)."""
    raw = path.read_bytes()
    if not raw.strip():
        return f"the notebook file {path.name} is empty"
    try:
        nbformat.reads(raw.decode("utf-8", errors="replace"), as_version=4)
    except Exception as err:
        kind = "not valid JSON" if isinstance(err, json.JSONDecodeError) or "JSON" in str(
            type(err)) else "not a notebook"
        return f"the notebook file {path.name} is {kind} ({type(err).__name__}: {str(err)[:120]})"
    return ""


def preflight(folder: Path, expected: list[str]) -> tuple[str, list[str]]:
    """(reason the submission in ``folder`` cannot be graded or "", notes).

    ``expected``: the lesson's notebook names. A lesson of one notebook whose submission
    holds exactly one notebook under another name is graded as that notebook (students
    rename files); with several notebooks, nbgrader's rules hold: a missing one scores 0,
    an extra one is ignored.
    """
    notes: list[str] = []
    present = [name for name in expected if (folder / f"{name}.ipynb").exists()]
    if not present:
        others = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
        if len(expected) == 1 and len(others) == 1:
            target = folder / f"{expected[0]}.ipynb"
            shutil.copyfile(others[0], target)
            notes.append(f"the notebook was named {others[0].name!r}; graded as {target.name}")
            present = expected
        else:
            names = ", ".join(f"{n}.ipynb" for n in expected)
            return (f"no notebook named {names} in the submission"
                    + (f" (found {', '.join(p.name for p in others)})" if others else "")), notes
    for name in present:
        problem = notebook_problem(folder / f"{name}.ipynb")
        if problem:
            return problem, notes
    return "", notes


def sanitize_submission(api, lesson: str, student: str, expected: list[str],
                        released: dict) -> Sanitized:
    """Stage 1 for one submission; on failure the reason is in ``.error`` and the
    submission has a zero row in the gradebook."""
    out = Sanitized()
    folder = Path(api.coursedir.submitted_directory) / student / lesson
    try:
        timestamp, note = stages.read_timestamp(folder)
    except ValueError as err:
        out.error = str(err)
        gradebook.record_zero(api, lesson, student)
        return out
    if note:
        out.notes.append(note)
    out.error, notes = preflight(folder, expected)
    out.notes += notes
    if out.error:
        gradebook.record_zero(api, lesson, student, timestamp)
        return out
    outcome = stages.sanitize(api, lesson, student, first=[RepairDuplicates])
    if not outcome.get("success"):
        # nbgrader cannot put back deleted test cells when the cells around them are gone
        # too (nbgrader metadata stripped): grade without them (they score 0).
        outcome = stages.sanitize(api, lesson, student, add_missing_cells=False,
                                  first=[RepairDuplicates])
        out.notes.append("test cells are missing and could not be put back")
    log = (outcome.get("error") or "") + "\n" + (outcome.get("log") or "")
    out.notes += warnings(outcome.get("warnings", []))
    autograded = Path(api.coursedir.autograded_directory) / student / lesson
    out.notebooks = [autograded / f"{name}.ipynb" for name in expected
                     if (autograded / f"{name}.ipynb").exists()]
    if not outcome.get("success") or not out.notebooks:
        out.error = "nbgrader could not read the submission: " + reason_from_log(log)
        out.notebooks = []
        gradebook.record_zero(api, lesson, student, timestamp)
        return out
    for path in out.notebooks:
        nb = nbformat.read(path, as_version=4)
        prefix = f"{path.stem}: " if len(expected) > 1 else ""
        out.review += [prefix + r for r in scan_submission(nb, released.get(path.stem))]
        out.notes += [prefix + n for n in notice_submission(nb, released.get(path.stem))]
    return out
