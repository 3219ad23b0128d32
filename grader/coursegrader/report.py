"""Every text the instructor reads from the `course` command: what each step of the term
did, formatted from the data that workflow.py returns."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coursegrader.workflow import Autograded

SANDBOX_OFF = "WARNING: the kernel sandbox was off: student code ran with your rights"


def format_released(done) -> str:
    return (f"released {done.lesson}: students can fetch it from the exchange "
            f"({done.outbound})")


def format_collected(done) -> str:
    if done.source is None:
        new = done.new
        return (f"collected {done.lesson} from the exchange: {len(done.students)} submission(s) "
                f"in {done.folder} ({len(new)} new"
                + (f": {', '.join(new)}" if 0 < len(new) <= 10 else "") + ")")
    lines = [f"imported {len(done.students)} submission(s) of {done.lesson} from {done.source}"]
    lines += [f"  skipped {name}: {why}" for name, why in done.skipped]
    return "\n".join(lines)


def summarize(run: Autograded) -> str:
    """The instructor's view of an autograding run."""
    results = run.results
    counts = Counter(r.status for r in results.values())
    lines = [SANDBOX_OFF] if not run.sandbox else []
    if run.lesson_generated:
        lines.append(f"{run.lesson} was not in the gradebook: generated it from its source "
                     "(not released to the exchange)")
    lines.append(
        f"autograded {run.lesson}: {len(results)} submission(s) in {run.seconds:.1f} s -- "
        f"{counts['graded']} graded, {counts['review']} need review, {counts['failed']} failed")
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


def format_feedback(run) -> str:
    lines = [f"feedback for {run.lesson}: {len(run.written)} generated in {run.folder}"]
    if run.failed:
        lines.append(f"  could not generate feedback for: {', '.join(run.failed)}")
    if run.release and run.written:
        lines.append(f"  {len(run.returned)} returned to the students through the exchange")
        if run.not_returned:
            lines.append(f"  returning failed for: {', '.join(run.not_returned)}")
        if run.lms:
            lines.append(f"  {len(run.lms)} not submitted through the exchange (LMS import): "
                         f"upload feedback/<student>/{run.lesson}/*.html to the LMS")
    return "\n".join(lines)


def format_grades(done) -> str:
    rows = done.rows
    lines = [f"{len(rows)} grade(s) written to {done.path}"]
    if rows:
        width = max(7, *(len(r["student_id"]) for r in rows))
        lines.append(f"  {'lesson':<20} {'student':<{width}}  score")
        for r in sorted(rows, key=lambda r: (r["assignment"], r["student_id"])):
            lines.append(f"  {r['assignment']:<20} {r['student_id']:<{width}}  "
                         f"{float(r['score'] or 0):g}/{float(r['max_score'] or 0):g}")
    lines += _platform_lines(done)
    return "\n".join(lines)


PLATFORMS = {"canvas": "Canvas (Grades > Import)",
             "moodle": "Moodle (Grades > Import > CSV file)"}


def _platform_lines(done) -> list[str]:
    platform_files = getattr(done, "platform_files", {})
    if not platform_files:
        return []
    what = ", ".join(done.lessons) if done.lessons else "no lesson has a submission yet"
    lines = [f"for learning platforms ({what}; import steps: docs/lms.md):"]
    lines += [f"  {PLATFORMS[name]}: {path}" for name, path in platform_files.items()]
    if done.left_out:
        shown = ", ".join(done.left_out[:10]) + (" ..." if len(done.left_out) > 10 else "")
        lines.append(f"  left out, no id for the platform in the roster: {shown}")
    return lines


def format_extension(done) -> str:
    """What `course extend` did."""
    if done.extension is None:
        return (f"{done.student} has no extension of {done.lesson} any more: due "
                f"{done.due:%Y-%m-%d %H:%M} UTC")
    days = done.extension.total_seconds() / 86400
    return (f"{done.student} may hand in {done.lesson} until {done.until:%Y-%m-%d %H:%M} UTC "
            f"({days:.3g} day(s) after its due date, {done.due:%Y-%m-%d %H:%M} UTC); "
            "autograde the submission again if it is already graded")
