"""The record stage of one executed submission (in the single gradebook writer): nbgrader's
SaveAutoGrades / AssignLatePenalties / CheckCellMetadata, then what nbgrader does not do --
a kernel limit's reason in the notebook's comment, a tampered submission held for review."""

from __future__ import annotations

from coursegrader.engine.model import SubmissionResult, SubmissionRun
from coursegrader.nbg import gradebook


def record_submission(api, recorder, lesson: str, result: SubmissionResult, notebooks,
                      run: SubmissionRun) -> None:
    """Record ``run`` (execute.execute_submission's answer) for ``notebooks``."""
    student = result.student
    for path in notebooks:
        one = run.notebooks.get(path.stem)
        prefix = f"{path.stem}: " if len(notebooks) > 1 else ""
        if one is not None:
            result.notes += [prefix + n for n in one.notes if "Traceback" not in n]
        if one is None or not one.ok:
            result.error = prefix + ((one.error if one is not None else "") or "not executed")
            return
    try:
        recorder(lesson, student, notebooks)
        result.success = True
    except Exception as err:
        result.error = f"nbgrader could not record the grades: {type(err).__name__}: {err}"
        return
    for path in notebooks:
        one = run.notebooks[path.stem]
        if one.limit:
            gradebook.add_comment(api, lesson, student, path.stem, one.limit)
        where = f" in {path.stem}" if len(notebooks) > 1 else ""
        result.review += [reason + where for reason in one.review]
        if one.tampered:
            result.review.append(
                "the tests' failures were hidden from the grader (canary check failed "
                f"after {', '.join(one.tampered[:3])}{where})")
    if result.review:
        gradebook.withhold(api, lesson, student, result.review)
