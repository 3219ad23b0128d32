"""The instructor's term, one step at a time: release, collect, autograde, feedback, grades.

Every step runs nbgrader's own machinery (its exchange, its gradebook) in this process and
returns a short summary for the instructor.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

from coursegrader.api import make_api
from coursegrader.grading import SubmissionResult, export_csv, place_submission


class WorkflowError(RuntimeError):
    """A step could not run at all (as opposed to one bad submission)."""


def _check(outcome: dict, what: str) -> str:
    if not outcome.get("success"):
        raise WorkflowError(f"{what} failed:\n{outcome.get('error') or ''}{outcome.get('log') or ''}")
    return outcome.get("log") or ""


def release(lesson: str, api=None) -> str:
    """Record the lesson (cells, points, hidden tests) in the gradebook, write the student
    version to the release folder and put it in the exchange for students to fetch."""
    api = api or make_api()
    _check(api.generate_assignment(lesson, force=True, create=True), f"generating {lesson}")
    outbound = Path(api.exchange.ReleaseAssignment(coursedir=api.coursedir, parent=api).root)
    existing = outbound / api.coursedir.course_id / "outbound" / lesson
    if existing.exists():  # re-release: replace what students fetch
        shutil.rmtree(existing)
    _check(api.release_assignment(lesson), f"releasing {lesson}")
    return f"released {lesson}: students can fetch it from the exchange ({existing})"


def submitted_students(lesson: str, api=None) -> list[str]:
    api = api or make_api()
    root = Path(api.coursedir.submitted_directory)
    if not root.exists():
        return []
    return sorted(p.name for p in root.iterdir() if (p / lesson).is_dir())


def collect(lesson: str, source: Path | None = None, api=None) -> str:
    """Collect submissions: from the exchange (default), or from a zip file or folder
    downloaded from a learning management system (see :func:`import_submissions`)."""
    api = api or make_api()
    if source is None:
        before = set(submitted_students(lesson, api))
        _check(api.collect(lesson), f"collecting {lesson}")
        after = submitted_students(lesson, api)
        new = sorted(set(after) - before)
        return (f"collected {lesson} from the exchange: {len(after)} submission(s) in "
                f"{api.coursedir.submitted_directory} ({len(new)} new"
                + (f": {', '.join(new)}" if 0 < len(new) <= 10 else "") + ")")
    imported, problems = import_submissions(lesson, Path(source), api)
    lines = [f"imported {len(imported)} submission(s) of {lesson} from {source}"]
    lines += [f"  skipped {name}: {why}" for name, why in problems]
    return "\n".join(lines)


def import_submissions(lesson: str, source: Path, api=None):
    """Import an LMS download: a zip file or folder holding, per student, either a folder
    ``<student>/...ipynb`` or a file ``<student>_<anything>.ipynb`` / ``<student>.ipynb``."""
    api = api or make_api()
    submitted = Path(api.coursedir.submitted_directory)
    problems: list[tuple[str, str]] = []
    imported: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        if source.is_file() and zipfile.is_zipfile(source):
            with zipfile.ZipFile(source) as archive:
                for member in archive.namelist():  # no absolute paths or .. in the archive
                    if member.startswith("/") or ".." in Path(member).parts:
                        raise WorkflowError(f"unsafe path in {source}: {member}")
                archive.extractall(tmp)
            root = Path(tmp)
        elif source.is_dir():
            root = source
        else:
            raise WorkflowError(f"{source} is neither a zip file nor a folder")
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
            best = next((nb for nb in notebooks if nb.name == f"{lesson}.ipynb"), notebooks[0])
            dest = submitted / student / lesson
            if dest.exists():
                shutil.rmtree(dest)
            place_submission(submitted, lesson, student, best)
            imported.append(student)
    return imported, problems


def autograde(lesson: str, students: list[str] | None = None, jobs: int | None = None,
              api=None, progress: bool = True) -> tuple[dict[str, SubmissionResult], str]:
    """Autograde every collected submission of ``lesson`` in parallel (see parallel.py)."""
    from coursegrader.parallel import autograde_parallel

    api = api or make_api()
    students = students or submitted_students(lesson, api)
    if not students:
        raise WorkflowError(f"no submission of {lesson} in {api.coursedir.submitted_directory}: "
                            "run collect first")
    start = time.perf_counter()
    results = autograde_parallel(lesson, students, api=api, jobs=jobs, progress=progress)
    return results, summarize(lesson, results, time.perf_counter() - start)


def summarize(lesson: str, results: dict[str, SubmissionResult], seconds: float) -> str:
    counts = Counter(r.status for r in results.values())
    lines = [
        f"autograded {lesson}: {len(results)} submission(s) in {seconds:.1f} s -- "
        f"{counts['graded']} graded, {counts['review']} need review, {counts['failed']} failed"
    ]
    width = max((len(s) for s in results), default=7)
    for student, r in sorted(results.items()):
        score = f"{r.score:g}/{r.max_score:g}" if r.max_score else "-"
        line = f"  {student:<{width}}  {r.status:<6}  {score:>7}"
        why = r.error or "; ".join(r.review)
        if why:
            line += f"  {why}"
        lines.append(line)
        for note in r.notes:
            lines.append(f"  {'':<{width}}  note: {note}")
    return "\n".join(lines)


def feedback(lesson: str, api=None, progress: bool = True, release: bool = True) -> str:
    """Generate the feedback HTML of every autograded submission (hidden tests removed) and
    return it to the students through the exchange."""
    from tqdm import tqdm

    api = api or make_api()
    autograded = Path(api.coursedir.autograded_directory)
    students = sorted(p.name for p in autograded.iterdir() if (p / lesson).is_dir()) \
        if autograded.exists() else []
    if not students:
        raise WorkflowError(f"nothing autograded for {lesson}: run autograde first")
    done, failed = [], []
    for student in tqdm(students, desc=f"feedback {lesson}", disable=not progress, leave=False):
        outcome = api.generate_feedback(lesson, student)
        (done if outcome.get("success") else failed).append(student)
    lines = [f"feedback for {lesson}: {len(done)} generated in {api.coursedir.feedback_directory}"]
    if failed:
        lines.append(f"  could not generate feedback for: {', '.join(failed)}")
    if release and done:
        # only work that came through the exchange can go back through it (nbgrader needs
        # the submission's secret); work imported from an LMS goes back through the LMS
        root = Path(api.coursedir.feedback_directory)
        via_exchange = [s for s in done if (root / s / lesson / "submission_secret.txt").exists()]
        returned, not_returned = [], []
        for student in via_exchange:
            ok = api.release_feedback(lesson, student).get("success")
            (returned if ok else not_returned).append(student)
        lines.append(f"  {len(returned)} returned to the students through the exchange")
        if not_returned:
            lines.append(f"  returning failed for: {', '.join(not_returned)}")
        others = sorted(set(done) - set(via_exchange))
        if others:
            lines.append(f"  {len(others)} not submitted through the exchange (LMS import): "
                         f"upload feedback/<student>/{lesson}/*.html to the LMS")
    return "\n".join(lines)


def grades(path: Path, api=None) -> tuple[Path, str]:
    """Export every grade of the gradebook to CSV; returns the path and a printed table."""
    import csv

    api = api or make_api()
    export_csv(path, api=api)
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    lines = [f"{len(rows)} grade(s) written to {path}"]
    if rows:
        width = max(7, *(len(r["student_id"]) for r in rows))
        lines.append(f"  {'lesson':<20} {'student':<{width}}  score")
        for r in sorted(rows, key=lambda r: (r["assignment"], r["student_id"])):
            lines.append(f"  {r['assignment']:<20} {r['student_id']:<{width}}  "
                         f"{float(r['score'] or 0):g}/{float(r['max_score'] or 0):g}")
    return Path(path), "\n".join(lines)
