"""The record stage of one executed submission (in the single gradebook writer): nbgrader's
SaveAutoGrades / AssignLatePenalties / CheckCellMetadata, then what nbgrader does not do --
a kernel limit's reason in the notebook's comment, a tampered submission held for review."""

from __future__ import annotations

from coursegrader import nbgraderio
from coursegrader.grading import SubmissionResult


def worker_failed(err: BaseException, notebooks) -> dict:
    """What a worker process that died itself (not the kernel) reports."""
    return {"notebooks": {p.stem: {"ok": False, "error": f"grading worker failed: {err}",
                                   "tampered": [], "notes": [], "limit": None}
                          for p in notebooks}, "timings": {}}


def record_submission(api, recorder, lesson: str, result: SubmissionResult, notebooks,
                      run: dict) -> None:
    """Record ``run`` (execute.execute_submission's answer) for ``notebooks``."""
    student = result.student
    runs = run["notebooks"]
    for path in notebooks:
        one = runs.get(path.stem) or {}
        prefix = f"{path.stem}: " if len(notebooks) > 1 else ""
        result.notes += [prefix + n for n in one.get("notes", []) if "Traceback" not in n]
        if not one.get("ok", False):
            result.error = prefix + (one.get("error") or "not executed")
            return
    try:
        recorder(lesson, student, notebooks)
        result.success = True
    except Exception as err:
        result.error = f"nbgrader could not record the grades: {type(err).__name__}: {err}"
        return
    for path in notebooks:
        one = runs[path.stem]
        if one.get("limit"):
            nbgraderio.add_comment(api, lesson, student, path.stem, one["limit"])
        if one.get("tampered"):
            where = f" in {path.stem}" if len(notebooks) > 1 else ""
            result.review.append(
                "the tests' failures were hidden from the grader (canary check failed "
                f"after {', '.join(one['tampered'][:3])}{where})")
    if result.review:
        nbgraderio.withhold(api, lesson, student, result.review)
